import type { ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { OutboundMessage } from "../src/core/engine/messages.js";
import type { RecordStore } from "../src/core/store/records.js";
import { failedStart, startProgram } from "./support/program.js";
import { dropPrefix, engineOn, Person, REDIS_URL, redisStore, TEST_SECRET, testPrefix } from "./support/puente.js";
import { WebChatClient } from "./support/web.js";

/** Nothing lost: a crash or restart at any step resumes the person at the same question with every answer. */
const prefix = testPrefix("restart");
const stores: RecordStore[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const store of stores) await store.close();
  await dropPrefix(prefix);
});

/** The web chat of `chat` (its cookie kept across programs) on the program at `url`. */
async function say(url: string, chat: WebChatClient, text: string): Promise<OutboundMessage[]> {
  const onThisProgram = Object.assign(new WebChatClient(url), { cookie: chat.cookie, asked: chat.asked });
  const reply = await onThisProgram.say(text);
  Object.assign(chat, { cookie: onThisProgram.cookie, asked: onThisProgram.asked });
  return reply.messages;
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
    const chat = new WebChatClient("");
    const first = await startProgram(env, children);
    await say(first.url, chat, "/start demo");
    await say(first.url, chat, "sí");
    await say(first.url, chat, "5");
    const atOther = await say(first.url, chat, "Ecuador");
    expect(lastPrompt(atOther).ref?.step).toBe("age");
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));

    const second = await startProgram(env, children);
    const resumed = await say(second.url, chat, "61");
    expect(lastPrompt(resumed).ref?.step).toBe("children");
    await say(second.url, chat, "no");
    await say(second.url, chat, "2");
    const review = lastPrompt(await say(second.url, chat, "Nada"));
    expect(review.expects).toBe("review");
    for (const shown of ["Sí", "Otro país", "Ecuador", "61", "No", "Vivienda", "Nada"])
      expect(review.text).toContain(shown);
    second.child.kill("SIGTERM");
  });
});

describe("starting with a problem", () => {
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
