import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { compileFlow } from "../src/core/flows/compile.js";
import { FlowFileError, loadFlowFiles, parseFlowFile } from "../src/core/flows/load.js";
import { createTexts, readLocales } from "../src/core/i18n/texts.js";

const badCases = z
  .array(z.object({ name: z.string(), file: z.string(), source: z.string(), error: z.string() }))
  .parse(parse(readFileSync(new URL("./fixtures/bad-flows.yaml", import.meta.url), "utf8")));

function refusal(run: () => unknown): FlowFileError {
  try {
    run();
  } catch (error) {
    if (error instanceof FlowFileError) return error;
    throw error;
  }
  throw new Error("the flow was accepted");
}

describe("flow files", () => {
  it.each(badCases.map((c) => [c.name, c] as const))("refuses %s, naming file, step and reason", (_, bad) => {
    const error = refusal(() => parseFlowFile(`flows/${bad.file}`, bad.source));
    expect(error.message.startsWith(bad.error)).toBe(true);
    expect(error.file).toBe(`flows/${bad.file}`);
  });

  it("refuses a step whose text is missing from locales/es", () => {
    const texts = createTexts(readLocales("locales"));
    const flow = parseFlowFile("flows/demo.yaml", "id: demo\nversion: 1\nsteps:\n  - { id: shoe_size, kind: yesno }\n");
    const error = refusal(() => compileFlow(flow, "flows/demo.yaml", texts));
    expect(error.message).toBe(
      'flows/demo.yaml, step "shoe_size": the text "demo:shoe_size.text" is missing from locales/es',
    );
  });

  it("refuses two files with one flow id", () => {
    const dir = mkdtempSync(join(tmpdir(), "puente-flows-"));
    const flow = "id: demo\nversion: 1\nsteps:\n  - { id: kids, kind: yesno }\n";
    writeFileSync(join(dir, "a.yaml"), flow);
    writeFileSync(join(dir, "b.yaml"), flow);
    const error = refusal(() => loadFlowFiles(dir));
    expect(error.message).toBe(`${join(dir, "b.yaml")}: flow id "demo" is already used by ${join(dir, "a.yaml")}`);
  });

  it("accepts every flow shipped in flows/", () => {
    const texts = createTexts(readLocales("locales"));
    for (const { file, flow } of loadFlowFiles("flows")) expect(compileFlow(flow, file, texts).id).toBe(flow.id);
  });
});

describe("npm run flows:check", () => {
  const check = (env: Record<string, string>) =>
    spawnSync("npm", ["run", "--silent", "flows:check"], { env: { ...process.env, ...env }, encoding: "utf8" });

  it("lists the office file and every flow when all is well", () => {
    const run = check({});
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("ok  office.yaml");
    expect(run.stdout).toContain('flow "persona" version 1, 2 questions');
  });

  it("stops with one line on a bad office file", () => {
    const file = join(mkdtempSync(join(tmpdir(), "puente-office-")), "office.yaml");
    writeFileSync(file, "name: Oficina\ntimezone: Luna/Base\nhours: [{days: [mon], from: '09:00', to: '13:00'}]\n");
    const run = check({ OFFICE_FILE: file });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split("\n")).toEqual([expect.stringContaining("timezone must be a time zone")]);
  });
});
