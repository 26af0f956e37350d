import { fits } from "../../flows/answers.js";
import type { Flow, Interpretation } from "../../flows/compile.js";
import { holds } from "../../flows/condition.js";
import { type FlowContext, REVIEW, type Step, SUBMITTED } from "../../flows/machine.js";
import { type Answers, isQuestion } from "../../flows/schema.js";
import type { Language } from "../../i18n/languages.js";
import { fold, plainDigits } from "../../i18n/words.js";
import { renderResults, summarizeResults } from "../../rules/render.js";
import type { Outcome } from "../../rules/schema.js";
import type { ParsedCommand } from "../commands.js";
import type { Intent } from "../effects.js";
import type { OutboundMessage } from "../messages.js";
import type { ActiveFlow, HandoffOffer, Session } from "../session.js";
import type { ParsedToken } from "../tokens.js";
import { change, keep, type Turn, type TurnContext } from "../turn.js";
import { type Input, lngOf, type ModeDeps, type ModeHandler, type SessionIn, unreadableKey } from "./mode.js";

type FlowSnapshot = Step["snapshot"];
type Reading = Interpretation | { ok: false; reason: "stale" };

/**
 * In a flow: each message answers the current question, through the flow's machine. A finished
 * flow submits (an anonymous response, or a case with consent) and returns to the menu.
 */
export class FlowMode implements ModeHandler<"flow"> {
  constructor(private readonly deps: ModeDeps) {}

