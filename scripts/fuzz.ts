/**
 * The long fuzz run: the engine's property from test/fuzz.test.ts (random conversations through
 * the engine: every message answered, nothing thrown, nothing stored that does not fit) for many
 * more runs, then the channels' parsers (Telegram's updates and webhook bodies, WhatsApp's typed
 * text and stored "shown" notes) as many times each.
 *
 *   npx tsx scripts/fuzz.ts [runs] [--engine-only]      (runs: 100000 unless given; FUZZ_SEED=<n>)
 *
 * Runs go in chunks of CHUNK, each from seed + its index on a fresh engine, so a long run keeps
 * little in memory and goes on after a failure; each failure prints its seed and fast-check's
 * report (the shrunk input, and the path to replay it). The last line sums it up:
 *
 *   fuzz: 100000 runs in 812 s, 0 failures (seed 12345)
 */
import fc from "fast-check";
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
  whatsappText,
} from "../test/support/fuzz.js";

const CHUNK = 5000;

const args = process.argv.slice(2);
const engineOnly = args.includes("--engine-only");
const given = args.find((arg) => !arg.startsWith("--"));
const runs = given === undefined ? 100_000 : Number(given);
if (!Number.isSafeInteger(runs) || runs < 1) {
  console.error(`usage: npx tsx scripts/fuzz.ts [runs] [--engine-only]  (runs: a whole number, not ${given})`);
  process.exit(2);
}
const seed = fuzzSeed();
const seconds = (since: number) => Math.round((performance.now() - since) / 1000);

/** Runs a property in chunks; returns how many runs failed (at most one a chunk: fast-check stops there). */
async function chunked<Ts>(
  name: string,
  total: number,
  run: (chunkSeed: number, numRuns: number) => Promise<fc.RunDetails<Ts>>,
  progress: (done: number) => string = () => "",
): Promise<number> {
  const started = performance.now();
  let failures = 0;
  for (let done = 0, chunk = 0; done < total; chunk++) {
    const numRuns = Math.min(CHUNK, total - done);
    const chunkSeed = seed + chunk;
    const details = await run(chunkSeed, numRuns);
    done += numRuns;
    if (details.failed) {
      failures++;
      console.error(`\n${name}: FAILED in the chunk with seed ${chunkSeed} (replay: FUZZ_SEED=${chunkSeed})`);
      console.error(fc.defaultReportMessage(details));
    }
    console.log(
      `${name}: ${done}/${total} runs, ${seconds(started)} s, ${failures} failure${failures === 1 ? "" : "s"}${progress(done)}`,
    );
  }
  return failures;
}

// The engine.
const stats = freshStats();
const started = performance.now();
const engineFailures = await chunked(
  "engine",
  runs,
  async (chunkSeed, numRuns) => {
    const world = new EngineWorld();
    try {
      return await fc.check(
        fc.asyncProperty(conversationArbitrary(world.commands), (plan) => playConversation(world, plan, stats)),
        { seed: chunkSeed, numRuns },
      );
    } finally {
      await world.close();
    }
  },
  () =>
    `; ${stats.messages} messages (${[...stats.modes].map(([mode, n]) => `${mode} ${n}`).join(", ")}), ${stats.responses} responses, largest session ${stats.largestSession} bytes`,
);
const engineSeconds = seconds(started);

// The channels' parsers.
let channelFailures = 0;
if (!engineOnly) {
  const sync =
    <Ts>(property: fc.IProperty<Ts>) =>
    async (chunkSeed: number, numRuns: number): Promise<fc.RunDetails<Ts>> =>
      fc.check(property, { seed: chunkSeed, numRuns });
  channelFailures += await chunked(
    "telegram updates",
    runs,
    sync(fc.property(anyUpdate, (update) => void checkTelegramUpdate(update))),
  );
  channelFailures += await chunked("telegram webhook bodies", runs, sync(fc.property(webhookBody, checkWebhookBody)));
  channelFailures += await chunked(
    "whatsapp typed text",
    runs,
    sync(fc.property(whatsappText, numbering, (text, shown) => void checkWhatsAppTyped(text, shown))),
  );
  channelFailures += await chunked("whatsapp shown notes", runs, sync(fc.property(shownText, checkShown)));
  console.log(
    `fuzz channels: 4 × ${runs} runs in ${seconds(started) - engineSeconds} s, ${channelFailures} failures (seed ${seed})`,
  );
}

console.log(`fuzz: ${runs} runs in ${engineSeconds} s, ${engineFailures} failures (seed ${seed})`);
process.exit(engineFailures + channelFailures > 0 ? 1 : 0);
