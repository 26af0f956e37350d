import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { readUpdate, type UpdateReading, webhookUpdate } from "../../src/channels/telegram/inbound.js";
import { readShown, readTyped } from "../../src/channels/whatsapp/inbound.js";
import { normalize, scrub } from "../../src/core/anonymity/scrub.js";
import { DIGIT_WORDS } from "../../src/core/anonymity/words.js";
import { COMMANDS, CommandReader } from "../../src/core/engine/commands.js";
import { effectListSchema } from "../../src/core/engine/effects.js";
import {
  type ChannelKind,
  type InboundContent,
  type InboundMessage,
  inboundContentSchema,
  inboundMessageSchema,
  lastPrompt,
  type OutboundMessage,
  outboundMessageSchema,
  type Prompt,
  promptKey,
} from "../../src/core/engine/messages.js";
import { type Session, sessionSchema } from "../../src/core/engine/session.js";
import type { Flow } from "../../src/core/flows/compile.js";
import { LANGUAGES } from "../../src/core/i18n/languages.js";
import type { Texts } from "../../src/core/i18n/texts.js";
import { MemoryCaseIndex } from "../../src/core/store/memory/cases.js";
import { MemoryJobQueue } from "../../src/core/store/memory/jobs.js";
import { MemoryRecordStore } from "../../src/core/store/memory/records.js";
import { MemoryResponseStore } from "../../src/core/store/memory/responses.js";
import {
  type ResponseListing,
  type ResponseStore,
  type StoredResponse,
  type SubmitOutcome,
  storedResponseSchema,
} from "../../src/core/store/responses.js";
import type { Core } from "../../src/runtime/app.js";
import { CASES_ON, engineOn } from "./puente.js";

/**
 * Arbitraries and properties shared by test/fuzz.test.ts (a thousand conversations in every `npm test`)
 * and scripts/fuzz.ts (the long run): whatever a person, a platform or a forger sends, it is
 * answered, nothing throws, and nothing is stored that does not fit.
 */

/** The seed every run starts from unless FUZZ_SEED says otherwise; fast-check prints it on failure. */
export const DEFAULT_SEED = 20_251_125;

export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  if (given === undefined || given.trim() === "") return DEFAULT_SEED;
  const seed = Number(given);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not ${JSON.stringify(given)}`);
  return seed;
}

/** The most a stored session may weigh: a whole consultation in progress is a few kilobytes. */
export const SESSION_BYTES = 16 * 1024;
/** Telegram's longest message: channels split longer texts, but the engine's own messages never need it. */
export const MESSAGE_CHARS = 4096;
/** Telegram's limit for callback data: a token longer than this could not be put on a button. */
export const TOKEN_BYTES = 64;

// ---------------------------------------------------------------- text a person (or a script) may send

/** Characters that break naive code: controls, direction marks, invisibles, emoji, other scripts' digits, halves of surrogate pairs. */
const ODD_CHARS = [
  "\u0000",
  "\u0007",
  "\b",
  "\t",
  "\n",
  "\r",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u00a0",
  "\u00ad",
  "\u061c",
  "\u200b",
  "\u200c",
  "\u200d",
  "\u200e",
  "\u200f",
  "\u2028",
  "\u2029",
  "\u202a",
  "\u202e",
  "\u2060",
  "\u2066",
  "\u2069",
  "\ufe0f",
  "\u20e3",
  "\ufeff",
  "\ufffd",
  "\ud800",
  "\udfff",
  "\u0301",
  "😀",
  "👨‍👩‍👧",
  "🇨🇱",
  "1️⃣",
  "🔟",
  "مرحبا",
  "שלום",
  "٣",
  "९",
  "９",
  "Ａ",
  "ñ",
  "è",
  "/",
  "／",
  "@",
  "[",
  "]",
  "{",
  "}",
  '"',
  "\\",
  "%s",
  "{{x}}",
  "$t(common:help)",
  "<b>",
  "*",
  "_",
  "`",
  " ",
  ",",
  ".",
  ":",
  "0",
  "1",
  "2",
  "7",
  "9",
];
const oddChar = fc.constantFrom(...ODD_CHARS);
const anyChar = fc.oneof(
  { weight: 3, arbitrary: oddChar },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) },
);

/** Words people type instead of tapping, in the five languages, and numbers as words. */
const ANSWER_WORDS = [
  "sí",
  "si",
  "no",
  "wi",
  "non",
  "oui",
  "yes",
  "sim",
  "não",
  "nao",
  "atrás",
  "volver",
  "back",
  "retour",
  "voltar",
  "omitir",
  "saltar",
  "skip",
  "listo",
  "done",
  "dos",
  "de",
  "deux",
  "two",
  "três",
  "uno",
  "1",
  "2",
  "3",
  "10",
  "99",
  "0",
  "-1",
  "1,2",
  "1 3",
  "2,2,2",
  "١",
  "1️⃣",
  "🔟",
  "",
  " ",
  "\n",
  "\u200b",
];

