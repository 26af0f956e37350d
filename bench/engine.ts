/**
 * Load benchmark of the engine on Redis: N simulated people go through the demo flow at once.
 *
 *   npm run bench                              # 1000 people
 *   npm run bench -- --people 1,100,1000       # one level after another, same process
 *
 * Every person opens the demo with /start demo, answers every question (taps on the
 * tokens of the prompt it was just sent, and typed answers), ticks two needs and presses done,
 * writes a comment and confirms the review. Each reply is checked, so a benchmark that silently
 * measured error replies cannot happen. Latency is taken around each `engine.handle` call only.
 *
 * Sessions go under a prefix of their own (`puente-bench:<random>`), removed at the end with
 * SCAN + DEL: the Redis may be shared, so never FLUSHALL/FLUSHDB.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { ChoiceRole, InboundContent, OutboundMessage } from "../src/core/engine/messages.js";
import { buildCore } from "../src/runtime/app.js";
import { loadConfig, redisLocation } from "../src/runtime/config.js";
import { openStores, type Stores } from "../src/runtime/stores.js";

type Engine = ReturnType<typeof buildCore>["engine"];
type Prompt = Extract<OutboundMessage, { kind: "prompt" }>;

/** What a person does at a prompt: type something, or tap the choice with a role (and option id). */
type Reply = { type: "say"; text: string } | { type: "tap"; role: ChoiceRole; option?: string };

interface Move {
  /** The prompt this move answers: a step id, "menu", "_review", or "" before the first message. */
  at: string;
  reply: Reply;
}

/** One walk through flows/demo.yaml, taking both conditional questions (country_other, children_count). */
const MOVES: readonly Move[] = [
  { at: "", reply: { type: "say", text: "/start demo" } },
  { at: "consent", reply: { type: "tap", role: "option", option: "yes" } },
  { at: "country", reply: { type: "tap", role: "option", option: "other" } },
  { at: "country_other", reply: { type: "say", text: "Bolivia" } },
  { at: "age", reply: { type: "say", text: "34" } },
  { at: "children", reply: { type: "say", text: "sí" } },
  { at: "children_count", reply: { type: "say", text: "2" } },
  { at: "needs", reply: { type: "tap", role: "option", option: "health" } },
  { at: "needs", reply: { type: "tap", role: "option", option: "work" } },
  { at: "needs", reply: { type: "tap", role: "done" } },
  {
    at: "comment",
    reply: { type: "say", text: "Llegamos hace un año con los niños; buscamos trabajo y cupo en la escuela." },
  },
  { at: "_review", reply: { type: "tap", role: "confirm" } },
];

/** Memory is sampled after `age`: 4 of the 8 questions that apply are answered (half-way). */
const MID_FLOW_MOVES = MOVES.findIndex((move) => move.at === "age") + 1;
/** ...and on the review, with every answer in the session: the largest a session gets. */
const AT_REVIEW_MOVES = MOVES.length - 1;
/** The first move that answers a question (consent), after /start and the menu tap. */
const FIRST_ANSWER = MOVES.findIndex((move) => move.at === "consent");
/** The last move that answers a question (comment); its reply is the review. */
const LAST_ANSWER = AT_REVIEW_MOVES - 1;
/** Set on Ctrl-C: the run stops after the current round and still removes its keys. */
const stop = { requested: false };
/** Small levels are repeated so that each level measures at least this many walks. */
const MIN_WALKS_PER_LEVEL = 2000;
const CHANNEL = "web";

interface Options {
  people: number[];
  rounds: number | undefined;
  warmup: number;
  probe: number;
  redisUrl: string;
}

interface Bench {
  engine: Engine;
  /** A second connection for inspection and cleanup, so it never queues behind the engine's. */
  admin: Redis;
  store: Stores;
  prefix: string;
  doneText: string;
}

/** Latencies (ms) of one level, one array per position in MOVES. */
type Latencies = number[][];

interface LevelResult {
  people: number;
  rounds: number;
  messages: number;
  wallMs: number;
  latencies: Latencies;
  nodeCpuMs: number;
  redisCpuMs: number;
}

