import type { Logger } from "pino";
import type { Channels } from "../channels/port.js";
import type { AnonymousResponses } from "../core/anonymity/responses.js";
import type { Cases } from "../core/cases/cases.js";
import type { ContactCipher } from "../core/cases/contact.js";
import type { WhatsAppJob } from "../core/cases/jobs.js";
import type { Effect, EffectRunner, Intent } from "../core/engine/effects.js";
import type { Address } from "../core/engine/messages.js";
import type { JobQueue } from "../core/store/jobs.js";
import { PermanentEffectError } from "../core/store/outbox.js";

export interface EffectDeps {
  responses: AnonymousResponses;
  /** Undefined while hand-off to staff is off: no turn then asks to open a case. */
  cases: Cases | undefined;
  cipher: ContactCipher | undefined;
  channels: Channels;
  jobs: JobQueue;
  logger: Logger;
}

/**
 * A case effect while hand-off is off (left in an outbox from before hand-off was turned off):
 * it cannot be carried out, and trying again will not help.
 */
export class CasesOffError extends PermanentEffectError {
  override name = "CasesOffError";
}

/** Where each effect of a turn is carried out: anonymous responses, cases, pushes to a channel. */
export class PuenteEffects implements EffectRunner {
  constructor(private readonly deps: EffectDeps) {}

  prepare(intent: Intent, sender: Address): Effect {
    const { responses, cipher } = this.deps;
    switch (intent.kind) {
      case "record-response":
        return {
          ...intent,
          channel: sender.channel,
          // Not one per person: the response's own id, which says nothing of who sent it.
          participant: responses.participant(intent.flow, sender) ?? `response:${intent.id}`,
        };
      case "open-case":
        if (!cipher) throw new CasesOffError("a case was asked for while hand-off to staff is off");
        return { ...intent, channel: sender.channel, contact: cipher.seal(sender, intent.caseId) };
      case "forget":
        return { kind: "forget", participants: responses.participations(sender) };
      default:
        return intent;
    }
  }

  async perform(effect: Effect): Promise<void> {
    const { responses } = this.deps;
    switch (effect.kind) {
      case "record-response":
        return responses.record(effect);
      case "forget":
        return responses.forget(effect.participants);
      case "open-case":
        return this.#cases().open(effect);
      case "relay":
        return this.#cases().relay(effect);
      case "leave-case":
        return this.#cases().leave(effect);
      case "push":
        return this.#push(effect);
    }
  }

  /**
   * To the person, on their own channel: sent from here when this replica runs it, else queued for
   * the replica that holds the WhatsApp number. A person who can no longer be reached gets nothing.
   */
  async #push(effect: Extract<Effect, { kind: "push" }>): Promise<void> {
    const cases = this.#cases();
    const current = await cases.get(effect.caseId);
    const address = current && cases.contact(current);
    if (!address) return;
    if (await this.deps.channels.send(address, effect.messages, effect.lng)) return;
    if (address.channel === "whatsapp") {
      const job: WhatsAppJob = { type: "push", caseId: effect.caseId, lng: effect.lng, messages: effect.messages };
      await this.deps.jobs.add("whatsapp", `push-${effect.id}`, job);
      return;
    }
    this.deps.logger.error(
      { case: current?.code, channel: address.channel },
      "a message for a person could not be sent: their channel does not run in this program",
    );
  }

  #cases(): Cases {
    if (!this.deps.cases) throw new CasesOffError("a case effect came while hand-off to staff is off");
    return this.deps.cases;
  }
}
