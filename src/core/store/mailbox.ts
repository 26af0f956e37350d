/**
 * Messages waiting for a chat that has no open line to the server right now (the web chat between
 * two page loads), and a wake-up for the one that does, on whatever replica it is connected.
 * Boxes are named by the chat's keyed hash; what waits expires.
 */
export interface Mailbox {
  post(box: string, items: string[]): Promise<void>;
  /** Everything waiting in a box, taken out. */
  take(box: string): Promise<string[]>;
  /** Calls `wake` when something is posted to the box, here or on another replica; returns a stop. */
  watch(box: string, wake: () => void): () => void;
  close(): Promise<void>;
}
