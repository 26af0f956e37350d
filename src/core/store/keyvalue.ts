/**
 * Small facts with an expiry kept outside the sessions: the question a WhatsApp chat was shown, the
 * WhatsApp link's state, staff sign-ins (by a hash of their token) and preferences. Never a
 * person's answers.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}
