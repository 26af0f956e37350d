import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { OutboundMessage } from "../src/core/engine/messages.js";
import type { SessionStore } from "../src/core/store/sessions.js";
import { dropPrefix, engineOn, Person, REDIS_URL, redisStore, TEST_SECRET, testPrefix } from "./support/puente.js";

/** Nothing lost: a crash or restart at any step resumes the person at the same question with every answer. */
const prefix = testPrefix("restart");
const stores: SessionStore[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const store of stores) await store.close();
  await dropPrefix(prefix);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Starts the program as `npm start` does, and resolves once it serves HTTP. */
async function startProgram(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, HTTP_PORT: String(port), HTTP_HOST: "127.0.0.1", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`the program exited with ${child.exitCode}`);
    const up = await fetch(`${url}/healthz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (up) return { child, url };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the program did not start");
}

async function say(url: string, chatId: string, content: unknown): Promise<OutboundMessage[]> {
  const response = await fetch(`${url}/api/chat/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ chatId, languageCode: "es", content }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: OutboundMessage[] }).messages;
}

const lastPrompt = (messages: OutboundMessage[]) => {
  const prompt = messages.findLast((m) => m.kind === "prompt");
  if (prompt?.kind !== "prompt") throw new Error("no prompt");
  return prompt;
};

describe("restart in the middle of a flow", () => {
  it("a new engine on the same Redis carries the person on at the same question with every answer", async () => {
    const first = redisStore(prefix);
    stores.push(first);
    const before = new Person(engineOn(first).engine, "rebuilt", "es");
    await before.say("/start demo");
    await before.say("sí");
    await before.say("Venezuela");
    await before.say("52");
    await before.choose("Sí");
    expect(before.prompt().ref?.step).toBe("children_count");

    const second = redisStore(prefix);
    stores.push(second);
    const after = new Person(engineOn(second).engine, "rebuilt", "es");
    await after.say("/menu");
    expect(after.prompt()).toMatchObject({ ref: { step: "children_count" }, progress: { index: 5, total: 7 } });
    await after.say("3");
    await after.say("1");
    await after.choose("skip");
    expect(after.prompt().text).toContain("Venezuela");
    expect(after.prompt().text).toContain("52");
  });

  it("the program killed with SIGKILL mid-flow and started again: same question, every answer", async () => {
    const env = { REDIS_URL, REDIS_PREFIX: prefix, ANON_SECRET: TEST_SECRET };
    const chat = "killed-chat-0001";
    const first = await startProgram(env);
    await say(first.url, chat, { kind: "text", text: "/start demo" });
    await say(first.url, chat, { kind: "text", text: "sí" });
    await say(first.url, chat, { kind: "text", text: "5" });
    const atOther = await say(first.url, chat, { kind: "text", text: "Ecuador" });
    expect(lastPrompt(atOther).ref?.step).toBe("age");
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));

    const second = await startProgram(env);
    const resumed = await say(second.url, chat, { kind: "text", text: "61" });
    expect(lastPrompt(resumed).ref?.step).toBe("children");
    await say(second.url, chat, { kind: "text", text: "no" });
    await say(second.url, chat, { kind: "text", text: "2" });
    const review = lastPrompt(await say(second.url, chat, { kind: "text", text: "Nada" }));
    expect(review.expects).toBe("review");
    for (const shown of ["Sí", "Otro país", "Ecuador", "61", "No", "Vivienda", "Nada"])
      expect(review.text).toContain(shown);
    second.child.kill("SIGTERM");
  });
});

describe("starting with a problem", () => {
  async function failedStart(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    return { code, stderr };
  }

  it("a bad variable stops it with one line naming the variable", async () => {
    const { code, stderr } = await failedStart({ HTTP_PORT: "eighty" });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("Configuration error: HTTP_PORT must be a port number");
  });

  it("a bad flow file stops it with one line naming the file, the step and the problem", async () => {
    const dir = mkdtempSync(join(tmpdir(), "puente-flows-"));
    writeFileSync(
      join(dir, "demo.yaml"),
      "id: demo\nversion: 1\nsteps:\n  - { id: age, kind: number, min: 9, max: 1 }\n",
    );
    const { code, stderr } = await failedStart({ FLOWS_DIR: dir, HTTP_PORT: "0" });
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      `Flow file error: ${join(dir, "demo.yaml")}, step "age": min (9) is greater than max (1)`,
    );
  });
});
