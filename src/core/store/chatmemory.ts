/**
 * What a channel keeps of one chat between its updates, in one small record: the ids of the chat's
 * last few deliveries, so that an update the platform sends again is recognised, and one note (the
 * question last shown). A key per delivery would grow with every message anyone sends; this stays
 * the same size however long the conversation. Never answers nor personal data: chats are named
 * by their keyed hash.
 */
export interface ChatMemory {
  /**
   * Takes a delivery of this chat and reads the note, in one step: `first` is false when the same
   * delivery was taken before (it is among the chat's last DELIVERIES_KEPT). Delivery ids hold no
   * white space. The record lives `ttlSeconds` from now.
   */
  take(chat: string, delivery: string, ttlSeconds: number): Promise<{ first: boolean; note: string | undefined }>;
  /** Gives a delivery back (handling it failed), so that it is handled when it comes again. */
  giveBack(chat: string, delivery: string): Promise<void>;
  /** Replaces the note, keeping the deliveries; the record lives `ttlSeconds` from now. */
  note(chat: string, note: string, ttlSeconds: number): Promise<void>;
  read(chat: string): Promise<string | undefined>;
}

/**
 * Deliveries remembered per chat. A platform sends an update again when it saw no answer, before
 * the chat's next few; the engine's own memory of message ids is the second line behind this one.
 */
export const DELIVERIES_KEPT = 8;