/** A long text of one repeated piece: 100 to 10,000 characters (longer than any platform sends). */
const longText = fc
  .tuple(fc.string({ unit: anyChar, minLength: 1, maxLength: 4 }), fc.integer({ min: 100, max: 10_000 }))
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));

/** Arbitrary text: any code point, printable graphemes, odd characters, answer words, very long. */
export const wildText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: anyChar, maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(...ANSWER_WORDS) },
  { weight: 1, arbitrary: longText },
);

const DIGIT_NAMES = new Map<string, string[]>();
for (const [word, digit] of DIGIT_WORDS) DIGIT_NAMES.set(digit, [...(DIGIT_NAMES.get(digit) ?? []), word]);

/** How a number may be written so that a naive filter misses it. */
const DIGIT_STYLES = [
  "plain",
  "spaced",
  "dashed",
  "dotted",
  "zero-width",
  "soft-hyphen",
  "full-width",
  "arabic",
  "devanagari",
  "keycap",
  "words",
] as const;

function styled(digits: string, style: (typeof DIGIT_STYLES)[number], pick: number): string {
  const each = [...digits];
  const shift = (base: number) => each.map((d) => String.fromCodePoint(base + Number(d))).join("");
  switch (style) {
    case "plain":
      return digits;
    case "spaced":
      return each.join(" ");
    case "dashed":
      return `${digits.slice(0, 3)}-${digits.slice(3)}`;
    case "dotted":
      return each.join(".");
    case "zero-width":
      return each.join("\u200b");
    case "soft-hyphen":
      return each.join("\u00ad");
    case "full-width":
      return shift(0xff10);
    case "arabic":
      return shift(0x0660);
    case "devanagari":
      return shift(0x0966);
    case "keycap":
      return each.map((d) => `${d}\ufe0f\u20e3`).join("");
    case "words":
      return each
        .map((d) => {
          const names = DIGIT_NAMES.get(d) ?? [d];
          return names[(pick + Number(d)) % names.length] ?? d;
        })
        .join(" ");
  }
}

/**
 * Free text carrying a phone or document number, written the ways people (and evaders) write
 * them. No money context ("$", "pesos", "gano"…): there a long number is an amount, and it stays.
 */
export const identifyingText: fc.Arbitrary<string> = fc
  .record({
    before: fc.constantFrom(
      "",
      "mi número es ",
      "cel ",
      "pasaporte ",
      "llámame al ",
      "nimewo mwen se ",
      "mon numéro est le ",
      "my phone is ",
      "meu número é ",
      "+56 ",
      "RUT ",
      "DNI: ",
      "wsp ",
    ),
    digits: fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 7, maxLength: 12 }),
    style: fc.constantFrom(...DIGIT_STYLES),
    pick: fc.nat(20),
    after: fc.constantFrom("", " gracias", ".", " 🙏", "\n", " y tengo 2 hijos", " ok"),
  })
  .map(({ before, digits, style, pick, after }) => `${before}${styled(digits, style, pick)}${after}`);

// ---------------------------------------------------------------- commands, taps, language codes

/** Every command in every language (`common:commands.*`), with unknown ones. */
export function commandNames(texts: Texts): string[] {
  const names = new Set<string>(COMMANDS);
  for (const command of COMMANDS)
    for (const lng of LANGUAGES) for (const alias of texts.list(lng, `common:commands.${command}`)) names.add(alias);
  return [...names, "foo", "start_consulta", "", "ménu", "BORRAR"];
}

const FLOW_IDS = ["consulta", "demo", "mediacion", "persona", "ayuda", "nada", "CONSULTA", "__proto__", "constructor"];

export function commandText(names: readonly string[]): fc.Arbitrary<string> {
  return fc
    .record({
      lead: fc.constantFrom("", "", "", " ", "\n"),
      slash: fc.constantFrom("/", "/", "/", "／"),
      name: fc.mixedCase(fc.constantFrom(...names)),
      bot: fc.constantFrom("", "", "", "@PuenteBot", "@"),
      argument: fc.oneof(
        { weight: 4, arbitrary: fc.constant("") },
        { weight: 3, arbitrary: fc.constantFrom(...FLOW_IDS) },
        { weight: 1, arbitrary: wildText },
      ),
    })
    .map(({ lead, slash, name, bot, argument }) => `${lead}${slash}${name}${bot}${argument ? ` ${argument}` : ""}`);
}