  receive(session: SessionIn<"flow">, { content, token }: Input, ctx: TurnContext): Turn {
    const { render, moves } = this.deps;
    const lng = lngOf(session);
    const active = session.mode.flow;
    const flow = this.deps.flows.get(active.id);
    if (!flow) return moves.toMenu(session, [render.text(lng, "common:flow.gone")]);
    const snapshot = active.version === flow.version ? restore(flow, active) : undefined;
    if (!snapshot) {
      const resumed = inFlow(session, resume(flow, active.context.answers), session.mode.carry);
      return change(resumed, [render.text(lng, "common:flow.updated"), ...this.current(resumed)]);
    }
    const reprompt = (key: string, values?: Record<string, string | number>) =>
      keep(session, [render.text(lng, key, values), ...this.#prompt(flow, snapshot, lng)]);

    if (content.kind === "unsupported") return reprompt(unreadableKey(content.what));
    const read =
      content.kind === "choice"
        ? this.#fromToken(flow, snapshot, token)
        : this.#fromText(flow, snapshot, content.text, lng);
    if (!read.ok) {
      if (read.reason === "stale") return reprompt("common:stale");
      return reprompt(...this.#invalidText(flow, snapshot, read.reason));
    }
    const step = flow.stepper.next(snapshot, read.event);
    const next = step.snapshot;
    if (next.value === snapshot.value && next.context === snapshot.context)
      return reprompt(...this.#invalidText(flow, snapshot, read.event.type === "TOGGLE" ? "tooMany" : "invalid"));
    return this.advance(session, flow, step, lng, [], ctx, session.mode.carry);
  }

  command(session: SessionIn<"flow">, { command }: ParsedCommand, ctx: TurnContext): Turn | undefined {
    const { render, moves, texts } = this.deps;
    const lng = lngOf(session);
    const title = texts.t(lng, this.deps.flows.get(session.mode.flow.id)?.titleKey ?? "common:menu.text");
    switch (command) {
      case "start":
      case "menu":
        return keep(session, [render.text(lng, "common:flow.inProgress", { title }), ...this.current(session)]);
      case "cancel":
        return moves.toMenu(session, [render.text(lng, "common:flow.cancelled")]);
      case "person":
        // Answers of a flow never travel into a case unasked: the flow is left, and said so.
        return moves.startHandoff(session, lng, [render.text(lng, "common:handoff.leftFlow", { title })], ctx);
      default:
        return undefined;
    }
  }

  event(): Turn | undefined {
    return undefined;
  }

  current(session: SessionIn<"flow">): OutboundMessage[] {
    const lng = lngOf(session);
    const active = session.mode.flow;
    const flow = this.deps.flows.get(active.id);
    const snapshot = flow && active.version === flow.version ? restore(flow, active) : undefined;
    if (!flow || !snapshot) return [this.deps.render.menu(lng)];
    return this.#prompt(flow, snapshot, lng);
  }

  /** Stores where the machine now is and says what comes next; a finished flow submits and leaves. */
  advance(
    session: Session,
    flow: Flow,
    { snapshot, says }: Step,
    lng: Language,
    before: OutboundMessage[],
    ctx: TurnContext,
    carry?: HandoffOffer,
  ): Turn {
    const { render, moves } = this.deps;
    const messages = [...before];
    for (const stepId of says) messages.push(render.text(lng, flow.texts.get(stepId)?.text ?? ""));
    if (snapshot.status !== "done") {
      const active: ActiveFlow = {
        id: flow.id,
        version: flow.version,
        state: snapshot.value as ActiveFlow["state"],
        context: snapshot.context,
      };
      const next = inFlow(session, active, carry);
      return change(next, [...messages, ...this.#prompt(flow, snapshot, lng)]);
    }
    const answers = snapshot.context.answers;
    const record = (outcomes?: Record<string, Outcome>): Intent => ({
      kind: "record-response",
      id: ctx.newId(),
      flow: flow.id,
      version: flow.version,
      lng,
      answers,
      ...(outcomes ? { outcomes } : {}),
    });
    if ((snapshot.value as unknown) !== SUBMITTED) {
      const ended = moves.toMenu(session, messages);
      // An ending counted too (a "no" to being contacted, say), anonymously.
      if (flow.countAnonymously) ended.effects.push(record());
      return ended;
    }
    messages.push(render.text(lng, flow.doneKey));
    if (flow.submission === "case") {
      const opened = this.#openCase(session, flow, answers, lng, messages, ctx, carry);
      if (flow.countAnonymously) opened.effects.push(record());
      return opened;
    }
    const rules = flow.results === "eligibility" ? this.deps.rules : undefined;
    const results = rules?.evaluate(answers, this.deps.office.local(ctx.now).date);
    if (rules && results) messages.push(...renderResults(rules, this.deps.texts, lng, results, answers));
    const offer = flow.offerHandoff
      ? {
          kind: flow.offerHandoff,
          summary: [...render.summary(flow, answers), ...summarizeResults(this.deps.texts, results ?? [])],
          again: flow.id,
        }
      : undefined;
    const turn = moves.toMenu(session, messages, offer);
    // Recorded only for a flow with anonymous responses; a flow that keeps nothing lets it pass.
    turn.effects.push(record(results && Object.fromEntries(results.map((result) => [result.benefit, result.outcome]))));
    return turn;
  }

  #openCase(
    session: Session,
    flow: Flow,
    answers: Answers,
    lng: Language,
    messages: OutboundMessage[],
    ctx: TurnContext,
    carry: HandoffOffer | undefined,
  ): Turn {
    const rule = flow.case;
    // The flow file guarantees a "no" ends the flow; this holds it even for a flow that changed.
    if (!rule || answers[rule.consent] !== true) return this.deps.moves.toMenu(session, messages);
    // Hand-off turned off while this person was answering: nothing is kept, the office's contacts instead.
    if (!this.deps.casesEnabled)
      return this.deps.moves.toMenu(session, [this.deps.render.text(lng, "common:handoff.unavailable")]);
    const caseId = ctx.newId();
    const summary = [...(carry?.summary ?? []), ...this.deps.render.summary(flow, answers, [rule.consent])];
    return change({ ...session, mode: { kind: "staff", caseId, status: "waiting", told: [] } }, messages, [
      {
        kind: "open-case",
        caseId,
        caseKind: carry?.kind ?? rule.kind,
        lng,
        summary,
        openedAt: ctx.now.toISOString(),
      },
    ]);
  }

  #prompt(flow: Flow, snapshot: FlowSnapshot, lng: Language): OutboundMessage[] {
    const { render } = this.deps;
    const value = snapshot.value;
    const context = snapshot.context;
    if (typeof value === "object") {
      const inReview = (value as Record<string, string>)[REVIEW];
      return [inReview === "choosing" ? render.reviewChoice(lng, flow, context) : render.review(lng, flow, context)];
    }
    const step = flow.step(value);
    return step && isQuestion(step) ? [render.question(lng, flow, step, context)] : [render.menu(lng)];
  }

  #fromToken(flow: Flow, snapshot: FlowSnapshot, token: ParsedToken | undefined): Reading {
    const at = atOf(snapshot);
    const stale: Reading = { ok: false, reason: "stale" };
    if (!token || !("flow" in token) || token.flow !== flow.id) return stale;
    switch (token.kind) {
      case "answer": {
        // Only an option the current question offers: anything else was never sent by the bot.
        const step = flow.step(token.step);
        if (token.step !== at || !step || !flow.texts.get(step.id)?.options.has(token.option)) return stale;
        if (step.kind === "multichoice") return { ok: true, event: { type: "TOGGLE", option: token.option } };
        if (step.kind === "yesno") return { ok: true, event: { type: "ANSWER", value: token.option === "yes" } };
        return { ok: true, event: { type: "ANSWER", value: token.option } };
      }
      case "control":
        if (token.step !== at) return stale;
        if (token.control === "back") return { ok: true, event: { type: "BACK" } };
        if (token.control === "skip") return { ok: true, event: { type: "SKIP" } };
        if (snapshot.context.pending.length === 0) return { ok: false, reason: "noneChosen" };
        return { ok: true, event: { type: "ANSWER", value: [...snapshot.context.pending] } };
      case "review":
        if (token.action === "back" && (at === "summary" || at === "choosing"))
          return { ok: true, event: { type: "BACK" } };
        if (at !== "summary") return stale;
        return { ok: true, event: { type: token.action === "confirm" ? "CONFIRM" : "CHANGE" } };
      case "edit":
        return at === "choosing" ? { ok: true, event: { type: "EDIT", step: token.step } } : stale;
      case "menu":
        return stale;
    }
  }

  #fromText(flow: Flow, snapshot: FlowSnapshot, text: string, lng: Language): Reading {
    const words = this.deps.words[lng];
    const at = atOf(snapshot);
    const step = flow.step(at);
    if (step && isQuestion(step)) return flow.interpret(step, text, lng, snapshot.context);
    const typed = fold(plainDigits(text));
    if (words.back.has(typed)) return { ok: true, event: { type: "BACK" } };
    if (at === "summary") {
      // The buttons' own words typed ("enviar", "voye") do what the buttons do.
      const label = (key: string) => fold(this.deps.texts.t(lng, key));
      if (typed === "1" || words.yes.has(typed) || typed === label("common:review.confirm"))
        return { ok: true, event: { type: "CONFIRM" } };
      if (typed === "2" || typed === label("common:review.change")) return { ok: true, event: { type: "CHANGE" } };
      if (typed === "3") return { ok: true, event: { type: "BACK" } };
    }
    if (at === "choosing" && /^\d{1,2}$/.test(typed)) {
      const answered = flow
        .applicableQuestions(snapshot.context.answers)
        .filter((q) => q.id in snapshot.context.answers);
      const chosen = answered[Number(typed) - 1];
      if (chosen) return { ok: true, event: { type: "EDIT", step: chosen.id } };
    }
    return { ok: false, reason: "invalid" };
  }

  #invalidText(
    flow: Flow,
    snapshot: FlowSnapshot,
    reason: Exclude<Interpretation, { ok: true }>["reason"],
  ): [string, Record<string, string | number>] {
    const step = flow.step(atOf(snapshot));
    const limits = step && isQuestion(step) ? limitsOf(step) : {};
    if (reason !== "invalid") return [`common:invalid.${reason}`, limits];
    if (!step || !isQuestion(step)) return ["common:invalid.review", limits];
    return [flow.texts.get(step.id)?.invalid ?? "common:invalid.generic", limits];
  }
}

function inFlow(session: Session, flow: ActiveFlow, carry: HandoffOffer | undefined): SessionIn<"flow"> {
  return { ...session, mode: carry ? { kind: "flow", flow, carry } : { kind: "flow", flow } };
}

/** The step id, or "summary"/"choosing" in the review. */
function atOf(snapshot: FlowSnapshot): string {
  const value = snapshot.value;
  return typeof value === "string" ? value : ((value as Record<string, string>)[REVIEW] ?? "");
}

function limitsOf(step: Exclude<ReturnType<Flow["step"]>, undefined>): Record<string, number> {
  if (step.kind === "number") return { min: step.min, max: step.max };
  if (step.kind === "text") return { max: step.maxLength };
  if (step.kind === "multichoice") return { max: step.max };
  return {};
}

/** The machine's snapshot from a stored session, or undefined when it no longer fits the flow. */
function restore(flow: Flow, active: ActiveFlow): FlowSnapshot | undefined {
  try {
    const snapshot = flow.machine.resolveState({ value: active.state, context: active.context as FlowContext });
    return snapshot.status === "active" ? snapshot : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Carries a person on after the flow changed under them: every answer that still fits a question
 * of the new version is kept, and they resume at the first question that applies and has none.
 */
function resume(flow: Flow, previous: Answers): ActiveFlow {
  const answers: Answers = {};
  for (const step of flow.steps) {
    const answer = previous[step.id];
    if (!isQuestion(step) || answer === undefined) continue;
    const applies = !step.when || holds(step.when, answers);
    if (applies && (answer === null ? step.skippable : fits(step, answer))) answers[step.id] = answer;
  }
  const missing = flow.applicableQuestions(answers).find((step) => !(step.id in answers));
  return {
    id: flow.id,
    version: flow.version,
    state: missing ? missing.id : { [REVIEW]: "summary" },
    context: { answers, editing: null, pending: [] },
  };
}
