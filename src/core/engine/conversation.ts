import { fits } from "../flows/answers.js";
import type { Flow, Interpretation } from "../flows/compile.js";
import { holds } from "../flows/condition.js";
import { type FlowContext, REVIEW, type Step, SUBMITTED } from "../flows/machine.js";
import { type Answers, isQuestion } from "../flows/schema.js";
import { LANGUAGES, type Language, languageFromCode } from "../i18n/languages.js";
import type { Texts } from "../i18n/texts.js";
import { fold, plainDigits, readWords, type Words } from "../i18n/words.js";
import type { CommandReader, ParsedCommand } from "./commands.js";
import type { InboundContent, InboundMessage, OutboundMessage } from "./messages.js";
import type { Renderer } from "./render.js";
import type { ActiveFlow, Session } from "./session.js";
import { type ParsedToken, parseToken } from "./tokens.js";

/** A flow the person confirmed at the review, with every answer that applies. */
export interface Submission {
  flow: string;
  version: number;
  lng: Language;
  answers: Answers;
}

/** The outcome of one inbound message: what to store, what to say, and what the engine must do. */
export interface Turn {
  /** The session to store, or null to delete it. */
  session: Session | null;
  /** False when nothing changed: a re-prompt needs no write. */
  changed: boolean;
  messages: OutboundMessage[];
  /** Recorded by the engine before the session without the answers is stored. */
  submitted?: Submission;
  /** A flow is starting: the engine checks, for a one-per-person flow, that the person has not taken part. */
  starting?: string;
}

type FlowSnapshot = Step["snapshot"];

/**
 * The conversation rules, as a pure function of (session, inbound message): language choice,
 * main menu, commands, and the flow in progress driven through its machine. No I/O here: the
 * engine loads and stores the session around it.
 */
export class Conversation {
  readonly #languageWords: Map<string, Language>;
  readonly #words: Record<Language, Words>;

  constructor(
    private readonly flows: ReadonlyMap<string, Flow>,
    private readonly texts: Texts,
    private readonly render: Renderer,
    private readonly commands: CommandReader,
  ) {
    this.#words = readWords(texts);
    this.#languageWords = new Map<string, Language>();
    LANGUAGES.forEach((lng, at) => {
      this.#languageWords.set(String(at + 1), lng);
      this.#languageWords.set(fold(texts.t(lng, "common:language.name")), lng);
      this.#languageWords.set(lng, lng);
    });
  }

  step(stored: Session | undefined, inbound: InboundMessage): Turn {
    const session: Session = stored ?? {};
    const content = inbound.content;
    const command = content.kind === "text" ? this.commands.read(content.text) : undefined;
    const token = content.kind === "choice" ? parseToken(content.token) : undefined;

    if (command?.command === "delete") return this.#forget(session.lng ?? languageFromCode(inbound.languageCode));
    if (token?.kind === "language") return this.#setLanguage(session, token.lng);
    if (session.picking) {
      const chosen =
        content.kind === "text" && !command ? this.#languageWords.get(fold(plainDigits(content.text))) : undefined;
      if (chosen) return this.#setLanguage(session, chosen);
      if (!command || !session.lng) return keep(session, [this.render.languagePicker(session.suggested)]);
    }
    if (!session.lng) return this.#firstContact(session, inbound, command);
    const lng = session.lng;
    if (command) {
      const turn = this.#command({ ...session, picking: undefined }, command, lng);
      return session.picking ? { ...turn, changed: true } : turn;
    }
    if (token?.kind === "openLanguages") return change({ ...session, picking: true }, [this.render.languagePicker()]);
    if (session.flow) return this.#inFlow(session, session.flow, content, token, lng);
    return this.#inMenu(session, content, token, lng);
  }