/** Tokens the bot could have sent, for some question, and forged ones. */
const forgedToken: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "l:?",
      "l:es",
      "l:ht",
      "l:xx",
      "l:",
      "m:-",
      "m:consulta",
      "m:demo",
      "m:persona",
      "m:nada",
      "h:go",
      "a:demo:intro:yes",
      "a:consulta:consent:yes",
      "a:consulta:age_band:a18_29",
      "a:consulta:age_band:minor",
      "c:consulta:gender:skip",
      "c:consulta:gender:done",
      "c:consulta:gender:back",
      "r:consulta:confirm",
      "r:consulta:change",
      "r:demo:back",
      "e:consulta:age_band",
      "e:consulta:nada",
      "a:persona:consent:yes",
      "'; DROP TABLE--",
      "",
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom("a", "c", "r", "e", "m", "l", "h", "x"),
        fc.array(fc.constantFrom(...FLOW_IDS, "consent", "intro", "yes", "no", "skip", "done", "back", "_review"), {
          maxLength: 4,
        }),
      )
      .map(([kind, parts]) => [kind, ...parts].join(":")),
  },
  { weight: 2, arbitrary: fc.string({ unit: anyChar, maxLength: 80 }).map((token) => token.slice(0, 256)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 256 }) },
);

/** Language codes as platforms send them, and as nobody does. */
export const languageCode: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...LANGUAGES) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("pt-BR", "fr_CA", "EN", "es-419", "ht-HT", "zh-hans", "ar", "de", "", "-", "_es", "es-"),
  },
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string({ unit: anyChar, maxLength: 35 }).map((code) => code.slice(0, 35)) },
);

const UNSUPPORTED_KINDS = ["sticker", "photo", "voice", "video", "document", "location", "contact", "ptt", "image", ""];

// ---------------------------------------------------------------- a conversation, as a plan

/**
 * What a person does next. Taps and typed answers are resolved against what they were shown, so
 * the fuzzer walks deep into flows: `index` picks among the current choices whatever they are.
 */
export type Act =
  | { kind: "pick"; index: number; onward: boolean }
  | { kind: "stale"; index: number }
  | { kind: "answer"; index: number; text: string }
  | { kind: "command"; text: string }
  | { kind: "text"; text: string }
  | { kind: "tap"; token: string }
  | { kind: "unsupported"; what: string; ref: string | undefined };

export interface PlannedMessage {
  act: Act;
  /** No id, a new one, or the id of an earlier message again (a redelivery). */
  id: { kind: "none" } | { kind: "fresh" } | { kind: "again"; back: number };
  /** The conversation's language code, or another. */
  language: { kind: "same" } | { kind: "other"; code: string | undefined };
  /** The question shown last (as channels send it), none, an older one, or anything. */
  basis: { kind: "shown" } | { kind: "none" } | { kind: "older"; back: number } | { kind: "forged"; basis: string };
}

export interface ConversationPlan {
  /** Hand-off to staff on (cases, "talk to a person") or off. */
  cases: boolean;
  channel: ChannelKind;
  languageCode: string | undefined;
  languageSuggestion: string | undefined;
  messages: PlannedMessage[];
}

export function actArbitrary(commands: readonly string[]): fc.Arbitrary<Act> {
  return fc.oneof(
    {
      weight: 14,
      arbitrary: fc.record({
        kind: fc.constant("pick" as const),
        index: fc.nat(40),
        onward: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("answer" as const),
        index: fc.nat(40),
        text: fc.oneof(identifyingText, wildText),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("stale" as const), index: fc.nat(200) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("command" as const), text: commandText(commands) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("text" as const), text: wildText }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("tap" as const), token: forgedToken }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("unsupported" as const),
        what: fc.oneof(fc.constantFrom(...UNSUPPORTED_KINDS), fc.string({ maxLength: 40 })),
        ref: fc.option(
          fc.string({ unit: anyChar, maxLength: 60 }).map((ref) => ref.slice(0, 200)),
          { nil: undefined },
        ),
      }),
    },
  );
}

const plannedMessage = (commands: readonly string[]): fc.Arbitrary<PlannedMessage> =>
  fc.record({
    act: actArbitrary(commands),
    id: fc.oneof(
      { weight: 5, arbitrary: fc.constant({ kind: "none" as const }) },
      { weight: 4, arbitrary: fc.constant({ kind: "fresh" as const }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("again" as const), back: fc.nat(10) }) },
    ),
    language: fc.oneof(
      { weight: 9, arbitrary: fc.constant({ kind: "same" as const }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("other" as const), code: languageCode }) },
    ),
    basis: fc.oneof(
      { weight: 6, arbitrary: fc.constant({ kind: "shown" as const }) },
      { weight: 2, arbitrary: fc.constant({ kind: "none" as const }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("older" as const), back: fc.nat(10) }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant("forged" as const),
          basis: fc.oneof(
            fc.constantFrom(":menu", ":language", ":offer", "consulta/consent", "demo/_review", ""),
            fc.string({ unit: anyChar, maxLength: 300 }).map((basis) => basis.slice(0, 300)),
          ),
        }),
      },
    ),
  });

export function conversationArbitrary(commands: readonly string[]): fc.Arbitrary<ConversationPlan> {
  return fc.record({
    cases: fc.boolean(),
    channel: fc.constantFrom<ChannelKind>("test", "web", "telegram", "whatsapp"),
    languageCode,
    languageSuggestion: fc.option(fc.constantFrom(...LANGUAGES, "xx"), { nil: undefined }),
    messages: fc.array(plannedMessage(commands), { minLength: 1, maxLength: 30, size: "max" }),
  });
}

