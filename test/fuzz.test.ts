import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { WEB_LIMITS } from "../src/channels/web/channel.js";
import { outboundMessageSchema } from "../src/core/engine/messages.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import {
  anyUpdate,
  checkShown,
  checkTelegramUpdate,
  checkWebhookBody,
  checkWhatsAppTyped,
  conversationArbitrary,
  EngineWorld,
  freshStats,
  fuzzSeed,
  numbering,
  playConversation,
  shownText,
  webhookBody,
  webRawBody,
  whatsappText,
} from "./support/fuzz.js";
import { quiet, testConfig } from "./support/puente.js";
import { WebChatClient } from "./support/web.js";

/**
 * Whatever a person, a platform or a forger sends, Puente answers it, throws nothing and stores
 * nothing that does not fit: properties checked with fast-check on random input, from a fixed seed
 * (FUZZ_SEED=<n> for another; a failure prints the seed and the shrunk input to replay it).
 * `npx tsx scripts/fuzz.ts 100000` runs the engine's property much longer.
 */
const seed = fuzzSeed();
/** What the page gets back for a message: at least one message, each as the engine's schema says. */
const webReplySchema = z.object({
  messages: z.array(outboundMessageSchema.refine((message) => message.text.trim() !== "")).min(1),
});
const ENGINE_RUNS = 1000;
const PARSER_RUNS = 1000;
const WEB_RUNS = 250;

describe("fuzzing the engine with random conversations", () => {
  const world = new EngineWorld();
  afterAll(() => world.close());

  it("answers every message, throws nothing, and stores only sessions and responses that parse and fit", async () => {
    const stats = freshStats();
    await fc.assert(
      fc.asyncProperty(conversationArbitrary(world.commands), (plan) => playConversation(world, plan, stats)),
      { seed, numRuns: ENGINE_RUNS },
    );
    // Not a vacuous pass: the runs walked into the flows, some to the end.
    expect(stats.messages).toBeGreaterThan(ENGINE_RUNS * 5);
    // Deep into the consultation (random taps rarely walk all of a 20-question survey; responses
    // stored below show that some runs reach the end of a flow).
    expect(stats.deepest.get("consulta")).toBeGreaterThanOrEqual(0.5);
    expect(stats.modes.get("staff") ?? 0).toBeGreaterThan(0);
    expect(stats.responses).toBeGreaterThan(0);
  });
});

describe("fuzzing Telegram's inbound parsing", () => {
  it("reads any value without throwing; what it reads is a valid message from a numeric chat", () => {
    const seen = { message: 0, tap: 0, ignore: 0 };
    fc.assert(
      fc.property(anyUpdate, (update) => {
        seen[checkTelegramUpdate(update)]++;
      }),
      { seed, numRuns: PARSER_RUNS },
    );
    // Not a vacuous pass: many updates were read as messages and taps.
    expect(seen.message).toBeGreaterThan(PARSER_RUNS / 50);
    expect(seen.tap).toBeGreaterThan(PARSER_RUNS / 50);
  });

  it("takes any webhook body without throwing: an update with a whole update_id, or nothing", () => {
    fc.assert(fc.property(webhookBody, checkWebhookBody), { seed, numRuns: PARSER_RUNS });
  });
});

describe("fuzzing WhatsApp's inbound parsing", () => {
  it("reads anything typed, against any numbering, as valid content: a tap on a shown number, else the text", () => {
    let taps = 0;
    fc.assert(
      fc.property(whatsappText, numbering, (text, shown) => {
        if (checkWhatsAppTyped(text, shown) === "choice") taps++;
      }),
      { seed, numRuns: PARSER_RUNS },
    );
    expect(taps).toBeGreaterThan(PARSER_RUNS / 50);
  });

  it("reads any stored text as what was shown, or as nothing, without throwing", () => {
    fc.assert(fc.property(shownText, checkShown), { seed, numRuns: PARSER_RUNS });
  });
});

describe("fuzzing the web chat's message endpoint", () => {
  // A Puente of its own: new chats are limited to 20 an hour per client address in each process,
  // so behind TRUST_PROXY each client here comes from an address of its own.
  let puente: Puente;
  let url: string;
  beforeAll(async () => {
    puente = await startPuente(testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", TRUST_PROXY: "true" }), quiet);
    url = `http://127.0.0.1:${puente.port}`;
  });
  afterAll(() => puente.close());

  let clients = 0;
  let client: WebChatClient | undefined;
  let sent = 0;
  /** A chat with messages to spare: a new one (from a new address) well before the per-chat limit. */
  async function chat(): Promise<WebChatClient> {
    if (client && sent < WEB_LIMITS.messages.points / 2) return client;
    clients++;
    const fresh = new WebChatClient(url, { "x-forwarded-for": `10.77.${clients >> 8}.${clients & 255}` });
    expect((await fresh.open()).status).toBe(200);
    client = fresh;
    sent = 0;
    return fresh;
  }

  it("answers any body with 200, 400, 413 or 429: never a 500, never a stack trace", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(webRawBody, async (body) => {
        const response = await (await chat()).post(body);
        sent++;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const text = await response.text();
        if (response.status === 429) client = undefined;
        expect([200, 400, 413, 429]).toContain(response.status);
        expect(text).not.toMatch(/\n\s+at \S.*:\d+:\d+|node_modules|file:\/\/|ZodError|TypeError|RangeError/);
        if (response.status !== 200) return;
        expect(webReplySchema.safeParse(JSON.parse(text)).error).toBeUndefined();
      }),
      { seed, numRuns: WEB_RUNS },
    );
    // Not a vacuous pass: many bodies were messages the engine answered.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(WEB_RUNS / 10);
  });
});

describe("npm run fuzz, the long run, at its smallest", () => {
  it("runs the engine and the channels' parsers and says so in one last line", () => {
    const run = spawnSync("npm", ["run", "--silent", "fuzz", "--", "30"], { encoding: "utf8", timeout: 120_000 });
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split("\n").at(-1)).toMatch(/^fuzz: 30 runs in \d+ s, 0 failures \(seed \d+\)$/);
  }, 150_000);
});