class BenchError extends Error {
  override name = "BenchError";
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      people: { type: "string", default: "1000" },
      rounds: { type: "string" },
      warmup: { type: "string", default: "100" },
      probe: { type: "string", default: "100" },
    },
  });
  return {
    people: values.people.split(",").map((part) => positiveInteger("--people", part)),
    rounds: values.rounds === undefined ? undefined : positiveInteger("--rounds", values.rounds),
    warmup: positiveInteger("--warmup", values.warmup),
    probe: positiveInteger("--probe", values.probe),
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  };
}

function positiveInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new BenchError(`${name} must be a whole number ≥ 1, not "${text}"`);
  return value;
}

function setUp(options: Options): Bench {
  const prefix = `puente-bench:${randomBytes(4).toString("hex")}`;
  // Paths from this file, so the benchmark reads the project's flows from any working directory.
  const root = fileURLToPath(new URL("..", import.meta.url));
  const config = loadConfig({
    ANON_SECRET: randomBytes(32).toString("hex"),
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: prefix,
    FLOWS_DIR: `${root}flows`,
    LOCALES_DIR: `${root}locales`,
  });
  // Silent: the engine logs every submission at info, and writing logs is not what is measured.
  const silent = pino({ level: "silent" });
  const store = openStores(
    { location: redisLocation(config), prefix: config.REDIS_PREFIX, accountsFile: config.STAFF_ACCOUNTS_FILE },
    silent,
  );
  const { engine, texts } = buildCore(config, silent, store);
  const admin = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
  return { engine, admin, store, prefix, doneText: texts.t("es", "demo:done") };
}

/** The last prompt of a reply, and where it stands: its step, or "menu" / "_review". */
function lastPrompt(messages: OutboundMessage[]): Prompt | undefined {
  return messages.findLast((message): message is Prompt => message.kind === "prompt");
}

function promptAt(prompt: Prompt | undefined): string {
  return prompt?.ref?.step ?? prompt?.expects ?? "";
}

/** The content a move sends, taking the token from the prompt the person was shown. */
function contentFor(move: Move, prompt: Prompt | undefined): InboundContent {
  const reply = move.reply;
  if (reply.type === "say") return { kind: "text", text: reply.text };
  const suffix = reply.option === undefined ? undefined : `:${reply.option}`;
  const choice = prompt?.choices.find(
    (candidate) => candidate.role === reply.role && (suffix === undefined || candidate.token.endsWith(suffix)),
  );
  if (!choice) throw new BenchError(`no ${reply.role} choice "${reply.option ?? ""}" at ${move.at}`);
  return { kind: "choice", token: choice.token };
}

/**
 * Walks one person through `moves` (a prefix of MOVES), pushing the latency of each message to
 * `latencies[position]` when given. Returns the last reply.
 */
async function walk(
  bench: Bench,
  chatId: string,
  moves: readonly Move[],
  latencies?: Latencies,
  from: OutboundMessage[] = [],
): Promise<OutboundMessage[]> {
  let reply = from;
  for (const [position, move] of moves.entries()) {
    const prompt = lastPrompt(reply);
    if (promptAt(prompt) !== move.at)
      throw new BenchError(`expected the prompt "${move.at}", got "${promptAt(prompt)}": ${JSON.stringify(reply)}`);
    const inbound = { channel: CHANNEL, chatId, languageCode: "es", content: contentFor(move, prompt) } as const;
    const started = performance.now();
    reply = (await bench.engine.handle(inbound)).messages;
    latencies?.[position]?.push(performance.now() - started);
  }
  return reply;
}

/** A finished walk ends with the demo's thanks and the menu again. */
function checkFinished(bench: Bench, reply: OutboundMessage[]): void {
  const thanked = reply.some((message) => message.kind === "text" && message.text === bench.doneText);
  if (!thanked || promptAt(lastPrompt(reply)) !== "menu")
    throw new BenchError(`the flow did not finish: ${JSON.stringify(reply)}`);
}

/** All people at once (each person's messages one after the other); returns the wall time in ms. */
async function runRound(bench: Bench, people: number, latencies?: Latencies): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: people }, async () => {
      checkFinished(bench, await walk(bench, randomUUID(), MOVES, latencies));
    }),
  );
  return performance.now() - started;
}