// ---------------------------------------------------------------- the engine under test

/**
 * Anonymous responses go to a fresh MemoryResponseStore each run (`next()`), so what a run
 * recorded is listed without going through every earlier run's.
 */
export class PerRunResponses implements ResponseStore {
  current = new MemoryResponseStore();

  next(): MemoryResponseStore {
    this.current = new MemoryResponseStore();
    return this.current;
  }

  submit(response: StoredResponse, participant: string): Promise<SubmitOutcome> {
    return this.current.submit(response, participant);
  }

  hasTakenPart(flow: string, participant: string): Promise<boolean> {
    return this.current.hasTakenPart(flow, participant);
  }

  forget(flow: string, participant: string): Promise<void> {
    return this.current.forget(flow, participant);
  }

  list(flow: string): Promise<ResponseListing> {
    return this.current.list(flow);
  }
}

/** Two engines on one in-memory session store: hand-off to staff off, and on. */
export class EngineWorld {
  readonly sessions = new MemoryRecordStore();
  readonly responses = new PerRunResponses();
  readonly #cases = [new MemoryRecordStore(), new MemoryRecordStore()];
  readonly #jobs = [new MemoryJobQueue(), new MemoryJobQueue()];
  readonly plain: Core;
  readonly withCases: Core;
  readonly commands: string[];
  readonly commandReader: CommandReader;
  #runs = 0;

  constructor() {
    const stores = (at: 0 | 1) => ({
      cases: this.#cases[at] as MemoryRecordStore,
      caseIndex: new MemoryCaseIndex(),
      jobs: this.#jobs[at] as MemoryJobQueue,
    });
    this.plain = engineOn(this.sessions, {}, { responses: this.responses, stores: stores(0) });
    this.withCases = engineOn(this.sessions, CASES_ON, { responses: this.responses, stores: stores(1) });
    this.commands = commandNames(this.plain.texts);
    this.commandReader = new CommandReader(this.plain.texts);
  }

  /** A chat id no earlier run used. */
  nextChat(): string {
    return `fuzz-${++this.#runs}-${randomUUID().slice(0, 8)}`;
  }

