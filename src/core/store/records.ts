/**
 * Where versioned records live: a person's session, a hand-off case. Like grammY's
 * `StorageAdapter` it stores opaque strings under keys and knows nothing of what they mean; it
 * adds two things the engine cannot do without:
 *
 * - a **revision**, so that two processes sharing the store can never both apply a change to one
 *   record: `write` succeeds only if nobody wrote since the revision was read (compare-and-set),
 *   and the loser reads again and retries;
 * - an **outbox**: the effects of a change (record a response, open a case, notify staff) are
 *   written in the same step as the change, and carried out after it. A crash between the write and
 *   the effects leaves them in the outbox, where `unsettled` finds them for another try; `settle`
 *   marks them done. Effects are carried out at least once, and each one is idempotent, so a retry,
 *   a crash or two replicas never do one twice.
 *
 * Backends (memory/, redis/) run the same contract suite (test/records.contract.test.ts).
 */
export interface RecordStore {
  /** The record and its unsettled effects, or undefined when there is neither (revision 0). */
  read(key: string): Promise<StoredRecord | undefined>;
  /**
   * Applies a change if the record is still at `expectedRevision`; false when someone else wrote
   * first. The new revision is `expectedRevision + 1`; its effects are kept under that revision.
   */
  write(key: string, change: RecordChange, expectedRevision: number): Promise<boolean>;
  /** The effects written at `revision` are done. A record with no value and no effects left is gone. */
  settle(key: string, revision: number): Promise<void>;
  /** Records whose effects may have been left by a crash: written with effects at least `olderThanMs` ago. */
  unsettled(olderThanMs: number, limit: number): Promise<UnsettledRecord[]>;
  /** Drops an entry of `unsettled` once its record has no effects left, unless it was written to again since. */
  release(entry: UnsettledRecord): Promise<void>;
  close(): Promise<void>;
}

export interface RecordChange {
  /** The new value, or null to delete it (its effects, if any, stay until settled). */
  value: string | null;
  /** The record is forgotten after this long without a write; 0 keeps it until deleted. */
  ttlSeconds: number;
  /** The effects of this change, serialised; carried out after the write. */
  effects?: string;
}

export interface StoredRecord {
  revision: number;
  value: string | undefined;
  /** Effects not yet settled, oldest first. */
  outbox: OutboxEntry[];
}

export interface OutboxEntry {
  revision: number;
  effects: string;
}

export interface UnsettledRecord {
  key: string;
  /** When it was marked, as the store saw it: `release` compares it so a newer write keeps its mark. */
  since: number;
}

/** The store cannot be reached; the person is asked to try again in a moment, nothing is changed. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}
