import type { Logger } from "pino";
import type { z } from "zod";
import type { OutboxEntry, RecordStore } from "./records.js";

/** An effect that can never succeed as the program is set up: dropped instead of tried forever. */
export class PermanentEffectError extends Error {
  override name = "PermanentEffectError";
}

/**
 * Carries out the effects a `RecordStore` keeps with each change, for one kind of record (sessions,
 * cases): in the order they were written, each entry settled once all its effects are done, and
 * stopping at the first failure so later effects never overtake earlier ones. `recover` finds what
 * a crash left behind.
 */
export class OutboxRunner<E> {
  constructor(
    private readonly store: RecordStore,
    private readonly schema: z.ZodType<E[]>,
    private readonly perform: (effect: E, key: string) => Promise<void>,
    private readonly logger: Logger,
    /** What the records are, for the log ("session", "case"). */
    private readonly what: string,
  ) {}

  /** True when every entry is settled. */
  async run(key: string, outbox: OutboxEntry[]): Promise<boolean> {
    for (const entry of outbox) {
      const effects = this.#read(entry);
      if (!effects) {
        this.logger.error({ record: this.what, revision: entry.revision }, "unreadable effects in the outbox; dropped");
        await this.store.settle(key, entry.revision).catch(() => undefined);
        continue;
      }
      try {
        for (const effect of effects) await this.perform(effect, key);
        await this.store.settle(key, entry.revision);
      } catch (error) {
        if (error instanceof PermanentEffectError) {
          // Trying again cannot help (the program is set up so that it cannot be done): said once, dropped.
          this.logger.error({ record: this.what, err: error.message }, "effect cannot be carried out; dropped");
          await this.store.settle(key, entry.revision).catch(() => undefined);
          continue;
        }
        this.logger.error(
          { record: this.what, err: (error as Error).message },
          "effect failed; it stays in the outbox and will be tried again",
        );
        return false;
      }
    }
    return true;
  }

  /**
   * Carries out effects still unsettled `olderThanMs` after their write (left by a crash or a
   * failure); returns how many records it looked at. `serial` runs each record's work after any
   * other work on it in this process.
   */
  async recover(
    olderThanMs: number,
    serial: (key: string, work: () => Promise<void>) => Promise<void> = (_, work) => work(),
  ): Promise<number> {
    const entries = await this.store.unsettled(olderThanMs, 100);
    for (const entry of entries) {
      await serial(entry.key, async () => {
        const stored = await this.store.read(entry.key);
        if (await this.run(entry.key, stored?.outbox ?? [])) await this.store.release(entry);
      });
    }
    return entries.length;
  }

  #read(entry: OutboxEntry): E[] | undefined {
    try {
      const parsed = this.schema.safeParse(JSON.parse(entry.effects));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }
}
