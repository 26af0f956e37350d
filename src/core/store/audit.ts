/**
 * The staff audit log: who did what, when, on the staff side (signing in, taking a case, a
 * download). Append-only by design: there is no way to change or remove an entry through it.
 */
export interface AuditLog {
  append(entry: string): Promise<void>;
  /** The newest entries first, at most `limit`. */
  latest(limit: number): Promise<string[]>;
}
