/**
 * What cases need besides their records (kept in a `RecordStore`): codes unique among cases,
 * lists to find cases by (all, waiting for staff, due for purging), and two append-only logs per
 * case (the audit trail and the transcript). Every operation touches one key, and doing one twice
 * does it once, so they can run as effects after a case's write.
 */
export interface CaseIndex {
  /** Gives `code` to `caseId` if no case has it; returns the case that holds it now. */
  claimCode(code: string, caseId: string): Promise<string>;
  /** The case with this code, if any. */
  findCode(code: string): Promise<string | undefined>;
  /** Puts a case in a list, scored (a time in ms); again only moves its score. */
  mark(list: CaseList, caseId: string, score: number): Promise<void>;
  unmark(list: CaseList, caseId: string): Promise<void>;
  /** Cases of a list scored up to `upTo`, lowest first. */
  due(list: CaseList, upTo: number, limit: number): Promise<string[]>;
  /** Cases of a list, highest score first. */
  latest(list: CaseList, limit: number): Promise<string[]>;
  /** How many cases a list holds now (for metrics: read when they are scraped). */
  count(list: CaseList): Promise<number>;
  /** Appends an entry to a case's log; an entry with the same id and text is kept once. */
  append(log: CaseLog, caseId: string, entry: string, score: number): Promise<void>;
  /** A log's entries, oldest first, at most `limit` of the newest. */
  entries(log: CaseLog, caseId: string, limit: number): Promise<string[]>;
  drop(log: CaseLog, caseId: string): Promise<void>;
}

/** `all` by opening time; `waiting` (nobody took it) by opening time; `purge` by when the contact goes. */
export type CaseList = "all" | "waiting" | "purge";
export type CaseLog = "audit" | "transcript";