/** CPU time Redis has used so far (user + system), in ms, to tell how busy it was during a level. */
async function redisCpuMs(admin: Redis): Promise<number> {
  const info = await admin.info("cpu");
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}

async function runLevel(bench: Bench, people: number, rounds: number): Promise<LevelResult> {
  const latencies: Latencies = MOVES.map(() => []);
  const cpuBefore = process.cpuUsage();
  const redisBefore = await redisCpuMs(bench.admin);
  let wallMs = 0;
  // Rounds one after the other: a round is "N people at once", repeated only to collect samples.
  let done = 0;
  for (; done < rounds && !stop.requested; done++) wallMs += await runRound(bench, people, latencies);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    people,
    rounds: done,
    messages: latencies.reduce((count, values) => count + values.length, 0),
    wallMs,
    latencies,
    nodeCpuMs: (cpu.user + cpu.system) / 1000,
    redisCpuMs: (await redisCpuMs(bench.admin)) - redisBefore,
  };
}

interface SessionSize {
  memoryUsage: number[];
  jsonBytes: number[];
  example: string;
}

/** MEMORY USAGE (SAMPLES 0: exact) and the stored JSON's size of the given chats' sessions. */
async function measureSessions(bench: Bench, chatIds: string[]): Promise<SessionSize> {
  const size: SessionSize = { memoryUsage: [], jsonBytes: [], example: "" };
  for (const chatId of chatIds) {
    const chatKey = bench.engine.chatKey(CHANNEL, chatId);
    const key = `${bench.prefix}:s:${chatKey}`;
    const [usage, value] = await Promise.all([
      bench.admin.memory("USAGE", key, "SAMPLES", 0),
      bench.store.sessions.read(chatKey).then((record) => record?.value ?? null),
    ]);
    if (usage === null || value === null) throw new BenchError(`no session under ${key}`);
    size.memoryUsage.push(usage);
    size.jsonBytes.push(Buffer.byteLength(value, "utf8"));
    size.example = value;
  }
  return size;
}

/**
 * Sessions in progress, measured apart from the timed levels so that the inspection commands do
 * not weigh on the latencies: `probe` people stop half-way, then on the review, then finish.
 */
async function probeSessions(bench: Bench, probe: number): Promise<{ mid: SessionSize; review: SessionSize }> {
  const chatIds = Array.from({ length: probe }, () => randomUUID());
  const midReplies = await Promise.all(chatIds.map((id) => walk(bench, id, MOVES.slice(0, MID_FLOW_MOVES))));
  const mid = await measureSessions(bench, chatIds);
  const reviewReplies = await Promise.all(
    chatIds.map((id, at) => walk(bench, id, MOVES.slice(MID_FLOW_MOVES, AT_REVIEW_MOVES), undefined, midReplies[at])),
  );
  const review = await measureSessions(bench, chatIds);
  const finals = await Promise.all(
    chatIds.map((id, at) => walk(bench, id, MOVES.slice(AT_REVIEW_MOVES), undefined, reviewReplies[at])),
  );
  for (const reply of finals) checkFinished(bench, reply);
  return { mid, review };
}

/** Deletes every key under the benchmark's prefix, and only those. */
async function dropPrefix(admin: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    if (keys.length > 0) deleted += await admin.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  return deleted;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN;
}

