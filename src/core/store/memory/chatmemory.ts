import { type ChatMemory, DELIVERIES_KEPT } from "../chatmemory.js";
import { ExpiringMap } from "./expiring.js";

interface Remembered {
  deliveries: string[];
  note: string | undefined;
}

/** Chat memory in this process, each chat with its own expiry. */
export class MemoryChatMemory implements ChatMemory {
  readonly #chats = new ExpiringMap<Remembered>();

  /** Checks and records without awaiting in between: two takes at once cannot both be first. */
  async take(
    chat: string,
    delivery: string,
    ttlSeconds: number,
  ): Promise<{ first: boolean; note: string | undefined }> {
    const remembered = this.#chats.get(chat);
    if (remembered?.deliveries.includes(delivery)) return { first: false, note: remembered.note };
    const deliveries = [delivery, ...(remembered?.deliveries ?? [])].slice(0, DELIVERIES_KEPT);
    this.#chats.set(chat, { deliveries, note: remembered?.note }, ttlSeconds);
    return { first: true, note: remembered?.note };
  }

  async giveBack(chat: string, delivery: string): Promise<void> {
    const remembered = this.#chats.get(chat);
    if (remembered) remembered.deliveries = remembered.deliveries.filter((taken) => taken !== delivery);
  }

  async note(chat: string, note: string, ttlSeconds: number): Promise<void> {
    this.#chats.set(chat, { deliveries: this.#chats.get(chat)?.deliveries ?? [], note }, ttlSeconds);
  }

  async read(chat: string): Promise<string | undefined> {
    return this.#chats.get(chat)?.note;
  }

  close(): void {
    this.#chats.close();
  }
}
