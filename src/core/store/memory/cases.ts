import type { CaseIndex, CaseList, CaseLog } from "../cases.js";

/** The case index in this process's memory: for trying the bot, lost on restart. */
export class MemoryCaseIndex implements CaseIndex {
  readonly #codes = new Map<string, string>();
  readonly #lists = new Map<CaseList, Map<string, number>>();
  readonly #logs = new Map<string, Map<string, number>>();

  async claimCode(code: string, caseId: string): Promise<string> {
    if (!this.#codes.has(code)) this.#codes.set(code, caseId);
    return this.#codes.get(code) ?? caseId;
  }

  async findCode(code: string): Promise<string | undefined> {
    return this.#codes.get(code);
  }

  async mark(list: CaseList, caseId: string, score: number): Promise<void> {
    const scores = this.#lists.get(list) ?? new Map<string, number>();
    scores.set(caseId, score);
    this.#lists.set(list, scores);
  }

  async unmark(list: CaseList, caseId: string): Promise<void> {
    this.#lists.get(list)?.delete(caseId);
  }

  async due(list: CaseList, upTo: number, limit: number): Promise<string[]> {
    return this.#sorted(list)
      .filter(([, score]) => score <= upTo)
      .slice(0, limit)
      .map(([caseId]) => caseId);
  }

  async latest(list: CaseList, limit: number): Promise<string[]> {
    return this.#sorted(list)
      .reverse()
      .slice(0, limit)
      .map(([caseId]) => caseId);
  }

  async count(list: CaseList): Promise<number> {
    return this.#lists.get(list)?.size ?? 0;
  }

  async append(log: CaseLog, caseId: string, entry: string, score: number): Promise<void> {
    const key = `${log}:${caseId}`;
    const entries = this.#logs.get(key) ?? new Map<string, number>();
    entries.set(entry, score);
    this.#logs.set(key, entries);
  }

  async entries(log: CaseLog, caseId: string, limit: number): Promise<string[]> {
    const entries = [...(this.#logs.get(`${log}:${caseId}`) ?? new Map<string, number>())];
    return entries
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
      .slice(-limit)
      .map(([entry]) => entry);
  }

  async drop(log: CaseLog, caseId: string): Promise<void> {
    this.#logs.delete(`${log}:${caseId}`);
  }

  #sorted(list: CaseList): Array<[string, number]> {
    return [...(this.#lists.get(list) ?? new Map<string, number>())].sort(
      (a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1),
    );
  }
}
