import type { AuditLog } from "../audit.js";

/** The staff audit log in this process's memory. */
export class MemoryAuditLog implements AuditLog {
  readonly #entries: string[] = [];

  async append(entry: string): Promise<void> {
    this.#entries.push(entry);
  }

  async latest(limit: number): Promise<string[]> {
    return this.#entries.slice(-limit).reverse();
  }
}
