import type { Flow } from "../flows/compile.js";
import { type Language, languageFromCode } from "../i18n/languages.js";
import type { Texts } from "../i18n/texts.js";
import { readWords } from "../i18n/words.js";
import type { Office } from "../office/office.js";
import type { RuleBook } from "../rules/rulebook.js";
import type { CommandReader, ParsedCommand } from "./commands.js";
import type { CaseEvent } from "./events.js";
import { type InboundMessage, lastPrompt, type OutboundMessage, promptKey } from "./messages.js";
import { FlowMode } from "./modes/flow.js";
import { LanguageMode } from "./modes/language.js";
import { MenuMode } from "./modes/menu.js";
import type { ModeDeps, ModeHandler, Moves, SessionIn } from "./modes/mode.js";
import { StaffMode } from "./modes/staff.js";
import type { Renderer } from "./render.js";
import {
  freshSession,
  type HandoffOffer,
  type ModeKind,
  type ResumableMode,
  SEEN_IDS,
  type Session,
} from "./session.js";
import { parseToken } from "./tokens.js";
import { change, keep, type Turn, type TurnContext } from "./turn.js";

export interface ConversationOptions {
  flows: ReadonlyMap<string, Flow>;
  texts: Texts;
  render: Renderer;
  commands: CommandReader;
  office: Office;
  /** Whether hand-off cases can be opened: someone on the staff side will see them. */
  casesEnabled: boolean;
  /** The eligibility rules, when a flow shows results from them. */
  rules?: RuleBook;
}

type Handlers = { [K in ModeKind]: ModeHandler<K> };

/**
 * The conversation rules, as a pure function of (session, message): no I/O here, the engine loads
 * and stores the session around it. What holds in every mode is here (/delete, a tapped language,
 * the first contact, commands everyone understands); the rest belongs to the handler of the
 * session's mode (modes/).
 */
export class Conversation implements Moves {
  readonly #handlers: Handlers;
  readonly #language: LanguageMode;
  readonly #flow: FlowMode;
  /** The flow that asks consent and opens a "talk to a person" case, when cases are on. */
  readonly #handoff: Flow | undefined;

