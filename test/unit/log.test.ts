import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, logFormat } from "../../src/runtime/log.js";

/** A stream that keeps what is written to it. */
function sink(): { stream: Writable; written: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, written: () => chunks.join("") };
}

describe("log format", () => {
  it("follows LOG_FORMAT when set; else pretty on a terminal, JSON lines elsewhere", () => {
    expect(logFormat("json", true)).toBe("json");
    expect(logFormat("pretty", false)).toBe("pretty");
    expect(logFormat(undefined, true)).toBe("pretty");
    expect(logFormat(undefined, false)).toBe("json");
  });

  it("json: one JSON object a line, with the app and an ISO time", () => {
    const { stream, written } = sink();
    createLogger("info", "json", stream).info({ chat: "abc123" }, "message handled");
    const line = JSON.parse(written().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, app: "puente", chat: "abc123", msg: "message handled" });
    expect(String(line.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("pretty: a line for a person, same fields, no colours into a non-terminal, no pid or hostname", () => {
    const { stream, written } = sink();
    createLogger("info", "pretty", stream).warn({ chat: "abc123" }, "session store unavailable");
    const text = written();
    expect(text).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] WARN: session store unavailable\n/);
    expect(text).toContain('chat: "abc123"');
    expect(text).not.toContain("{");
    expect(text).not.toContain("\u001b[");
    expect(text).not.toMatch(/pid|hostname/);
  });

  it("keeps the level: below it, nothing is written", () => {
    const { stream, written } = sink();
    createLogger("warn", "pretty", stream).info("not shown");
    expect(written()).toBe("");
  });
});
