import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebReply } from "../src/channels/web/channel.js";
import { type InboundContent, lastPrompt, type Prompt } from "../src/core/engine/messages.js";
import type { Flow } from "../src/core/flows/compile.js";
import { type Answers, isQuestion } from "../src/core/flows/schema.js";
import { COMMAND_TIMEOUT_MS } from "../src/core/store/redis/client.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { BotApiEmulator, type BotMessage, TEST_TOKEN } from "./support/bot-api.js";
import { dropPrefix, quiet, REDIS_URL, TEST_SECRET, testConfig, testPrefix } from "./support/puente.js";
import { type ProxyMode, RedisProxy } from "./support/redis-proxy.js";
import { WebChatClient } from "./support/web.js";

/**
 * Puente with a faulty link to Redis: a proxy in between delays, stalls (what was sent meanwhile
 * runs, but is answered after the client's 3 s command timeout: a write is taken although the
 * person was told "try again"), drops connections and swallows them. People answer the anonymous
 * consultation through it the way people do: they answer each question they are shown, type the
 * same thing again after "try again", and answer the question shown after "we had that already".
 * Whatever the faults, every message is answered, no answer lands on a question it was not given
 * for, and every consultation is stored exactly once.
 */

/** Longest a message may go unanswered: a bound for correctness (a hang), not a measure of speed. */
const ANSWER_BOUND_MS = 15_000;
/** Longer than the client's 3 s command timeout: what was sent meanwhile runs, but is answered late. */
const STALL_MS = 4_000;

const FLOW = "consulta";
/** A distinct comment per person: it tells their stored response apart from the others'. */
const NAMES = ["alba", "bruno", "carmen", "dario", "elena", "fabio", "gloria", "hugo", "irene", "julio", "karla"];

/**
 * What a person means to answer, question by question, as typed text. Two questions in a row never
 * get the same text, so an answer taken for the next question shows in the stored response; and
 * people differ from each other (the household's band among them).
 */
function planFor(flow: Flow, n: number): Map<string, string> {
  const plan = new Map<string, string>();
  let previous = "";
  flow.steps.filter(isQuestion).forEach((step, index) => {
    let text: string;
    switch (step.kind) {
      case "yesno":
        text = step.id === "consent" ? "sí" : n % 2 === 0 ? "1" : "2";
        if (text === previous) text = text === "1" ? "2" : "1";
        break;
      case "number":
        text = String(step.min + (n % (step.max - step.min + 1)));
        break;
      case "text":
        text = step.id === "comment" ? `comentario de ${NAMES[n]}` : `lugar de ${NAMES[n]}`;
        break;
      case "multichoice": {
        // Two options apart from each other, whatever the number of options.
        const count = step.options.length;
        const first = 1 + ((n + index) % count);
        const second = 1 + ((first - 1 + Math.max(1, Math.floor(count / 2))) % count);
        text = step.max >= 2 ? `${first},${second}` : String(first);
        break;
      }
      case "choice": {
        // Not the first age band: a minor's consultation ends there.
        const lowest = step.id === "age_band" ? 2 : 1;
        const size = step.options.length - lowest + 1;
        const positions = Array.from({ length: size }, (_, k) => String(lowest + ((n * 7 + index * 3 + k) % size)));
        text = positions.find((position) => position !== previous) ?? "";
        break;
      }
    }
    plan.set(step.id, text);
    previous = text;
  });
  return plan;
}

/** The answers a plan stores, worked out from the flow file, not from the engine's reading. */
function expectedAnswers(flow: Flow, plan: Map<string, string>): Answers {
  const answers: Answers = {};
  for (const step of flow.steps.filter(isQuestion)) {
    if (!flow.applicableQuestions(answers).includes(step)) continue;
    const text = plan.get(step.id) ?? "";
    if (step.kind === "yesno") answers[step.id] = text === "sí" || text === "1";
    else if (step.kind === "number") answers[step.id] = Number(text);
    else if (step.kind === "text") answers[step.id] = text;
    else if (step.kind === "choice") answers[step.id] = step.options[Number(text) - 1]?.id ?? "?";
    else answers[step.id] = text.split(",").map((position) => step.options[Number(position) - 1]?.id ?? "?");
  }
  return answers;
}

