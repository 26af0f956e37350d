import { describe, expect, it } from "vitest";
import type { MemoryRecordStore } from "../../src/core/store/memory/records.js";
import type { RecordChange, RecordStore, StoredRecord } from "../../src/core/store/records.js";
import { StoreUnavailableError } from "../../src/core/store/records.js";
import { engineOn, memoryStore, Person } from "../support/puente.js";

/**
 * A channel asks the engine to read a chat's session ahead of the message (so the read shares a
 * round trip with the channel's own): the turn must use that read, and never one that is stale.
 */
class CountingStore implements RecordStore {
  reads = 0;
  refusedWrites = 0;
  /** Holds writes until released, to keep a turn under way. */
  hold: Promise<void> | undefined;
  failReads = false;

  constructor(private readonly inner: MemoryRecordStore) {}

  async read(key: string): Promise<StoredRecord | undefined> {
    this.reads++;
    if (this.failReads) throw new StoreUnavailableError("Redis did not answer: test");
    return this.inner.read(key);
  }

  async write(key: string, change: RecordChange, expectedRevision: number): Promise<boolean> {
    await this.hold;
    const written = await this.inner.write(key, change, expectedRevision);
    if (!written) this.refusedWrites++;
    return written;
  }

  settle(key: string, revision: number) {
    return this.inner.settle(key, revision);
  }
  unsettled(olderThanMs: number, limit: number) {
    return this.inner.unsettled(olderThanMs, limit);
  }
  release(entry: Parameters<RecordStore["release"]>[0]) {
    return this.inner.release(entry);
  }
  close() {
    return this.inner.close();
  }
}

const setup = () => {
  const shared = memoryStore();
  const store = new CountingStore(shared);
  const { engine } = engineOn(store);
  return { shared, store, engine };
};

/**
 * A person at the menu whose session is read ahead here; then another replica, on the same store,
 * opens the demo for them (the read ahead is stale from then on).
 */
async function overtaken(chatId: string) {
  const { shared, store, engine } = setup();
  const here = new Person(engine, chatId, "es");
  await here.say("/start");
  engine.readAhead("test", chatId);
  const elsewhere = new Person(engineOn(shared).engine, chatId, "es");
  await elsewhere.say("/start demo");
  return { store, here, elsewhere };
}

describe("a session read ahead of its message", () => {
  it("is the one read of the turn", async () => {
    const { store, engine } = setup();
    const person = new Person(engine, "ahead-1", "es");
    for (const text of ["/start", "/start demo", "sí"]) {
      const before = store.reads;
      engine.readAhead("test", person.chatId);
      expect(store.reads - before).toBe(1);
      await person.say(text);
      expect(store.reads - before).toBe(1);
    }
    expect(person.prompt().ref?.step).toBe("country");
    expect(store.refusedWrites).toBe(0);
  });

  it("is not taken while the chat's previous message is under way: the next one reads after its write", async () => {
    const { store, engine } = setup();
    const person = new Person(engine, "ahead-2", "es");
    await person.say("/start");
    let release = () => {};
    store.hold = new Promise((resolve) => {
      release = resolve;
    });
    const opening = person.say("/start demo");
    await new Promise((resolve) => setTimeout(resolve, 5));
    engine.readAhead("test", person.chatId);
    const second = new Person(engine, person.chatId, "es");
    const answering = second.say("sí");
    release();
    store.hold = undefined;
    await Promise.all([opening, answering]);
    expect(second.prompt().ref?.step).toBe("country");
    expect(store.refusedWrites).toBe(0);
  });

  it("overtaken by another replica's write fails the compare-and-set, and the turn reads again", async () => {
    const { store, here, elsewhere } = await overtaken("ahead-3");
    // The other replica takes the consent too: the demo is at its country question.
    await elsewhere.say("sí");
    // Read ahead at the menu, this one writes (it opens the demo), so its compare-and-set fails;
    // read again, the demo is under way at its country question, and that is where it stays.
    await here.say("/start demo");
    expect(store.refusedWrites).toBe(1);
    expect(here.prompt().ref?.step).toBe("country");
  });

  it("overtaken by another replica's write, a turn that would write nothing reads again too", async () => {
    const { store, here } = await overtaken("ahead-4");
    // "sí" at the menu, where the read ahead left the chat, would only be asked again.
    await here.say("sí");
    expect(here.prompt().ref?.step).toBe("country");
    expect(store.refusedWrites).toBe(0);
  });

  it("that failed: the turn that takes it asks to try again; one never taken harms nothing", async () => {
    const { store, engine } = setup();
    const person = new Person(engine, "ahead-5", "es");
    await person.say("/start");
    store.failReads = true;
    engine.readAhead("test", "ahead-never-taken");
    engine.readAhead("test", person.chatId);
    store.failReads = false;
    const [reply] = await person.say("/start demo");
    expect(reply?.kind).toBe("text");
    expect(person.prompt).toThrow();
    await person.say("/start demo");
    expect(person.prompt().ref?.step).toBe("consent");
  });
});