  async close(): Promise<void> {
    await this.sessions.close();
    for (const store of this.#cases) await store.close();
    for (const jobs of this.#jobs) await jobs.close();
  }
}

/** A property that does not hold: what was sent, what came back, what was stored. */
export class FuzzFailure extends Error {
  override name = "FuzzFailure";
}

function fail(what: string, detail: Record<string, unknown>): never {
  throw new FuzzFailure(`${what}\n${JSON.stringify(detail, null, 2)}`);
}

/** Choices that lead on into a flow, rather than back, to another language or to the menu. */
const ONWARD = new Set<string>(["option", "skip", "done", "confirm", "flow"]);

/** The content a planned act becomes, given what the person was shown. */
function contentOf(act: Act, shown: Prompt | undefined, offered: readonly string[]): InboundContent {
  switch (act.kind) {
    case "pick": {
      const all = shown?.choices ?? [];
      const onward = all.filter((choice) => ONWARD.has(choice.role));
      const among = act.onward && onward.length > 0 ? onward : all;
      const choice = among[act.index % Math.max(1, among.length)];
      return choice ? { kind: "choice", token: choice.token } : { kind: "text", text: "/start" };
    }
    case "stale": {
      const token = offered[act.index % Math.max(1, offered.length)];
      return token === undefined ? { kind: "choice", token: "m:-" } : { kind: "choice", token };
    }
    case "answer":
      return { kind: "text", text: typedAnswer(act, shown) };
    case "command":
    case "text":
      return { kind: "text", text: act.text };
    case "tap":
      return { kind: "choice", token: act.token };
    case "unsupported":
      return { kind: "unsupported", what: act.what, ...(act.ref === undefined ? {} : { ref: act.ref }) };
  }
}

const NUMBERS = ["0", "1", "2", "3", "5", "7", "10", "18", "25", "40", "99", "120", "-1", "2.5", "١٢", "3️⃣", "dos"];

/** What a person types for the question in front of them: its number, its label, a number, free text. */
function typedAnswer(act: Extract<Act, { kind: "answer" }>, shown: Prompt | undefined): string {
  if (!shown) return act.text;
  const choices = shown.choices;
  const choice = choices[act.index % Math.max(1, choices.length)];
  switch (shown.expects) {
    case "text":
      return act.text;
    case "number":
      return NUMBERS[act.index % NUMBERS.length] ?? "1";
    case "multichoice":
      return act.index % 3 === 0
        ? `${(act.index % 4) + 1},${(act.index % 3) + 2}`
        : String((act.index % Math.max(1, choices.length)) + 1);
    default:
      if (act.index % 4 === 3 && choice) return choice.label;
      if (act.index % 7 === 6) return act.text;
      return String((act.index % Math.max(1, choices.length)) + 1);
  }
}

interface Stored {
  raw: string | undefined;
  session: Session | undefined;
}

/** The chat's stored record, checked: a session that parses and fits, effects that parse. */
async function readStored(world: EngineWorld, key: string, context: Record<string, unknown>): Promise<Stored> {
  const record = await world.sessions.read(key);
  for (const entry of record?.outbox ?? []) {
    let effects: unknown;
    try {
      effects = JSON.parse(entry.effects);
    } catch {
      fail("stored effects are not JSON", { ...context, effects: entry.effects });
    }
    const parsed = effectListSchema.safeParse(effects);
    if (!parsed.success) fail("stored effects do not parse", { ...context, effects, issues: parsed.error.issues });
  }
  const raw = record?.value;
  if (raw === undefined) return { raw, session: undefined };
  if (Buffer.byteLength(raw) > SESSION_BYTES)
    fail(`stored session is ${Buffer.byteLength(raw)} bytes, over ${SESSION_BYTES}`, { ...context, stored: raw });
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    fail("stored session is not JSON", { ...context, stored: raw });
  }
  const parsed = sessionSchema.safeParse(value);
  if (!parsed.success)
    fail("stored session does not parse", { ...context, stored: value, issues: parsed.error.issues });
  return { raw, session: parsed.data };
}

/** A 7+ digit run left in free text, once read as the scrubber reads it. */
function identifyingRun(text: string): string | undefined {
  return /\d{7,}/.exec(normalize(text))?.[0];
}

/** Free-text answers of a flow's text questions. */
function freeTexts(flow: Flow | undefined, answers: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(answers).flatMap(
    ([stepId, answer]): Array<[string, string]> =>
      flow?.step(stepId)?.kind === "text" && typeof answer === "string" ? [[stepId, answer]] : [],
  );
}

function checkMessages(messages: OutboundMessage[], context: Record<string, unknown>): void {
  for (const message of messages) {
    const parsed = outboundMessageSchema.safeParse(message);
    if (!parsed.success) fail("a message does not parse", { ...context, message, issues: parsed.error.issues });
    if (message.text.trim() === "") fail("an empty message", { ...context, message });
    if (message.text.length > MESSAGE_CHARS)
      fail(`a message of ${message.text.length} characters`, { ...context, message });
    if (message.kind !== "prompt") continue;
    if (message.hint !== undefined && message.hint.trim() === "") fail("an empty hint", { ...context, message });
    for (const choice of message.choices) {
      if (choice.label.trim() === "") fail("a choice without a label", { ...context, message });
      if (Buffer.byteLength(choice.token) > TOKEN_BYTES) fail("a token too long for a button", { ...context, choice });
    }
  }
}

export interface ConversationStats {
  messages: number;
  /** Messages handled in each mode (the session's before the message). */
  modes: Map<string, number>;
  /** Flows a run was in, with the deepest progress index reached in each. */
  deepest: Map<string, number>;
  responses: number;
  /** The heaviest session stored, in bytes. */
  largestSession: number;
}

export const freshStats = (): ConversationStats => ({
  messages: 0,
  modes: new Map(),
  deepest: new Map(),
  responses: 0,
  largestSession: 0,
});

/**
 * Plays a conversation through the engine and checks every step: `handle` resolves, something is
 * said (the staff mode's silence when a message goes to the office is the one exception), every
 * message parses and fits a platform, the stored session parses and weighs less than 16 KB, and
 * the anonymous responses recorded parse and hold no long digit run in free text.
 */
export async function playConversation(
  world: EngineWorld,
  plan: ConversationPlan,
  stats?: ConversationStats,
): Promise<void> {
  const core = plan.cases ? world.withCases : world.plain;
  const { engine, flows } = core;
  const responses = world.responses.next();
  const chatId = world.nextChat();
  const key = engine.chatKey(plan.channel, chatId);
  const prompts: Prompt[] = [];
  const offered: string[] = [];
  const ids: string[] = [];
  let shown: Prompt | undefined;
  for (const [at, planned] of plan.messages.entries()) {
    const context: Record<string, unknown> = { step: at, chatId };
    const before = await readStored(world, key, context);
    const id =
      planned.id.kind === "fresh"
        ? `m${at}-${ids.length}`
        : planned.id.kind === "again"
          ? ids[ids.length - 1 - (planned.id.back % Math.max(1, ids.length))]
          : undefined;
    if (id !== undefined && !ids.includes(id)) ids.push(id);
    const languageCode = planned.language.kind === "same" ? plan.languageCode : planned.language.code;
    const basis =
      planned.basis.kind === "shown"
        ? shown && promptKey(shown)
        : planned.basis.kind === "older"
          ? ((p) => p && promptKey(p))(prompts[prompts.length - 1 - (planned.basis.back % Math.max(1, prompts.length))])
          : planned.basis.kind === "forged"
            ? planned.basis.basis
            : undefined;
    const inbound: InboundMessage = {
      ...(id === undefined ? {} : { id }),
      channel: plan.channel,
      chatId,
      ...(languageCode === undefined ? {} : { languageCode }),
      ...(plan.languageSuggestion === undefined ? {} : { languageSuggestion: plan.languageSuggestion }),
      content: contentOf(planned.act, shown, offered),
      ...(basis === undefined ? {} : { basis }),
    };
    context.inbound = inbound;
    context.session = before.session;
    // The fuzzer's own guard: the engine's contract is a valid inbound message (channels parse theirs).
    const valid = inboundMessageSchema.safeParse(inbound);
    if (!valid.success) throw new Error(`the fuzzer made an invalid inbound message: ${valid.error.message}`);

    let reply: Awaited<ReturnType<typeof engine.handle>>;
    try {
      reply = await engine.handle(inbound);
    } catch (error) {
      fail(`handle threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, context);
    }
    context.reply = reply.messages;
    if (reply.language !== undefined && !(LANGUAGES as readonly string[]).includes(reply.language))
      fail(`the reply's language is ${reply.language}`, context);
    const command = inbound.content.kind === "text" && world.commandReader.read(inbound.content.text) !== undefined;
    const relayed = before.session?.mode.kind === "staff" && inbound.content.kind !== "choice" && !command;
    // With staff, what the person writes goes to the office and the bot stays quiet: by design.
    if (reply.messages.length === 0 && !relayed) fail("no answer", context);
    checkMessages(reply.messages, context);

    const after = await readStored(world, key, context);
    for (const [stepId, text] of after.session?.mode.kind === "flow"
      ? freeTexts(flows.get(after.session.mode.flow.id), after.session.mode.flow.context.answers)
      : []) {
      const run = identifyingRun(text);
      if (run) fail(`a session holds ${run} in the free text of ${stepId}`, { ...context, stored: after.raw });
    }

    const asked = lastPrompt(reply.messages);
    if (asked) {
      shown = asked;
      prompts.push(asked);
      for (const choice of asked.choices) if (!offered.includes(choice.token)) offered.push(choice.token);
      if (stats && asked.ref && asked.progress)
        stats.deepest.set(
          asked.ref.flow,
          Math.max(stats.deepest.get(asked.ref.flow) ?? 0, asked.progress.index / asked.progress.total),
        );
    }
    if (stats) {
      stats.messages++;
      stats.largestSession = Math.max(stats.largestSession, Buffer.byteLength(after.raw ?? ""));
      const mode = before.session?.mode.kind ?? "new";
      stats.modes.set(mode, (stats.modes.get(mode) ?? 0) + 1);
    }
  }

  for (const flowId of flows.keys()) {
    const listing = await responses.list(flowId);
    if (listing.unreadable.length > 0) fail("unreadable responses", { flow: flowId, unreadable: listing.unreadable });
    for (const response of listing.responses) {
      const parsed = storedResponseSchema.safeParse(response);
      if (!parsed.success) fail("a stored response does not parse", { response, issues: parsed.error.issues });
      for (const [stepId, text] of freeTexts(flows.get(flowId), response.answers)) {
        const run = identifyingRun(text);
        if (run) fail(`a stored response holds ${run} in the free text of ${stepId}`, { response });
        if (scrub(text) !== text) fail(`scrubbing the stored free text of ${stepId} again changes it`, { response });
      }
      if (stats) stats.responses++;
    }
  }

  // The run's session goes, so a long run does not keep a hundred thousand of them.
  const last = await world.sessions.read(key);
  if (last) await world.sessions.write(key, { value: null, ttlSeconds: 0 }, last.revision);
}

// ---------------------------------------------------------------- channel inputs

/** Chat ids of every type: whole numbers (safe or not), fractions, strings, nothing. */
export const chatIdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.constantFrom(
    0,
    -0,
    1,
    -1001234567890,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    2 ** 53,
    1e21,
    -1e21,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1.5,
    "123",
    "",
    null,
    true,
  ),
  fc.double(),
  fc.bigInt(),
  fc.string(),
  fc.anything(),
);

/** Mostly a value of the right type, now and then anything: fields of real-looking updates with their types mixed up. */
const either = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 50, arbitrary: good }, { weight: 1, arbitrary: fc.anything() });

