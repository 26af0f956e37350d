import { afterAll, describe, expect, it } from "vitest";
import type { RecordStore } from "../src/core/store/records.js";
import { dropPrefix, engineOn, Person, type RecordedResponse, redisStore, testPrefix } from "./support/puente.js";

/**
 * Messages of one chat are applied one after the other: in arrival order within a process, and
 * without a lost update across processes sharing Redis (compare-and-set on the session revision).
 */
const prefix = testPrefix("concurrency");
const opened: RecordStore[] = [];
afterAll(async () => {
  for (const store of opened) await store.close();
  await dropPrefix(prefix);
});

/** A store whose reads are slow, so that two processes surely read the same revision. */
function slowReads(store: RecordStore, counts: { conflicts: number }): RecordStore {
  return {
    read: async (key) => {
      const value = await store.read(key);
      await new Promise((resolve) => setTimeout(resolve, 15));
      return value;
    },
    write: async (...args) => {
      const written = await store.write(...args);
      if (!written) counts.conflicts++;
      return written;
    },
    settle: (key, revision) => store.settle(key, revision),
    unsettled: (olderThanMs, limit) => store.unsettled(olderThanMs, limit),
    release: (entry) => store.release(entry),
    close: () => store.close(),
  };
}

function open(): RecordStore {
  const store = redisStore(prefix);
  opened.push(store);
  return store;
}

describe("two messages of one chat at once", () => {
  it("through two engines on one Redis: both are applied, one after the other", async () => {
    const counts = { conflicts: 0 };
    const a = engineOn(slowReads(open(), counts)).engine;
    const b = engineOn(slowReads(open(), counts)).engine;
    for (let round = 0; round < 10; round++) {
      const chat = `two-engines-${round}`;
      const onA = new Person(a, chat, "es");
      const onB = new Person(b, chat, "es");
      await onA.say("/start demo");
      await onA.say("sí");
      await onA.say("1");
      await onA.say("30");
      await onA.say("no");
      expect(onA.prompt().ref?.step).toBe("needs");
      const [health, housing] = onA.prompt().choices;
      await Promise.all([onA.tap(health?.token ?? ""), onB.tap(housing?.token ?? "")]);
      // Whichever came second saw the first: both ticks are there.
      await onA.say("/menu");
      expect(
        onA
          .prompt()
          .choices.filter((c) => c.selected)
          .map((c) => c.label)
          .sort(),
      ).toEqual(["Salud", "Vivienda"]);
    }
    expect(counts.conflicts).toBeGreaterThanOrEqual(10);
  });

  it("within one engine: in the order they arrived, even when none waits for the one before", async () => {
    const submitted: RecordedResponse[] = [];
    const { engine } = engineOn(open(), {}, { recordInto: submitted });
    const person = new Person(engine, "one-engine", "es");
    const script = ["/start demo", "sí", "3", "44", "sí", "2", "1,5", "Gracias", "1"];
    const replies = await Promise.all(script.map((text) => person.say(text)));
    expect(replies.every((reply) => reply.length > 0)).toBe(true);
    expect(submitted.map((s) => s.answers)).toEqual([
      {
        consent: true,
        country: "peru",
        age: 44,
        children: true,
        children_count: 2,
        needs: ["health", "papers"],
        comment: "Gracias",
      },
    ]);
  });

  it("many people at once, each message to either engine: every answer lands with its own person", async () => {
    const store = open();
    const engines = [engineOn(store).engine, engineOn(open()).engine];
    const script = (index: number) => ["/start demo", "sí", "1", String(18 + index), "no"];
    await Promise.all(
      Array.from({ length: 60 }, async (_, index) => {
        for (const [at, text] of script(index).entries()) {
          const engine = engines[(index + at) % 2];
          if (engine) await new Person(engine, `crowd-${index}`, "es").say(text);
        }
      }),
    );
    for (let index = 0; index < 60; index++) {
      const stored = await store.read(engines[0]?.chatKey("test", `crowd-${index}`) ?? "");
      expect(JSON.parse(stored?.value ?? "{}").mode.flow.context.answers).toEqual({
        consent: true,
        country: "haiti",
        age: 18 + index,
        children: false,
      });
    }
  });
});
