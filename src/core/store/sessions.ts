/**
 * Where sessions live between messages. Three functions, like grammY's `StorageAdapter`, so that
 * a backend is easy to write and to test against the same contract (test/store.contract.test.ts).
 *
 * Values are opaque strings; the store only adds a revision so that two processes sharing it
 * can never both apply a message to the same session: `write` succeeds only if nobody wrote in
 * between (compare-and-set), and the loser reads again and retries.
 */
export interface SessionStore {
  /** The session under a key and its revision, or undefined when there is none (revision 0). */
  read(key: string): Promise<StoredSession | undefined>;
  /** Stores a value if the key is still at `expectedRevision`; it expires after `ttlSeconds` idle. */
  write(key: string, value: string, expectedRevision: number, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface StoredSession {
  revision: number;
  value: string;
}

/** The store cannot be reached; the person is asked to try again in a moment, nothing is changed. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
}
