import { Queue } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import type { Cases } from "../src/core/cases/cases.js";
import type { EffectRunner } from "../src/core/engine/effects.js";
import type { InboundMessage } from "../src/core/engine/messages.js";
import { RedisCaseIndex } from "../src/core/store/redis/cases.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { BullJobQueue } from "../src/core/store/redis/jobs.js";
import { RedisRecordStore } from "../src/core/store/redis/records.js";
import { RedisResponseStore } from "../src/core/store/redis/responses.js";
import { CASES_ON, dropPrefix, engineOn, Person, REDIS_URL, testPrefix } from "./support/puente.js";

/**
 * Effects happen after the session is written, exactly once per change: a crash between the write
 * and the effect leaves it in the outbox for another process; two processes given the same message
 * open one case and send one notification. On a real Redis, with BullMQ.
 */
const prefix = testPrefix("effects");
const redis = openRedis(REDIS_URL);
const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const thing of opened) await thing.close();
  await closeRedis(redis);
  await dropPrefix(prefix);
});

/** One replica: its own engine on the shared Redis; `crashing` stops it right after its writes. */
function replica(crashing = false) {
  const jobs = new BullJobQueue(REDIS_URL, prefix);
  opened.push(jobs);
  const broken = (runner: EffectRunner): EffectRunner => ({
    prepare: (intent, sender) => runner.prepare(intent, sender),
    perform: async (effect) => {
      if (crashing) throw new Error("the process died here");
      await runner.perform(effect);
    },
  });
  return engineOn(new RedisRecordStore(redis, prefix, "s"), CASES_ON, {
    responses: new RedisResponseStore(redis, prefix),
    stores: {
      cases: new RedisRecordStore(redis, prefix, "c"),
      caseIndex: new RedisCaseIndex(redis, prefix),
      jobs,
    },
    effects: broken,
  });
}

async function queued(name: string): Promise<number> {
  const queue = new Queue(name, { connection: { url: REDIS_URL }, prefix: `{${prefix}:jobs}` });
  const counts = await queue.getJobCounts("waiting", "delayed", "active", "completed", "failed", "prioritized");
  await queue.close();
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

async function toConsent(person: Person): Promise<void> {
  await person.say("/persona");
  await person.say("1");
}

describe("effects after the write", () => {
  it("a crash between the write and the effect: another process carries the effect out, once", async () => {
    const dying = replica(true);
    const person = new Person(dying.engine, "crash-1", "es");
    await toConsent(person);
    const casesBefore = (await (dying.cases as Cases).list("all", 100)).length;
    await person.say("sí");
    // The session was written (the person is with staff); the case was not opened.
    expect(person.texts()).toEqual([dying.texts.t("es", "persona:done")]);
    expect(await (dying.cases as Cases).list("all", 100)).toHaveLength(casesBefore);

    const next = replica();
    expect(await next.engine.recover(0)).toBeGreaterThan(0);
    const after = await (next.cases as Cases).list("all", 100);
    expect(after).toHaveLength(casesBefore + 1);
    // Recovering again, from either process, does nothing more.
    await next.engine.recover(0);
    await replica().engine.recover(0);
    expect(await (next.cases as Cases).list("all", 100)).toHaveLength(casesBefore + 1);
    expect(await queued("webhook")).toBe(1);
    expect(await queued("person")).toBe(1);
    // And the outbox is empty: nothing left to recover.
    expect(await next.engine.recover(0)).toBe(0);
  });

  it("two processes given the same message at once: one case, one notification", async () => {
    const [a, b] = [replica(), replica()];
    const person = new Person(a.engine, "twice-1", "es");
    await toConsent(person);
    const casesBefore = (await (a.cases as Cases).list("all", 100)).length;
    const hooksBefore = await queued("webhook");
    const yes: InboundMessage = {
      id: "tg-42",
      channel: "test",
      chatId: "twice-1",
      languageCode: "es",
      content: { kind: "text", text: "sí" },
    };
    const [first, second] = await Promise.all([a.engine.handle(yes), b.engine.handle(yes)]);
    expect([first.applied, second.applied].filter(Boolean)).toHaveLength(1);
    expect(await (a.cases as Cases).list("all", 100)).toHaveLength(casesBefore + 1);
    expect(await queued("webhook")).toBe(hooksBefore + 1);
    // Nothing the person said was taken as a message for staff.
    const current = (await (a.cases as Cases).list("all", 1))[0];
    expect(await (a.cases as Cases).transcript(current?.id ?? "")).toEqual([]);
  });

  it("a message that fails its effect is still answered; the effect waits, in order, for the next try", async () => {
    const dying = replica(true);
    const person = new Person(dying.engine, "order-1", "es");
    await toConsent(person);
    await person.say("sí");
    await person.say("primero");
    await person.say("segundo");
    const next = replica();
    await next.engine.recover(0);
    // The newest case is this person's: opened first, then their two messages, in order.
    const [mine] = await (next.cases as Cases).list("all", 1);
    expect((await (next.cases as Cases).transcript(mine?.id ?? "")).map((entry) => entry.text)).toEqual([
      "primero",
      "segundo",
    ]);
  });
});