function ascending(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

const ms = (value: number) => value.toFixed(3);

function reportLevel(level: LevelResult): void {
  const all = ascending(level.latencies.flat());
  const seconds = level.wallMs / 1000;
  console.log(`\n== ${level.people} ${level.people === 1 ? "person" : "people"} at once × ${level.rounds} round(s)`);
  console.log(`messages            ${level.messages} in ${seconds.toFixed(2)} s`);
  console.log(`messages/s          ${Math.round(level.messages / seconds)}`);
  console.log(
    `latency ms          p50 ${ms(percentile(all, 50))}  p90 ${ms(percentile(all, 90))}  p99 ${ms(percentile(all, 99))}  max ${ms(percentile(all, 100))}`,
  );
  // CPU per message tells service cost apart from waiting: latency at high N is mostly queueing.
  console.log(
    `cpu                 node (all threads) ${Math.round((100 * level.nodeCpuMs) / level.wallMs)}% of a core, redis ${Math.round((100 * level.redisCpuMs) / level.wallMs)}%; ` +
      `node ${((1000 * level.nodeCpuMs) / level.messages).toFixed(1)} µs/message, redis ${((1000 * level.redisCpuMs) / level.messages).toFixed(1)} µs/message`,
  );
  console.log("p50 by position     (answers already given grows down the list)");
  const medians = level.latencies.map((values) => percentile(ascending(values), 50));
  MOVES.forEach((move, position) => {
    const label = `${move.at || "(new chat)"} ${describe(move.reply)}`;
    console.log(`  ${String(position + 1).padStart(2)}. ${label.padEnd(34)} ${ms(medians[position] ?? Number.NaN)}`);
  });
  const first = medians[FIRST_ANSWER] ?? Number.NaN;
  const last = medians[LAST_ANSWER] ?? Number.NaN;
  console.log(`ratio last/first    ${(last / first).toFixed(2)} (comment ÷ consent: first and last question)`);
  // The comment's reply is the review, which lists every answer; the answers before it each reply
  // with the next question, so their spread is the like-for-like test of "cost grows with answers".
  const questions = medians.slice(FIRST_ANSWER, LAST_ANSWER);
  console.log(
    `spread max/min      ${(Math.max(...questions) / Math.min(...questions)).toFixed(2)} (positions ${FIRST_ANSWER + 1}-${LAST_ANSWER}, each replied with a question)`,
  );
}

function describe(reply: Reply): string {
  return reply.type === "say" ? `types "${reply.text.slice(0, 10)}"` : `taps ${reply.option ?? reply.role}`;
}

function reportSize(label: string, size: SessionSize): void {
  const usage = ascending(size.memoryUsage);
  const json = ascending(size.jsonBytes);
  console.log(
    `${label.padEnd(20)}MEMORY USAGE p50 ${percentile(usage, 50)} B (max ${percentile(usage, 100)}), ` +
      `JSON v p50 ${percentile(json, 50)} B (max ${percentile(json, 100)}), n=${usage.length}`,
  );
}

async function redisVersion(admin: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await admin.info("server"))?.[1] ?? "unknown";
}

/** Fails fast with one clear line when Redis is not there, instead of a stack from the first walk. */
async function reachRedis(bench: Bench, url: string): Promise<void> {
  try {
    await bench.admin.ping();
  } catch (error) {
    bench.admin.disconnect();
    await bench.store.close();
    throw new BenchError(`Redis at ${url} did not answer (${(error as Error).message}); set REDIS_URL`);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const bench = setUp(options);
  await reachRedis(bench, options.redisUrl);
  process.once("SIGINT", () => {
    stop.requested = true;
  });
  try {
    console.log(
      `puente engine benchmark — node ${process.version}, ${availableParallelism()} cpus, redis ${await redisVersion(bench.admin)}, prefix ${bench.prefix}`,
    );
    // Load from other processes skews a 2-core machine; printed so a noisy run can be spotted.
    const load = loadavg().map((value) => value.toFixed(2));
    console.log(
      `one walk = ${MOVES.length} messages; warm-up ${options.warmup} people (not counted); load ${load.join(" ")}`,
    );
    await runRound(bench, options.warmup);
    for (const people of options.people) {
      if (stop.requested) break;
      const rounds = options.rounds ?? Math.ceil(MIN_WALKS_PER_LEVEL / people);
      reportLevel(await runLevel(bench, people, rounds));
    }
    if (!stop.requested) {
      const { mid, review } = await probeSessions(bench, options.probe);
      console.log(`\n== Redis per session (${options.probe} sessions in progress, measured untimed)`);
      reportSize(`mid-flow (${MID_FLOW_MOVES} msgs)`, mid);
      reportSize(`at review (${AT_REVIEW_MOVES} msgs)`, review);
      console.log(`example v at review ${review.example}`);
    }
  } finally {
    const deleted = await dropPrefix(bench.admin, bench.prefix);
    console.log(`\ncleanup             deleted ${deleted} keys under ${bench.prefix}:*`);
    await bench.store.close();
    await bench.admin.quit();
  }
}

await main();