const telegramChat = fc.record(
  {
    id: fc.oneof({ weight: 10, arbitrary: fc.integer() }, { weight: 1, arbitrary: chatIdValue }),
    type: either(
      fc.constantFrom(
        "private",
        "private",
        "private",
        "private",
        "private",
        "group",
        "supergroup",
        "channel",
        "Private",
        "",
      ),
    ),
    first_name: either(wildText),
  },
  { requiredKeys: ["id", "type"] },
);
const telegramFrom = fc.record(
  { id: either(fc.nat()), language_code: either(languageCode), is_bot: either(fc.boolean()) },
  { requiredKeys: ["id"] },
);

const file = fc.record({ file_id: fc.string({ maxLength: 20 }) });
/** What a message holds: text (commands too), or media the bot cannot read, or nothing it knows. */
const telegramPayload = fc.oneof(
  { weight: 4, arbitrary: fc.record({ text: either(fc.oneof(wildText, commandText(["start", "menu", "borrar"]))) }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom("sticker", "photo", "voice", "video_note", "document", "location", "poll", "dice", "story"),
        either(fc.oneof(file, fc.array(file, { maxLength: 2 }))),
      )
      .map(([field, value]) => ({ [field]: value })),
  },
  { weight: 1, arbitrary: fc.record({ new_chat_members: fc.array(fc.record({ id: fc.nat() }), { maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.constant({}) },
);

const telegramMessage = fc
  .tuple(
    fc.record(
      { message_id: either(fc.nat()), date: either(fc.nat()), chat: either(telegramChat), from: either(telegramFrom) },
      { requiredKeys: ["message_id", "chat"] },
    ),
    telegramPayload,
  )
  .map(([message, payload]) => ({ ...message, ...payload }));

const updateId = either(
  fc.oneof(
    { weight: 6, arbitrary: fc.nat() },
    { weight: 1, arbitrary: fc.constantFrom(Number.MAX_SAFE_INTEGER, 2 ** 53, 1.5, -1, 0) },
  ),
);

/** Updates shaped like Telegram's, with random field types, random data, chat ids of every type. */
export const telegramUpdate: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ update_id: updateId, message: either(telegramMessage) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      update_id: updateId,
      callback_query: either(
        fc.record(
          {
            id: either(fc.string({ maxLength: 30 })),
            from: either(telegramFrom),
            message: either(telegramMessage),
            data: either(
              fc.oneof(
                forgedToken,
                fc.string({ unit: anyChar, maxLength: 100 }),
                fc.string({ unit: "binary", minLength: 200, maxLength: 400 }),
              ),
            ),
            chat_instance: either(fc.string()),
          },
          { requiredKeys: ["id", "from"] },
        ),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(updateId, fc.constantFrom("edited_message", "channel_post", "edited_channel_post", "my_chat_member"))
      .chain(([id, field]) => telegramMessage.map((message) => ({ update_id: id, [field]: message }))),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      { update_id: updateId, message: telegramMessage, edited_message: telegramMessage, callback_query: fc.anything() },
      { requiredKeys: [] },
    ),
  },
);

/** Any value a JSON body can carry, and values no JSON can (undefined, NaN, -0, bigints, dates…). */
export const anyUpdate: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: telegramUpdate },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything({ withBigInt: true, withDate: true, withMap: true, withNullPrototype: true }) },
);

