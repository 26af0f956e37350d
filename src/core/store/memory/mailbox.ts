import { EventEmitter } from "node:events";
import type { Mailbox } from "../mailbox.js";

const KEEP_MS = 24 * 3600 * 1000;

/** Mailboxes in this process; one process, so a post wakes its watchers directly. */
export class MemoryMailbox implements Mailbox {
  readonly #boxes = new Map<string, Array<{ item: string; at: number }>>();
  readonly #posted = new EventEmitter().setMaxListeners(0);

  async post(box: string, items: string[]): Promise<void> {
    const now = Date.now();
    const kept = (this.#boxes.get(box) ?? []).filter((entry) => entry.at > now - KEEP_MS);
    this.#boxes.set(box, [...kept, ...items.map((item) => ({ item, at: now }))]);
    this.#posted.emit(box);
  }

  async take(box: string): Promise<string[]> {
    const entries = this.#boxes.get(box) ?? [];
    this.#boxes.delete(box);
    return entries.filter((entry) => entry.at > Date.now() - KEEP_MS).map((entry) => entry.item);
  }

  watch(box: string, wake: () => void): () => void {
    this.#posted.on(box, wake);
    return () => this.#posted.off(box, wake);
  }

  async close(): Promise<void> {
    this.#posted.removeAllListeners();
  }
}
