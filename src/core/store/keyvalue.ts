/**
 * Small facts with an expiry that channels keep outside the session: an update already handled,
 * the message that holds the current question's buttons. Never answers nor personal data.
 */
export interface KeyValueStore {
  /** Sets the key only if it is absent, in one step; true when this call set it (the first to see it). */
  claim(key: string, ttlSeconds: number): Promise<boolean>;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** Forgets a key: a claim given back, so what it stood for can be done again. */
  delete(key: string): Promise<void>;
}
