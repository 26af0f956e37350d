import { createHmac, randomUUID } from "node:crypto";
import type { Submission } from "../engine/conversation.js";
import type { ChannelKind } from "../engine/messages.js";
import type { Flow } from "../flows/compile.js";
import type { Answers } from "../flows/schema.js";
import type { ResponseStore, StoredResponse } from "../store/responses.js";
import { scrub } from "./scrub.js";

/** Who sent a message, as the platform names them: used only to derive keyed hashes, never stored. */
export interface Sender {
  channel: ChannelKind;
  chatId: string;
}

/**
 * What the engine does with a submitted flow, and how it knows someone already took part.
 * Called before the session without the answers is stored, so a failure leaves the person at the
 * review, able to send again; recording twice is harmless (one response per person).
 */
export interface Submissions {
  hasTakenPart(flowId: string, sender: Sender): Promise<boolean>;
  record(submission: Submission, sender: Sender): Promise<void>;
  /** Forgets that the sender took part in anything (they asked to delete their data). */
  forget(sender: Sender): Promise<void>;
}

/** The office's time zone: a response keeps the day it was submitted there, never the time. */
const OFFICE_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "America/Santiago" });

/**
 * Anonymous responses: the answers with free text scrubbed, a random id, the day, the language and
 * the kind of channel — nothing about the person. Participation is a keyed hash of the sender,
 * kept apart from the responses, so nothing links a response to anyone.
 */
export class AnonymousResponses implements Submissions {
  constructor(
    private readonly flows: ReadonlyMap<string, Flow>,
    private readonly store: ResponseStore,
    private readonly secret: string,
    private readonly today: () => Date = () => new Date(),
  ) {}

  async hasTakenPart(flowId: string, sender: Sender): Promise<boolean> {
    const flow = this.#anonymous(flowId);
    return flow ? this.store.hasTakenPart(flow.id, this.#participant(flow, sender)) : false;
  }

  async record(submission: Submission, sender: Sender): Promise<void> {
    const flow = this.#anonymous(submission.flow);
    if (!flow) return;
    const response: StoredResponse = {
      id: randomUUID(),
      flow: flow.id,
      version: submission.version,
      lng: submission.lng,
      channel: sender.channel,
      date: OFFICE_DAY.format(this.today()),
      answers: scrubbed(flow, submission.answers),
    };
    await this.store.submit(response, this.#participant(flow, sender));
  }

  async forget(sender: Sender): Promise<void> {
    for (const flow of this.flows.values())
      if (flow.submission === "anonymous") await this.store.forget(flow.id, this.#participant(flow, sender));
  }

  #anonymous(flowId: string): Flow | undefined {
    const flow = this.flows.get(flowId);
    return flow?.submission === "anonymous" ? flow : undefined;
  }

  /** A hash per flow and sender, in a domain of its own: it matches no session key nor another flow's. */
  #participant(flow: Flow, sender: Sender): string {
    return createHmac("sha256", this.secret)
      .update(`participant:${flow.id}:${sender.channel}:${sender.chatId}`)
      .digest("base64url");
  }
}

function scrubbed(flow: Flow, answers: Answers): Answers {
  const clean: Answers = {};
  for (const [stepId, answer] of Object.entries(answers)) {
    clean[stepId] = flow.step(stepId)?.kind === "text" && typeof answer === "string" ? scrub(answer) : answer;
  }
  return clean;
}
