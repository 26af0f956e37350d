import { type ChatMemory, DELIVERIES_KEPT } from "../chatmemory.js";

interface Remembered {
  deliveries: string[];
  note: string | undefined;
  expiresAt: number;
}

/** Chat memory in this process; an expired chat is dropped when read and by a periodic sweep. */
export class MemoryChatMemory implements ChatMemory {
  readonly #chats = new Map<string, Remembered>();
  readonly #sweeper = setInterval(() => {
    const now = Date.now();
    for (const [chat, remembered] of this.#chats) if (remembered.expiresAt <= now) this.#chats.delete(chat);
  }, 60_000).unref();

  /** Checks and records without awaiting in between: two takes at once cannot both be first. */
  async take(
    chat: string,
    delivery: string,
    ttlSeconds: number,
  ): Promise<{ first: boolean; note: string | undefined }> {
    const remembered = this.#live(chat);
    if (remembered?.deliveries.includes(delivery)) return { first: false, note: remembered.note };
    const deliveries = [delivery, ...(remembered?.deliveries ?? [])].slice(0, DELIVERIES_KEPT);
    this.#chats.set(chat, { deliveries, note: remembered?.note, expiresAt: expiry(ttlSeconds) });
    return { first: true, note: remembered?.note };
  }

  async giveBack(chat: string, delivery: string): Promise<void> {
    const remembered = this.#live(chat);
    if (remembered) remembered.deliveries = remembered.deliveries.filter((taken) => taken !== delivery);
  }

  async note(chat: string, note: string, ttlSeconds: number): Promise<void> {
    const deliveries = this.#live(chat)?.deliveries ?? [];
    this.#chats.set(chat, { deliveries, note, expiresAt: expiry(ttlSeconds) });
  }

  async read(chat: string): Promise<string | undefined> {
    return this.#live(chat)?.note;
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #live(chat: string): Remembered | undefined {
    const remembered = this.#chats.get(chat);
    if (!remembered) return undefined;
    if (remembered.expiresAt > Date.now()) return remembered;
    this.#chats.delete(chat);
    return undefined;
  }
}

function expiry(ttlSeconds: number): number {
  return Date.now() + ttlSeconds * 1000;
}
