import { createHmac } from "node:crypto";
import type { Effect } from "../engine/effects.js";
import type { Address } from "../engine/messages.js";
import type { Flow } from "../flows/compile.js";
import type { Answers } from "../flows/schema.js";
import type { ResponseStore, StoredResponse } from "../store/responses.js";
import { scrub } from "./scrub.js";

type RecordResponse = Extract<Effect, { kind: "record-response" }>;

/** The office's time zone: a response keeps the day it was submitted there, never the time. */
const OFFICE_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Santiago" });

/**
 * Anonymous responses: the answers with free text scrubbed, an id, the day, the language and the
 * kind of channel — nothing about the person. For a one-per-person flow, participation is a keyed
 * hash of the sender, per flow, kept apart from the responses, so nothing links a response to
 * anyone; for any other flow it is the response's own random id. Either way recording is
 * idempotent: a response recorded twice is kept once.
 */
export class AnonymousResponses {
  /** Responses stored per flow since the last `takeCounts`: logged as a count, never one by one. */
  readonly #stored = new Map<string, number>();

  constructor(
    private readonly flows: ReadonlyMap<string, Flow>,
    private readonly store: ResponseStore,
    private readonly secret: string,
    private readonly today: () => Date = () => new Date(),
  ) {}

  async hasTakenPart(flowId: string, sender: Address): Promise<boolean> {
    const participant = this.participant(flowId, sender);
    return participant ? this.store.hasTakenPart(flowId, participant) : false;
  }

  /** The sender's keyed hash for a flow with one anonymous response per person, or undefined for any other flow. */
  participant(flowId: string, sender: Address): string | undefined {
    const flow = this.flows.get(flowId);
    if (flow?.submission !== "anonymous" || !flow.onePerPerson) return undefined;
    // A domain of its own: it matches no session key nor another flow's hash.
    return createHmac("sha256", this.secret)
      .update(`participant:${flow.id}:${sender.channel}:${sender.chatId}`)
      .digest("base64url");
  }

  /** The sender's hash in every flow with anonymous responses: what `forget` needs. */
  participations(sender: Address): Array<{ flow: string; participant: string }> {
    return [...this.flows.values()].flatMap((flow) => {
      const participant = this.participant(flow.id, sender);
      return participant ? [{ flow: flow.id, participant }] : [];
    });
  }

  async record(effect: RecordResponse): Promise<void> {
    const flow = this.flows.get(effect.flow);
    if (!flow || (flow.submission !== "anonymous" && !flow.countAnonymously)) return;
    const response: StoredResponse = {
      id: effect.id,
      flow: flow.id,
      version: effect.version,
      lng: effect.lng,
      channel: effect.channel,
      date: OFFICE_DAY.format(this.today()),
      answers: scrubbed(flow, effect.answers),
      ...(effect.outcomes ? { outcomes: effect.outcomes } : {}),
    };
    if ((await this.store.submit(response, effect.participant)) === "stored")
      this.#stored.set(flow.id, (this.#stored.get(flow.id) ?? 0) + 1);
  }

  /**
   * How many responses were stored per flow since the last call, and starts counting again. A
   * log line per response would give each its exact time, which the store deliberately keeps out.
   */
  takeCounts(): Record<string, number> {
    const counts = Object.fromEntries(this.#stored);
    this.#stored.clear();
    return counts;
  }

  async forget(participations: Array<{ flow: string; participant: string }>): Promise<void> {
    for (const { flow, participant } of participations) await this.store.forget(flow, participant);
  }
}

function scrubbed(flow: Flow, answers: Answers): Answers {
  const clean: Answers = {};
  for (const [stepId, answer] of Object.entries(answers)) {
    clean[stepId] = flow.step(stepId)?.kind === "text" && typeof answer === "string" ? scrub(answer) : answer;
  }
  return clean;
}
