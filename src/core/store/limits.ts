/**
 * How often something may happen per key within a window: a client opening chats, a chat sending
 * messages. Counted where every replica sees the same count (Redis), or in this process.
 */
export interface RateLimiter {
  /** Counts one for `key`; 0 when it is allowed, else how many milliseconds until the next one is. */
  take(key: string): Promise<number>;
}

/** So many in so many seconds. */
export interface RateLimit {
  points: number;
  seconds: number;
}