  constructor(private readonly options: ConversationOptions) {
    const deps: ModeDeps = {
      flows: options.flows,
      texts: options.texts,
      render: options.render,
      words: readWords(options.texts),
      office: options.office,
      moves: this,
      casesEnabled: options.casesEnabled,
      rules: options.rules,
    };
    this.#language = new LanguageMode(deps);
    this.#flow = new FlowMode(deps);
    this.#handlers = {
      menu: new MenuMode(deps),
      flow: this.#flow,
      staff: new StaffMode(deps),
      language: this.#language,
    };
    this.#handoff = options.casesEnabled
      ? [...options.flows.values()].find((flow) => flow.submission === "case" && flow.case?.kind === "talk")
      : undefined;
  }

  step(stored: Session | undefined, inbound: InboundMessage, ctx: TurnContext): Turn {
    const session = stored ?? freshSession();
    if (inbound.id && session.seen.includes(inbound.id)) return keep(session, this.current(session));
    if (stored && this.#answersAnotherPrompt(session, inbound)) {
      const lng = session.lng ?? languageFromCode(inbound.languageCode ?? inbound.languageSuggestion) ?? "es";
      return keep(session, [this.options.render.text(lng, "common:repeat"), ...this.current(session)]);
    }
    return remember(this.#step(session, inbound, ctx), inbound.id);
  }

  /** Something that happened on the staff side, for the person in this session (or none). */
  event(stored: Session | undefined, event: CaseEvent, ctx: TurnContext): Turn {
    const open = { kind: "staff" as const, caseId: event.caseId, status: "waiting" as const, told: [] };
    // A session that expired while the case was open comes back with the case, in the person's language.
    const session =
      stored ?? (event.kind === "case-closed" ? freshSession() : { ...freshSession(), lng: event.lng, mode: open });
    if (session.seen.includes(event.id)) return keep(session, []);
    const mode = session.mode;
    if (mode.kind === "language" && mode.resume?.kind === "staff") {
      const inner = this.#handlers.staff.event({ ...session, mode: mode.resume }, event, ctx);
      if (!inner?.session) return keep(session, []);
      const back = inner.session.mode.kind === "language" ? mode.resume : inner.session.mode;
      return remember(
        { ...inner, session: { ...session, mode: { ...mode, resume: back as ResumableMode } } },
        event.id,
      );
    }
    const turn = this.#dispatch(session, (handler, within) => handler.event(within, event, ctx));
    return remember(turn ?? keep(session, []), event.id);
  }

  /**
   * Typed text given for a question other than the one the session is at: the person could not
   * have meant it for the current one. Taps need no such check: their tokens name their question.
   */
  #answersAnotherPrompt(session: Session, { content, basis }: InboundMessage): boolean {
    if (basis === undefined || content.kind !== "text" || this.options.commands.read(content.text)) return false;
    const pending = lastPrompt(this.current(session));
    return pending !== undefined && promptKey(pending) !== basis;
  }

  #step(session: Session, inbound: InboundMessage, ctx: TurnContext): Turn {
    const content = inbound.content;
    const slash = content.kind === "text" ? this.options.commands.read(content.text) : undefined;
    // A command word typed alone, without its slash ("menu", "ayuda", "anile"): a command unless
    // the current question takes it as an answer.
    const bare = slash || content.kind !== "text" ? undefined : this.options.commands.bare(content.text);
    const token = content.kind === "choice" ? parseToken(content.token) : undefined;

    if (slash?.command === "delete")
      return this.#forget(
        session,
        session.lng ?? languageFromCode(inbound.languageCode ?? inbound.languageSuggestion),
        ctx,
      );
    if (token?.kind === "language") return this.#language.choose(session, token.lng, ctx);
    let current = session;
    let leftPicker = false;
    let command = slash;
    if (current.mode.kind === "language") {
      const picking = current as SessionIn<"language">;
      // A language's name wins over a command word; before any language, a command word is one more
      // message to read the language from.
      if (bare && picking.lng && content.kind === "text" && !this.#language.typed(content.text)) command = bare;
      const turn = command
        ? this.#language.command(picking, command, ctx)
        : this.#language.receive(picking, { content, token }, ctx);
      if (turn) return turn;
      current = { ...current, mode: picking.mode.resume ?? { kind: "menu" } };
      leftPicker = true;
    }
    if (!current.lng) return this.#firstContact(current, inbound, command, ctx);
    const lng = current.lng;
    let turn: Turn | undefined;
    if (!command && bare && current.mode.kind !== "staff") {
      // An answer the current question takes (one of its options, yes or no, a number) wins; at a
      // free-text question a lone command word is the command. With staff, everything is a message.
      const free = lastPrompt(this.current(current))?.expects === "text";
      const answered = free
        ? undefined
        : this.#dispatch(current, (handler, within) => handler.receive(within, { content, token }, ctx));
      if (answered?.changed) turn = answered;
      else command = bare;
    }
    if (turn) {
      // Taken as an answer.
    } else if (command) {
      const asked = command;
      turn = this.#dispatch(current, (handler, within) => handler.command(within, asked, ctx));
      turn ??= this.#command(current, asked, lng, ctx);
    } else if (token?.kind === "openLanguages") {
      turn = this.pickLanguage(current, resumable(current));
    } else {
      turn = this.#dispatch(current, (handler, within) => handler.receive(within, { content, token }, ctx));
    }
    if (!turn) return keep(current, this.current(current));
    return leftPicker ? { ...turn, changed: true } : turn;
  }

  /** Runs a handler of the session's mode; the one place that matches a mode with its handler. */
  #dispatch(
    session: Session,
    run: <K extends ModeKind>(handler: ModeHandler<K>, within: SessionIn<K>) => Turn | undefined,
  ): Turn | undefined {
    const handler = this.#handlers[session.mode.kind] as ModeHandler<ModeKind>;
    return run(handler, session as SessionIn<ModeKind>);
  }

  #firstContact(session: Session, inbound: InboundMessage, command: ParsedCommand | undefined, ctx: TurnContext): Turn {
    const { render, flows } = this.options;
    const text = inbound.content.kind === "text" && !command ? inbound.content.text : undefined;
    // A first message that is nothing but a language's name ("kreyòl", "English") chooses it.
    const named = text === undefined ? undefined : this.#language.named(text);
    if (named) return this.#language.choose(session, named, ctx);
    const linked = command?.command === "start" ? flows.get(command.argument) : undefined;
    const platform = languageFromCode(inbound.languageCode);
    // The language the person's words are in, else the channel's guess or the platform's language.
    const suggested = this.#language.suggest(text, inbound.languageSuggestion ?? inbound.languageCode);
    // The platform's language is taken only when the first words say no other: a Haitian whose
    // phone is in French and who writes "bonjou" is asked, with Kreyòl first.
    const lng = platform && (suggested === undefined || suggested === platform) ? platform : undefined;
    if (!lng) {
      // Never decided for the person: the language their words are in (else the channel's guess)
      // is offered first, for them to confirm; a linked flow waits for the choice.
      const picking: Session = {
        ...session,
        mode: { kind: "language", ...(suggested ? { suggested } : {}), ...(linked ? { start: linked.id } : {}) },
      };
      return change(picking, [render.languagePicker(suggested)]);
    }
    const welcomed: Session = { ...session, lng, mode: { kind: "menu" } };
    const welcome = render.text(lng, "common:welcome");
    if (linked) return this.startFlow(welcomed, linked, lng, [welcome], ctx);
    if (command?.command === "person") return this.startHandoff(welcomed, lng, [welcome], ctx);
    return change(welcomed, [welcome, render.menu(lng)]);
  }

  /** The meaning a command has in every mode that does not give it one of its own. */
  #command(session: Session, { command, argument }: ParsedCommand, lng: Language, ctx: TurnContext): Turn {
    const { render, flows } = this.options;
    switch (command) {
      case "start":
      case "menu": {
        const linked = command === "start" ? flows.get(argument) : undefined;
        if (linked) return this.startFlow(session, linked, lng, [], ctx);
        return this.toMenu(session, []);
      }
      case "help":
        return keep(session, [render.text(lng, "common:help"), ...this.current(session)]);
      case "language":
        return this.pickLanguage(session, resumable(session));
      case "cancel":
        return this.toMenu(session, [render.text(lng, "common:flow.nothingToCancel")]);
      case "person":
        return this.startHandoff(session, lng, [], ctx);
      case "delete":
      case undefined:
        return keep(session, [render.text(lng, "common:command.unknown"), ...this.current(session)]);
    }
  }

  /** /delete: the session goes, and with it what else the bot holds (a case's contact, participation). */
  #forget(session: Session, lng: Language | undefined, ctx: TurnContext): Turn {
    const staff = session.mode.kind === "language" ? session.mode.resume : session.mode;
    const turn = change(null, [this.options.render.text(lng ?? "es", "common:deleted")], [{ kind: "forget" }]);
    if (staff?.kind === "staff")
      turn.effects.push({ kind: "leave-case", caseId: staff.caseId, why: "deleted", at: ctx.now.toISOString() });
    return turn;
  }

  // Moves between modes, shared by the handlers.

  toMenu(session: Session, before: OutboundMessage[], offer?: HandoffOffer): Turn {
    const next: Session = { ...session, mode: offer ? { kind: "menu", offer } : { kind: "menu" } };
    return change(next, [...before, ...this.current(next)]);
  }

  startFlow(
    session: Session,
    flow: Flow,
    lng: Language,
    before: OutboundMessage[],
    ctx: TurnContext,
    carry?: HandoffOffer,
  ): Turn {
    if (flow.submission === "case" && !this.options.casesEnabled) return this.#unavailable(session, lng, before);
    return { ...this.#flow.advance(session, flow, flow.stepper.initial(), lng, before, ctx, carry), starting: flow.id };
  }

  startHandoff(
    session: Session,
    lng: Language,
    before: OutboundMessage[],
    ctx: TurnContext,
    carry?: HandoffOffer,
  ): Turn {
    if (!this.#handoff) return this.#unavailable(session, lng, before);
    return this.startFlow(session, this.#handoff, lng, before, ctx, carry);
  }

  pickLanguage(session: Session, resume: ResumableMode): Turn {
    const picking: Session = { ...session, mode: { kind: "language", resume } };
    return change(picking, [this.options.render.languagePicker()]);
  }

  current(session: Session): OutboundMessage[] {
    const handler = this.#handlers[session.mode.kind] as ModeHandler<ModeKind>;
    return handler.current(session as SessionIn<ModeKind>);
  }

  /** Instead of starting a one-per-person flow again: thanks, and the menu. */
  alreadyTakenPart(session: Session, flowId: string, lng: Language): Turn {
    const title = this.options.texts.t(lng, this.options.flows.get(flowId)?.titleKey ?? "");
    return this.toMenu({ ...session, lng }, [this.options.render.text(lng, "common:flow.alreadyTakenPart", { title })]);
  }

  #unavailable(session: Session, lng: Language, before: OutboundMessage[]): Turn {
    return this.toMenu(session, [...before, this.options.render.text(lng, "common:handoff.unavailable")]);
  }
}

/** The mode to come back to after choosing a language. */
function resumable(session: Session): ResumableMode {
  return session.mode.kind === "language" ? (session.mode.resume ?? { kind: "menu" }) : session.mode;
}

/** A message applied is remembered by its id, so a second delivery of it is taken as a repeat. */
function remember(turn: Turn, id: string | undefined): Turn {
  if (!id || !turn.changed || !turn.session) return turn;
  return { ...turn, session: { ...turn.session, seen: [...turn.session.seen, id].slice(-SEEN_IDS) } };
}