/** Webhook bodies: JSON of updates, cut JSON, and arbitrary text. */
export const webhookBody: fc.Arbitrary<string> = fc.oneof(
  telegramUpdate.map((update) => safeStringify(update)),
  fc.tuple(telegramUpdate, fc.nat()).map(([update, cut]) => {
    const text = safeStringify(update);
    return text.slice(0, cut % (text.length + 1));
  }),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: anyChar, maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
);

/** JSON.stringify that survives bigints: they become strings. */
export function safeStringify(value: unknown): string {
  return (
    JSON.stringify(value, (_key, inner: unknown) => (typeof inner === "bigint" ? inner.toString() : inner)) ?? "null"
  );
}

/** What a WhatsApp user types: numbers and keycaps, with spaces, and anything else. */
export const whatsappText: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("", " ", "\n", "\u200b"),
      fc.oneof(
        { weight: 4, arbitrary: fc.nat(12).map(String) },
        { weight: 1, arbitrary: fc.nat(120).map(String) },
        {
          weight: 2,
          arbitrary: fc.constantFrom("1️⃣", "2️⃣", "🔟", "0️⃣", "١", "９", "01", "007", "1.", "1,2", "+1", "-1"),
        },
      ),
      fc.constantFrom("", " ", "\n", "\ufe0f"),
    )
    .map((parts) => parts.join("")),
  wildText,
);

/** Numberings as the channel keeps them, and odd ones: keys of any kind, tokens of any length. */
export const numbering: fc.Arbitrary<Record<string, string> | undefined> = fc.oneof(
  fc.constant(undefined),
  // As the channel numbers choices: 1, 2, 3… and 0 for "back".
  fc
    .array(forgedToken, { minLength: 1, maxLength: 11 })
    .map((tokens) => Object.fromEntries(tokens.map((token, at) => [String(at === 10 ? 0 : at + 1), token]))),
  fc.dictionary(fc.oneof(fc.nat(12).map(String), fc.string({ maxLength: 4 })), forgedToken, {
    minKeys: 1,
    maxKeys: 12,
  }),
  fc.dictionary(
    fc.oneof(fc.nat(12).map(String), fc.string({ maxLength: 4 })),
    fc.oneof(
      fc.string({ unit: anyChar, maxLength: 80 }),
      fc.string({ unit: "binary", minLength: 250, maxLength: 300 }),
    ),
    { maxKeys: 6 },
  ),
);