/** A promise, or an error once `ms` went by without it settling. */
async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms to ${what}`)), ms);
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** A small deterministic generator (mulberry32): the same pauses on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A state of the link for a while, or a stall that starts with the next session write. */
type Fault = [ProxyMode, number] | "late write";

/** What happened to one person along the consultation. */
interface Journey {
  messages: number;
  tryAgain: number;
  /** "We had that already": a retry of an answer that was taken after all. */
  repeats: number;
  /** "That button was of an earlier question": the same for a tap. */
  stale: number;
  /** Whether they saw the thanks at the end (a confirm acknowledged late shows the menu instead). */
  thanked: boolean;
  /** Replies a person could not make sense of: an answer refused, a question out of place. */
  oddities: string[];
}

const journey = (): Journey => ({ messages: 0, tryAgain: 0, repeats: 0, stale: 0, thanked: false, oddities: [] });

describe("Puente through a faulty link to Redis", () => {
  const proxy = new RedisProxy(REDIS_URL);
  const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
  const prefix = testPrefix("redis-faults");
  let puente: Puente;
  let flow: Flow;
  /** The option id a typed position stands for at the household's question: what the session holds. */
  const bandOf = (position: string) => {
    const step = flow.step("household_band");
    return (step && "options" in step ? step.options[Number(position) - 1]?.id : undefined) ?? "?";
  };
  const t = (key: string) => puente.texts.t("es", key);
  const url = () => `http://127.0.0.1:${puente.port}`;

  beforeAll(async () => {
    await proxy.start();
    await emulator.start();
    puente = await startPuente(
      testConfig({
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
        REDIS_URL: proxy.url,
        REDIS_PREFIX: prefix,
        ANON_SECRET: TEST_SECRET,
        // Every simulated person from an address of their own, as people are: limits stay per person.
        TRUST_PROXY: "true",
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: emulator.apiRoot,
      }),
      quiet,
      { telegramPace: { burst: 30, refillMs: 100, groupMinMs: 10 } },
    );
    const consulta = puente.flows.get(FLOW);
    if (!consulta) throw new Error("no consulta flow");
    flow = consulta;
  }, 60_000);

  afterAll(async () => {
    proxy.set({ kind: "pass" });
    await puente?.close();
    await emulator.stop();
    await proxy.close();
    await dropPrefix(prefix);
  });

  /**
   * What may come before the question in a reply: the welcome, "we had that already", "that button
   * was of an earlier question", "you are answering this already" and the thanks. Anything else (a
   * refused answer above all) means an answer met a question it was not meant for.
   */
  const expectedLeads = () =>
    new Set([
      t("common:welcome"),
      t("common:repeat"),
      t("common:stale"),
      t(`${FLOW}:done`),
      puente.texts.t("es", "common:flow.inProgress", { title: t(`${FLOW}:title`) }),
    ]);

  /** Typed text from the plan, or for choices a tap on the planned option when the person taps. */
  function answerFor(step: string, prompt: Prompt, plan: Map<string, string>, taps: boolean): string | InboundContent {
    if (step === "_review") {
      const confirm = prompt.choices.find((choice) => choice.role === "confirm");
      return taps && confirm ? { kind: "choice", token: confirm.token } : "1";
    }
    const text = plan.get(step);
    if (text === undefined) throw new Error(`no answer planned for ${step}`);
    const kind = flow.step(step)?.kind;
    if (taps && (kind === "choice" || kind === "yesno")) {
      const position = text === "sí" ? 1 : Number(text);
      const option = prompt.choices.filter((choice) => choice.role === "option")[position - 1];
      if (option) return { kind: "choice", token: option.token };
    }
    return text;
  }

  /** One person on the web chat, answering what they are shown, until the consultation is sent. */
  async function consultOnWeb(n: number, taps: boolean, pause: () => number): Promise<Journey> {
    const plan = planFor(flow, n);
    const client = new WebChatClient(url(), { "x-forwarded-for": `10.0.0.${n + 1}` });
    const seen = journey();
    let input: string | InboundContent = "/start consulta";
    let confirmed = false;
    for (;;) {
      if (seen.messages++ > 150) throw new Error(`${NAMES[n]} never got through: ${JSON.stringify(seen)}`);
      const what = `${NAMES[n]}'s ${JSON.stringify(input)} (at ${client.asked ?? "the start"})`;
      // Throws on any answer but 200: a 500, a refusal.
      const reply: WebReply = await within(ANSWER_BOUND_MS, client.say(input), what);
      const texts = reply.messages.map((message) => message.text);
      if (texts.length === 0) throw new Error(`no message in the reply to ${what}`);
      if (texts.length === 1 && texts[0] === t("common:error.tryAgain")) {
        // As a person does: a moment, then the same again.
        seen.tryAgain++;
        await sleep(100 + pause());
        continue;
      }
      if (texts[0] === t("common:repeat")) seen.repeats++;
      if (texts[0] === t("common:stale")) seen.stale++;
      if (texts.length > 1 && !expectedLeads().has(texts[0] ?? "")) seen.oddities.push(`${what}: ${texts[0]}`);
      if (texts.includes(t(`${FLOW}:done`))) seen.thanked = true;
      const prompt = lastPrompt(reply.messages);
      if (!prompt || !reply.asked) throw new Error(`no question after ${what}: ${JSON.stringify(texts)}`);
      if (reply.asked === ":menu") {
        if (!confirmed) seen.oddities.push(`the menu after ${what}`);
        return seen;
      }
      const step = reply.asked.replace(`${FLOW}/`, "");
      if (step === "_review") confirmed = true;
      input = answerFor(step, prompt, plan, taps);
      await sleep(pause());
    }
  }

  /** What the bot sent to a Telegram chat since `from`, once its reply is complete. */
  async function telegramReply(chatId: number, from: number, what: string): Promise<BotMessage[]> {
    const complete = () => {
      const last = emulator.lastMessage(chatId);
      const count = emulator.messages(chatId).length;
      return count > from && (last?.text === t("common:error.tryAgain") || (last?.buttons.length ?? 0) > 0);
    };
    await within(ANSWER_BOUND_MS, emulator.waitFor(complete, ANSWER_BOUND_MS + 1_000), what);
    return emulator.messages(chatId).slice(from);
  }

  /** The question a Telegram message asks, read from its buttons: a step, "_review", ":menu" or ":language". */
  function askedOn(message: BotMessage | undefined): string | undefined {
    for (const button of message?.buttons ?? []) {
      const data = button.callbackData ?? "";
      // The language picker: Telegram's app language is only offered first, a new person picks.
      if (/^l:[a-z]{2}$/.test(data)) return ":language";
      const step = /^[ac]:consulta:([a-z_0-9]+):/.exec(data)?.[1];
      if (step) return step;
      if (data.startsWith("r:consulta:")) return "_review";
      if (data.startsWith("m:")) return ":menu";
    }
    return undefined;
  }

  /** One person on Telegram, typing every answer, until the consultation is sent. */
  async function consultOnTelegram(n: number, chatId: number, pause: () => number): Promise<Journey> {
    const plan = planFor(flow, n);
    const person = emulator.person({ chatId, languageCode: "es" });
    const seen = journey();
    // Picking the language (typed, as every answer here) leads with "language set" instead of the welcome.
    const leads = new Set([...expectedLeads(), t("common:language.set")]);
    let input = "/start consulta";
    let confirmed = false;
    for (;;) {
      if (seen.messages++ > 150) throw new Error(`${NAMES[n]} never got through on Telegram: ${JSON.stringify(seen)}`);
      const from = emulator.messages(chatId).length;
      if (input.startsWith("/")) person.sendCommand(input);
      else person.send(input);
      const what = `${NAMES[n]}'s ${JSON.stringify(input)} on Telegram`;
      const texts = (await telegramReply(chatId, from, what)).map((message) => message.text);
      if (texts.length === 1 && texts[0] === t("common:error.tryAgain")) {
        seen.tryAgain++;
        await sleep(100 + pause());
        continue;
      }
      if (texts[0] === t("common:repeat")) seen.repeats++;
      if (texts.length > 1 && !leads.has(texts[0] ?? "")) seen.oddities.push(`${what}: ${texts[0]}`);
      if (texts.includes(t(`${FLOW}:done`))) seen.thanked = true;
      const asked = askedOn(emulator.lastMessage(chatId));
      if (!asked) throw new Error(`no question after ${what}: ${JSON.stringify(texts)}`);
      if (asked === ":menu") {
        if (!confirmed) seen.oddities.push(`the menu after ${what}`);
        return seen;
      }
      if (asked === "_review") confirmed = true;
      input = asked === "_review" ? "1" : asked === ":language" ? "español" : (plan.get(asked) ?? "");
      await sleep(pause());
    }
  }

  it("keeps the household's size when its write is acknowledged late, on the web chat", async () => {
    const plan = planFor(flow, 0);
    const client = new WebChatClient(url(), { "x-forwarded-for": "10.0.1.1" });
    let reply = await client.say("/start consulta");
    for (let count = 0; client.asked !== `${FLOW}/household_band`; count++) {
      if (count > 20) throw new Error(`never asked the household's size: ${client.asked}`);
      const prompt = lastPrompt(reply.messages);
      if (!prompt) throw new Error(`no question at ${client.asked}`);
      reply = await client.say(answerFor(client.asked?.replace(`${FLOW}/`, "") ?? "", prompt, plan, false));
    }
    const size = plan.get("household_band") ?? "";
    // The write that takes the size reaches Redis only after the engine gave up on it.
    const stalled = proxy.stallWhenSent(`"household_band":"${bandOf(size)}"`, STALL_MS);
    const first = await within(ANSWER_BOUND_MS, client.say(size), "the household's size");
    expect(first.messages.map((message) => message.text)).toEqual([t("common:error.tryAgain")]);
    await stalled;
    const again = await within(ANSWER_BOUND_MS, client.say(size), "the size typed again");
    expect(again.messages[0]?.text).toBe(t("common:repeat"));
    expect(again.asked).toBe(`${FLOW}/minors_band`);
  });

  it("keeps the household's size when its write is acknowledged late, on Telegram, even while what was shown cannot be read", async () => {
    const chatId = 91_001;
    const plan = planFor(flow, 1);
    const person = emulator.person({ chatId, languageCode: "es" });
    const say = async (text: string) => {
      const from = emulator.messages(chatId).length;
      if (text.startsWith("/")) person.sendCommand(text);
      else person.send(text);
      return telegramReply(chatId, from, JSON.stringify(text));
    };
    // The link waits for the language, picked by typing it.
    expect(askedOn((await say("/start consulta")).at(-1))).toBe(":language");
    let asked = askedOn((await say("español")).at(-1));
    for (let count = 0; asked !== "household_band"; count++) {
      if (count > 20) throw new Error(`never asked the household's size: ${asked}`);
      asked = askedOn((await say(plan.get(asked ?? "") ?? "")).at(-1));
    }
    const size = plan.get("household_band") ?? "";
    // Long enough that a retry sent at once finds Redis still away for the note of what was
    // shown (Telegram keeps it there), but back for the session just after.
    const stalled = proxy.stallWhenSent(`"household_band":"${bandOf(size)}"`, 8_000);
    const first = await say(size);
    expect(first.map((message) => message.text)).toEqual([t("common:error.tryAgain")]);
    let again = await say(size);
    for (let count = 0; again.length === 1 && again[0]?.text === t("common:error.tryAgain"); count++) {
      if (count > 5) throw new Error("never got past 'try again'");
      again = await say(size);
    }
    expect(again[0]?.text).toBe(t("common:repeat"));
    expect(askedOn(again.at(-1))).toBe("minors_band");
    await stalled;
  });

  it("tells a web chat to try again after one command timeout while Redis stalls, not one per call", async () => {
    const client = new WebChatClient(url(), { "x-forwarded-for": "10.0.1.3" });
    await client.say("/start consulta");
    proxy.set({ kind: "stall" });
    try {
      const started = performance.now();
      const reply = await within(ANSWER_BOUND_MS, client.say("hola"), "a message while Redis stalls");
      const took = performance.now() - started;
      expect(reply.messages.map((message) => message.text)).toEqual([t("common:error.tryAgain")]);
      // The chat's and the address's rate-limit counts and the session's read wait out the timeout
      // together; one after the other they took three timeouts (about 9 s).
      expect(took).toBeLessThan(2 * COMMAND_TIMEOUT_MS);
    } finally {
      proxy.set({ kind: "pass" });
    }
  });

  it("answers every message, misapplies no answer and stores every consultation once, through delays, stalls and drops", async () => {
    const random = seeded(20_250_101);
    const pause = () => 100 + Math.floor(random() * 300);
    const onWeb = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const onTelegram = 9;
    // Each fault comes after a while of slow traffic, so that commands are in flight when it starts.
    const slow: Fault = [{ kind: "delay", ms: 100 }, 900];
    const schedule: Fault[] = [
      [{ kind: "pass" }, 400],
      slow,
      [{ kind: "stall" }, 3_500],
      slow,
      [{ kind: "drop" }, 1_500],
      "late write",
      slow,
      [{ kind: "blackhole" }, 3_500],
      [{ kind: "pass" }, 500],
      "late write",
      slow,
      [{ kind: "drop" }, 1_500],
    ];
    let running = true;
    let lateWrites = 0;
    const faults = (async () => {
      for (const fault of schedule) {
        if (!running) break;
        if (fault === "late write") {
          // The next session write of someone in the consultation runs after the engine gave up on it.
          proxy.set({ kind: "pass" });
          const stalled = proxy.stallWhenSent('"kind":"flow"', STALL_MS).then(() => true);
          if (await Promise.race([stalled, sleep(STALL_MS + 2_000).then(() => false)])) lateWrites++;
          proxy.disarm();
          continue;
        }
        proxy.set(fault[0]);
        await sleep(fault[1]);
      }
      // Then Redis is back for good, and whoever a fault held up finishes.
      proxy.set({ kind: "pass" });
    })();
    const journeys = await Promise.all([
      ...onWeb.map((n) => consultOnWeb(n, n % 2 === 1, pause)),
      consultOnTelegram(onTelegram, 92_001, pause),
    ]).finally(() => {
      running = false;
    });
    await faults;
    // What the background recovery does (every 15 s, for effects older than 30 s), done at once: a
    // response whose recording failed after its write is recorded from the session's outbox.
    await puente.engine.recover(0);
    expect(await puente.stores.sessions.unsettled(0, 100)).toEqual([]);

    const listing = await puente.stores.responses.list(FLOW);
    expect(listing.unreadable).toEqual([]);
    const stored = new Map<string, Answers[]>();
    for (const response of listing.responses) {
      const name = String(response.answers.comment ?? "?").replace("comentario de ", "");
      stored.set(name, [...(stored.get(name) ?? []), response.answers]);
    }
    // Each person's consultation once, with exactly the answers they gave to each question.
    for (const n of [...onWeb, onTelegram]) {
      const person = NAMES[n] ?? "";
      expect({ person, stored: stored.get(person) }).toEqual({
        person,
        stored: [expectedAnswers(flow, planFor(flow, n))],
      });
    }
    expect(listing.responses).toHaveLength(onWeb.length + 1);
    expect(journeys.flatMap((seen) => seen.oddities)).toEqual([]);
    // The faults bit: people were told to try again, connections were reset, and each late write
    // made someone's retry a repeat.
    const total = (count: (seen: Journey) => number) => journeys.reduce((sum, seen) => sum + count(seen), 0);
    expect(total((seen) => seen.tryAgain)).toBeGreaterThan(0);
    expect(proxy.resets).toBeGreaterThan(0);
    expect(lateWrites).toBeGreaterThan(0);
    expect(total((seen) => seen.repeats + seen.stale)).toBeGreaterThanOrEqual(lateWrites);
  }, 90_000);
});
