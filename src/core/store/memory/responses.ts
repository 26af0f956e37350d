import type { ResponseListing, ResponseStore, StoredResponse, SubmitOutcome } from "../responses.js";

/** Responses in this process's memory: for trying the bot, lost on restart. */
export class MemoryResponseStore implements ResponseStore {
  readonly #responses = new Map<string, StoredResponse[]>();
  readonly #participants = new Map<string, Set<string>>();

  async submit(response: StoredResponse, participant: string): Promise<SubmitOutcome> {
    const participants = this.#participants.get(response.flow) ?? new Set<string>();
    if (participants.has(participant)) return "duplicate";
    participants.add(participant);
    this.#participants.set(response.flow, participants);
    this.#responses.set(response.flow, [...(this.#responses.get(response.flow) ?? []), structuredClone(response)]);
    return "stored";
  }

  async hasTakenPart(flow: string, participant: string): Promise<boolean> {
    return this.#participants.get(flow)?.has(participant) ?? false;
  }

  async forget(flow: string, participant: string): Promise<void> {
    this.#participants.get(flow)?.delete(participant);
  }

  async list(flow: string): Promise<ResponseListing> {
    return { responses: structuredClone(this.#responses.get(flow) ?? []), unreadable: [] };
  }
}