/** What the WhatsApp channel may find stored as "shown": its own JSON, older shapes, and damage. */
export const shownText: fc.Arbitrary<string> = fc.oneof(
  fc
    .record({ numbering: either(numbering), basis: either(fc.string({ maxLength: 40 })) }, { requiredKeys: [] })
    .map((shown) => safeStringify(shown)),
  numbering.map((value) => safeStringify(value)),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: anyChar, maxLength: 100 }),
  fc.constantFrom("", "null", "{", "[]", '{"__proto__":{"numbering":{"1":"x"}}}', '{"numbering":{"1":1}}'),
);

/** Request bodies for the web chat: messages as the page sends them, with their fields mixed up, and junk. */
export const webBody: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        id: either(
          fc.oneof(
            { weight: 3, arbitrary: fc.uuid() },
            { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9-]{8,64}$/) },
            { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
          ),
        ),
        languageCode: either(languageCode),
        content: either(
          fc.oneof(
            fc.record({
              kind: fc.constant("text"),
              text: fc.oneof(wildText, commandText(["start", "menu", "borrar"])),
            }),
            fc.record({ kind: fc.constant("choice"), token: fc.oneof(forgedToken, fc.string({ maxLength: 300 })) }),
            fc.record(
              {
                kind: fc.constant("unsupported"),
                what: fc.string({ maxLength: 50 }),
                ref: fc.string({ maxLength: 250 }),
              },
              { requiredKeys: ["kind", "what"] },
            ),
            fc.record({ kind: fc.string({ maxLength: 12 }), text: fc.anything() }, { requiredKeys: [] }),
          ),
        ),
        basis: either(fc.oneof(fc.constantFrom(":menu", "consulta/consent"), fc.string({ maxLength: 320 }))),
        chatId: fc.string({ maxLength: 40 }),
      },
      { requiredKeys: ["content"] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
);

/** A body as sent over the wire: JSON of a value, text that is not JSON, or too large. */
export const webRawBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 16, arbitrary: webBody.map((body) => safeStringify(body)) },
  { weight: 3, arbitrary: fc.string({ unit: anyChar, maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 60_000, max: 70_000 })
      .map((size) => JSON.stringify({ content: { kind: "text", text: "ñ".repeat(size) } })),
  },
);

// ---------------------------------------------------------------- channel properties

/** Telegram: any value is read without throwing; a reading that is not ignored is a valid message from a numeric chat. */
export function checkTelegramUpdate(update: unknown): UpdateReading["kind"] {
  let reading: UpdateReading;
  try {
    reading = readUpdate(update);
  } catch (error) {
    fail(`readUpdate threw: ${String(error)}`, { update: safeStringify(update) });
  }
  if (reading.kind === "ignore") return reading.kind;
  const parsed = inboundMessageSchema.safeParse(reading.inbound);
  if (!parsed.success) fail("a reading does not parse", { reading, issues: parsed.error.issues });
  if (!/^-?\d+$/.test(reading.inbound.chatId)) fail("a chat id that is not a number", { reading });
  if (reading.kind === "tap" && typeof reading.callbackId !== "string")
    fail("a tap without its callback id", { reading });
  return reading.kind;
}

/** Telegram's webhook: any body is taken without throwing, as an update with a whole update_id or as nothing. */
export function checkWebhookBody(body: string): void {
  let update: ReturnType<typeof webhookUpdate>;
  try {
    update = webhookUpdate(body);
  } catch (error) {
    fail(`webhookUpdate threw: ${String(error)}`, { body });
  }
  if (update !== undefined && !(Number.isSafeInteger(update.update_id) && update.update_id >= 0))
    fail("an update_id that is not a whole number", { body });
}

/** WhatsApp: anything typed, against any numbering, is valid content: a tap on a number shown, else the text as typed. */
export function checkWhatsAppTyped(text: string, shown: Record<string, string> | undefined): InboundContent["kind"] {
  let content: InboundContent;
  try {
    content = readTyped(text, shown);
  } catch (error) {
    fail(`readTyped threw: ${String(error)}`, { text, shown });
  }
  const parsed = inboundContentSchema.safeParse(content);
  if (!parsed.success) fail("typed content does not parse", { text, shown, content, issues: parsed.error.issues });
  if (content.kind === "text" && content.text !== text) fail("typed text changed", { text, shown, content });
  if (content.kind === "choice" && !Object.values(shown ?? {}).includes(content.token))
    fail("a tap on a token that was not shown", { text, shown, content });
  return content.kind;
}

/** WhatsApp: any stored text is read as what was shown (strings only), or as nothing, without throwing. */
export function checkShown(stored: string): void {
  let shown: ReturnType<typeof readShown>;
  try {
    shown = readShown(stored);
  } catch (error) {
    fail(`readShown threw: ${String(error)}`, { stored });
  }
  if (shown === undefined) return;
  if (shown.basis !== undefined && typeof shown.basis !== "string") fail("a basis that is not text", { stored, shown });
  for (const token of Object.values(shown.numbering ?? {}))
    if (typeof token !== "string") fail("a numbering that is not text", { stored, shown });
}