  #firstContact(session: Session, inbound: InboundMessage, command: ParsedCommand | undefined): Turn {
    const lng = languageFromCode(inbound.languageCode);
    if (!lng) {
      const suggested = languageFromCode(inbound.languageSuggestion);
      return change({ ...session, picking: true, suggested }, [this.render.languagePicker(suggested)]);
    }
    const welcomed = { ...session, lng };
    const welcome = this.render.text(lng, "common:welcome");
    const linked = command?.command === "start" ? this.flows.get(command.argument) : undefined;
    if (linked) return this.#start(welcomed, linked, lng, [welcome]);
    return change(welcomed, [welcome, this.render.menu(lng)]);
  }

  #setLanguage(session: Session, lng: Language): Turn {
    const next: Session = { ...session, lng, picking: undefined, suggested: undefined };
    const messages: OutboundMessage[] = [this.render.text(lng, "common:language.set")];
    if (!session.lng) messages.push(this.render.text(lng, "common:welcome"));
    messages.push(...this.#current(next, lng));
    return change(next, messages);
  }

  #forget(lng: Language | undefined): Turn {
    const messages = [this.render.text(lng ?? "es", "common:deleted")];
    return { session: null, changed: true, messages };
  }

  #command(session: Session, { command, argument }: ParsedCommand, lng: Language): Turn {
    const flow = session.flow && this.flows.get(session.flow.id);
    switch (command) {
      case "start":
      case "menu": {
        if (session.flow && flow)
          return keep(session, [
            this.render.text(lng, "common:flow.inProgress", { title: this.texts.t(lng, flow.titleKey) }),
            ...this.#current(session, lng),
          ]);
        const linked = command === "start" ? this.flows.get(argument) : undefined;
        if (linked) return this.#start(session, linked, lng, []);
        return keep(session, [this.render.menu(lng)]);
      }
      case "help":
        return keep(session, [this.render.text(lng, "common:help"), ...this.#current(session, lng)]);
      case "language":
        return change({ ...session, picking: true }, [this.render.languagePicker()]);
      case "cancel": {
        const key = session.flow ? "common:flow.cancelled" : "common:flow.nothingToCancel";
        return change({ ...session, flow: undefined }, [this.render.text(lng, key), this.render.menu(lng)]);
      }
      case "delete":
        return this.#forget(lng);
      case undefined:
        return keep(session, [this.render.text(lng, "common:command.unknown"), ...this.#current(session, lng)]);
    }
  }

  #inMenu(session: Session, content: InboundContent, token: ParsedToken | undefined, lng: Language): Turn {
    let chosen: Flow | undefined;
    if (token?.kind === "menu") chosen = this.flows.get(token.flow);
    if (content.kind === "text") {
      const listed = [...this.flows.values()].filter((flow) => flow.listed);
      const typed = fold(plainDigits(content.text));
      chosen = /^\d{1,2}$/.test(typed)
        ? listed[Number(typed) - 1]
        : listed.find((flow) => fold(this.texts.t(lng, flow.titleKey)) === typed);
      if (!chosen && /^\d{1,2}$/.test(typed) && Number(typed) === listed.length + 1)
        return change({ ...session, picking: true }, [this.render.languagePicker()]);
    }
    if (chosen) return this.#start(session, chosen, lng, []);
    const why =
      content.kind === "unsupported"
        ? "common:unsupported"
        : content.kind === "choice"
          ? "common:stale"
          : "common:menu.unknown";
    return keep(session, [this.render.text(lng, why), this.render.menu(lng)]);
  }

  #start(session: Session, flow: Flow, lng: Language, before: OutboundMessage[]): Turn {
    return { ...this.#advance(session, flow, flow.stepper.initial(), lng, before), starting: flow.id };
  }

  /** Instead of starting a one-per-person flow again: thanks, and the menu. */
  alreadyTakenPart(session: Session, flowId: string, lng: Language): Turn {
    const title = this.texts.t(lng, this.flows.get(flowId)?.titleKey ?? "");
    return change({ ...session, lng, flow: undefined }, [
      this.render.text(lng, "common:flow.alreadyTakenPart", { title }),
      this.render.menu(lng),
    ]);
  }

  #inFlow(
    session: Session,
    active: ActiveFlow,
    content: InboundContent,
    token: ParsedToken | undefined,
    lng: Language,
  ): Turn {
    const flow = this.flows.get(active.id);
    if (!flow)
      return change({ ...session, flow: undefined }, [
        this.render.text(lng, "common:flow.gone"),
        this.render.menu(lng),
      ]);
    const snapshot = active.version === flow.version ? restore(flow, active) : undefined;
    if (!snapshot) {
      const resumed = { ...session, flow: resume(flow, active.context.answers) };
      return change(resumed, [this.render.text(lng, "common:flow.updated"), ...this.#current(resumed, lng)]);
    }
    const reprompt = (key: string, values?: Record<string, string | number>) =>
      keep(session, [this.render.text(lng, key, values), ...this.#prompt(flow, snapshot, lng)]);

    if (content.kind === "unsupported") return reprompt("common:unsupported");
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
    return this.#advance(session, flow, step, lng, []);
  }

  /** Stores where the machine now is and says what comes next; a finished flow returns to the menu. */
  #advance(session: Session, flow: Flow, { snapshot, says }: Step, lng: Language, before: OutboundMessage[]): Turn {
    const messages = [...before];
    for (const stepId of says) messages.push(this.render.text(lng, flow.texts.get(stepId)?.text ?? ""));
    if (snapshot.status !== "done") {
      const next: Session = {
        ...session,
        flow: {
          id: flow.id,
          version: flow.version,
          state: snapshot.value as ActiveFlow["state"],
          context: snapshot.context,
        },
      };
      return change(next, [...messages, ...this.#prompt(flow, snapshot, lng)]);
    }
    const submitted = (snapshot.value as unknown) === SUBMITTED;
    if (submitted) messages.push(this.render.text(lng, flow.doneKey));
    messages.push(this.render.menu(lng));
    const done: Turn = { session: { ...session, flow: undefined }, changed: true, messages };
    if (submitted) done.submitted = { flow: flow.id, version: flow.version, lng, answers: snapshot.context.answers };
    return done;
  }

  #current(session: Session, lng: Language): OutboundMessage[] {
    const active = session.flow;
    const flow = active && this.flows.get(active.id);
    const snapshot = flow && active.version === flow.version ? restore(flow, active) : undefined;
    if (!flow || !snapshot) return [this.render.menu(lng)];
    return this.#prompt(flow, snapshot, lng);
  }

  #prompt(flow: Flow, snapshot: FlowSnapshot, lng: Language): OutboundMessage[] {
    const value = snapshot.value;
    const context = snapshot.context;
    if (typeof value === "object") {
      const inReview = (value as Record<string, string>)[REVIEW];
      return [
        inReview === "choosing" ? this.render.reviewChoice(lng, flow, context) : this.render.review(lng, flow, context),
      ];
    }
    const step = flow.step(value);
    return step && isQuestion(step) ? [this.render.question(lng, flow, step, context)] : [this.render.menu(lng)];
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
    const at = atOf(snapshot);
    const step = flow.step(at);
    if (step && isQuestion(step)) return flow.interpret(step, text, lng, snapshot.context);
    const typed = fold(plainDigits(text));
    if (this.#words[lng].back.has(typed)) return { ok: true, event: { type: "BACK" } };
    if (at === "summary") {
      if (typed === "1" || this.#words[lng].yes.has(typed)) return { ok: true, event: { type: "CONFIRM" } };
      if (typed === "2") return { ok: true, event: { type: "CHANGE" } };
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

type Reading = Interpretation | { ok: false; reason: "stale" };

function change(session: Session, messages: OutboundMessage[]): Turn {
  return { session, changed: true, messages };
}
function keep(session: Session, messages: OutboundMessage[]): Turn {
  return { session, changed: false, messages };
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
