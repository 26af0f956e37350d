/**
 * Puente and grammY's conversations plugin side by side, on the same surveys, the same path and the
 * same Redis, measured one after the other in one process:
 *
 *   npm run bench:side-by-side                                    # the full run (BENCHMARKS.md)
 *   npm run bench:side-by-side -- --people 20 --questions 5 --open-loop-seconds 1   # a quick one
 *
 * Updates go to each bot's `bot.handleUpdate` in process (Puente: its own Telegram channel, which
 * calls the engine); the Bot API is faked at grammY's transport (bench/fake-bot-api.ts), so no
 * network and no pacing. Every reply is checked (the next question with its buttons, the thanks at
 * the end) and so is every stored response: a run that measured error replies fails instead.
 *
 * Keys live under `puente-sbs:<random>` (Puente under `…:puente`, the peer under `…:peer`) and are
 * removed at the end with SCAN + UNLINK on that prefix (also on Ctrl-C). Never FLUSHALL/FLUSHDB.
 */
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Redis } from "ioredis";
import { CONSULTATION, consultationAnswers, consultationScript } from "./consultation.js";
import { FakeBotApi } from "./fake-bot-api.js";
import { GrammyConversationsBot } from "./peer/grammy-conversations.js";
import { PuenteBot } from "./puente-bot.js";
import { connect, countPrefix, dropPrefix, memoryUsage, type RedisTarget, redisCpuMs, redisVersion } from "./redis.js";
import { expectedAnswers, generateSurvey, type SurveySpec, writeSurveyFiles } from "./survey.js";
import { BenchError, type BotUnderTest, type Move } from "./walk.js";

interface Options {
  /** Which bots run: both unless told (`--bots puente` to profile one). */
  bots: Array<"puente" | "peer">;
  people: number;
  questions: number[];
  consultation: boolean;
  warmup: number;
  probe: number;
  sequential: number;
  openLoopRate: number;
  openLoopSeconds: number;
  openLoopPeople: number;
  openLoopQuestions: number;
  target: RedisTarget;
}

/** A bot in the run, with the fake Bot API it talks to and the people it has met. */
interface Contender {
  bot: BotUnderTest;
  fake: FakeBotApi;
  prefix: string;
  nextChat: number;
  /** Per survey, the people (by index: their answers) who went all the way through. */
  finished: Map<string, number[]>;
}

/** One person going through a script; `next` is the move they make next. */
interface Walker {
  chatId: number;
  person: number;
  moves: Move[];
  next: number;
}

/** What a survey is to the driver: moves per bot and what each person's response must hold. */
interface Survey {
  id: string;
  /** Questions, for the tables (the consultation: the moves that answer). */
  questions: number;
  script(contender: Contender, person: number): Move[];
  expected(person: number): Record<string, unknown>;
}

interface Phase {
  messages: number;
  wallMs: number;
  cpuMs: number;
  redisCpuMs: number;
}

interface LevelResult {
  bot: string;
  survey: string;
  questions: number;
  people: number;
  labels: string[];
  /** Moves before the first answer (the link; Puente's language picker). */
  openingMoves: number;
  opening: Phase;
  answering: Phase;
  /** Latency (ms) of each move under load, by position. */
  latencies: number[][];
  /** Latency (ms) of each move with one person at a time, by position. */
  sequential: number[][];
  /** Mean bytes per live chat, by kind of key, measured half-way. */
  live: Record<string, number>;
  liveAt: string;
  /** Bytes per stored response (the response stream, and Puente's set of participants). */
  responseBytes: number;
  responseKeys: string;
  walks: number;
  responses: number;
}

interface OpenLoopResult {
  bot: string;
  survey: string;
  rate: number;
  seconds: number;
  people: number;
  messages: number;
  latencies: number[];
  /** From the scheduled arrival to the moment the update was given to the bot. */
  delays: number[];
  /** handleUpdate alone. */
  handling: number[];
  wallMs: number;
  cpuMs: number;
  maxBacklog: number;
  /** How late the event loop ran (ms): whatever blocked it, our work, GC, or the machine taking the core away. */
  loopDelay: { p99: number; max: number };
  /** Garbage-collection pauses of the main thread during the window (ms). */
  gc: { total: number; max: number; count: number };
  /** Commands Redis itself took longer than its slowlog threshold to run, during the window. */
  redisStalls: { count: number; maxMs: number };
}

const stop = { requested: false };
/** p99 ≤ this under the open loop is the aim. */
const OPEN_LOOP_P99_AIM_MS = 10;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      bots: { type: "string", default: "puente,peer" },
      people: { type: "string", default: "1000" },
      questions: { type: "string", default: "5,20,80" },
      "skip-consultation": { type: "boolean", default: false },
      warmup: { type: "string", default: "50" },
      probe: { type: "string", default: "100" },
      sequential: { type: "string", default: "20" },
      "open-loop-rate": { type: "string", default: "2000" },
      "open-loop-seconds": { type: "string", default: "10" },
      "open-loop-people": { type: "string", default: "2000" },
      "open-loop-questions": { type: "string", default: "20" },
    },
  });
  const bots = values.bots.split(",").map((bot) => {
    if (bot !== "puente" && bot !== "peer") throw new BenchError(`--bots takes puente and/or peer, not "${bot}"`);
    return bot;
  });
  return {
    bots,
    people: whole("--people", values.people),
    questions: values.questions.split(",").map((part) => whole("--questions", part)),
    consultation: !values["skip-consultation"],
    warmup: whole("--warmup", values.warmup, 0),
    probe: whole("--probe", values.probe, 0),
    sequential: whole("--sequential", values.sequential),
    openLoopRate: whole("--open-loop-rate", values["open-loop-rate"]),
    openLoopSeconds: seconds("--open-loop-seconds", values["open-loop-seconds"]),
    openLoopPeople: whole("--open-loop-people", values["open-loop-people"]),
    openLoopQuestions: whole("--open-loop-questions", values["open-loop-questions"]),
    target: { url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" },
  };
}

function seconds(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new BenchError(`${name} must be a number of seconds ≥ 0, not "${text}"`);
  return value;
}

function whole(name: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new BenchError(`${name} must be a whole number ≥ ${min}, not "${text}"`);
  return value;
}

// ---------------------------------------------------------------------------------- walking

function walker(contender: Contender, survey: Survey, person: number): Walker {
  return {
    chatId: contender.nextChat++,
    person,
    moves: survey.script(contender, person),
    next: 0,
  };
}

/** Sends the walker's next move, checks the reply; returns the latency of `handleUpdate` in ms. */
async function playOne({ bot, fake }: Contender, walking: Walker): Promise<number> {
  // Ctrl-C: every walk stops at its next message, and the keys are still removed.
  if (stop.requested) throw new BenchError("stopped (Ctrl-C)");
  const move = walking.moves[walking.next];
  if (!move) throw new BenchError(`chat ${walking.chatId} has no move ${walking.next}`);
  const update = move.update(fake, walking.chatId);
  const started = performance.now();
  await bot.handleUpdate(update);
  const elapsed = performance.now() - started;
  try {
    move.check(fake.take(walking.chatId), fake, walking.chatId);
  } catch (error) {
    throw new BenchError(
      `${bot.name}, person ${walking.person}, move ${walking.next + 1} (${move.label}): ${(error as Error).message}`,
    );
  }
  walking.next++;
  return elapsed;
}

/** Plays moves up to (not including) `until`, recording each latency by position. */
async function play(contender: Contender, walking: Walker, until: number, latencies?: number[][]): Promise<void> {
  while (walking.next < until) {
    const position = walking.next;
    const elapsed = await playOne(contender, walking);
    latencies?.[position]?.push(elapsed);
  }
}

/** A walker who made every move: remembered for the response check, forgotten by the fake. */
function finish(contender: Contender, survey: Survey, walking: Walker): void {
  contender.fake.forget(walking.chatId);
  const done = contender.finished.get(survey.id) ?? [];
  done.push(walking.person);
  contender.finished.set(survey.id, done);
}

async function timed(admin: Redis, work: () => Promise<number>): Promise<Phase> {
  const cpuBefore = process.cpuUsage();
  const redisBefore = await redisCpuMs(admin);
  const started = performance.now();
  const messages = await work();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    messages,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    redisCpuMs: (await redisCpuMs(admin)) - redisBefore,
  };
}

// ---------------------------------------------------------------------------------- a level

async function runLevel(
  admin: Redis,
  contender: Contender,
  survey: Survey,
  options: Options,
  firstPerson: number,
): Promise<LevelResult> {
  let person = firstPerson;
  const sample = survey.script(contender, 0);
  const openingMoves = sample.findIndex((move) => move.answers);
  const total = sample.length;
  const walkAll = async (walkers: Walker[], until: number, latencies?: number[][]) => {
    await Promise.all(walkers.map((walking) => play(contender, walking, until, latencies)));
  };

  // Warm-up, not counted: the JIT and the connections settle. At least `warmup` people and 40 times
  // as many messages, so that a short survey warms up as much as a long one.
  const warmPeople = Math.max(options.warmup, Math.ceil((options.warmup * 40) / total));
  const warm = Array.from({ length: warmPeople }, () => walker(contender, survey, person++));
  await walkAll(warm, total);
  for (const walking of warm) finish(contender, survey, walking);

  // N people at once, each sending their next message when the reply to the last one is in:
  // first everyone opens the survey, then everyone answers it.
  const latencies = sample.map((): number[] => []);
  const crowd = Array.from({ length: options.people }, () => walker(contender, survey, person++));
  const opening = await timed(admin, async () => {
    await walkAll(crowd, openingMoves, latencies);
    return crowd.length * openingMoves;
  });
  const answering = await timed(admin, async () => {
    await walkAll(crowd, total, latencies);
    return crowd.length * (total - openingMoves);
  });
  for (const walking of crowd) finish(contender, survey, walking);

  // One person at a time: the cost of each message without queueing.
  const sequential = sample.map((): number[] => []);
  for (let at = 0; at < options.sequential && !stop.requested; at++) {
    const walking = walker(contender, survey, person++);
    await play(contender, walking, total, sequential);
    finish(contender, survey, walking);
  }

  // Live chats half-way, measured apart from the timings: the probe stops there, is measured, finishes.
  const half = openingMoves + Math.floor((total - openingMoves) / 2);
  const probe = Array.from({ length: options.probe }, () => walker(contender, survey, person++));
  await walkAll(probe, half);
  const live: Record<string, number> = {};
  for (const walking of probe) {
    const keys = await contender.bot.liveKeys(walking.chatId);
    for (const [kind, names] of Object.entries(keys)) {
      const sizes = await memoryUsage(admin, names);
      const missing = names.filter((_, at) => sizes[at] === 0);
      if (missing.length > 0)
        throw new BenchError(`${contender.bot.name}: no ${kind} key ${missing[0]} — did the key layout change?`);
      live[kind] = (live[kind] ?? 0) + sizes.reduce((sum, size) => sum + size, 0) / probe.length;
    }
  }
  await walkAll(probe, total);
  for (const walking of probe) finish(contender, survey, walking);

  const stored = await checkResponses(contender, survey);
  const { bytes, keys } = await responseFootprint(admin, contender.prefix, survey.id);
  return {
    bot: contender.bot.name,
    survey: survey.id,
    questions: survey.questions,
    people: options.people,
    labels: sample.map((move) => move.label),
    openingMoves,
    opening,
    answering,
    latencies,
    sequential,
    live,
    liveAt: `${half - openingMoves} of ${total - openingMoves} answers`,
    responseBytes: stored > 0 ? bytes / stored : Number.NaN,
    responseKeys: keys,
    walks: contender.finished.get(survey.id)?.length ?? 0,
    responses: stored,
  };
}

/** Every person who finished has exactly their answers stored, once; returns how many responses there are. */
async function checkResponses(contender: Contender, survey: Survey): Promise<number> {
  const { answers } = await contender.bot.storedResponses(survey.id);
  const people = contender.finished.get(survey.id) ?? [];
  const expected = people.map((person) => canonical(survey.expected(person))).sort();
  const got = answers.map(canonical).sort();
  if (got.length !== expected.length)
    throw new BenchError(
      `${contender.bot.name} ${survey.id}: ${got.length} responses stored for ${expected.length} people who finished`,
    );
  const wrong = got.findIndex((response, at) => response !== expected[at]);
  if (wrong >= 0)
    throw new BenchError(`${contender.bot.name} ${survey.id}: stored ${got[wrong]}, expected ${expected[wrong]}`);
  return got.length;
}

function canonical(value: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** The keys that hold a survey's responses under a prefix (named after the survey), and their MEMORY USAGE. */
async function responseFootprint(
  admin: Redis,
  prefix: string,
  surveyId: string,
): Promise<{ bytes: number; keys: string }> {
  const named = new RegExp(`[:{]${surveyId}}?$`);
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}:*${surveyId}*`, "COUNT", 1000);
    found.push(...keys.filter((key) => named.test(key)));
    cursor = next;
  } while (cursor !== "0");
  const sizes = await memoryUsage(admin, found);
  const described = await Promise.all(
    found.map(async (key, at) => `${key.slice(prefix.length + 1)} (${await admin.type(key)}, ${sizes[at]} B)`),
  );
  return { bytes: sizes.reduce((sum, size) => sum + size, 0), keys: described.join(", ") };
}

// ---------------------------------------------------------------------------------- open loop

/** A small seeded generator, so two runs draw the same arrivals and people. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** People part-way through the survey, none finished: the pool the open loop draws from. */
async function openLoopPool(
  contender: Contender,
  survey: Survey,
  people: number,
  firstPerson: number,
): Promise<Walker[]> {
  const draw = random(7);
  const pool = Array.from({ length: people }, (_, at) => walker(contender, survey, firstPerson + at));
  await Promise.all(pool.map((walking) => play(contender, walking, Math.floor(draw() * (walking.moves.length - 1)))));
  return pool;
}

/**
 * Messages arrive at random (exponential gaps) at `rate` a second in all, for `seconds`: each from a
 * person not waiting for a reply, chosen at random; a person who finishes is replaced by a new one
 * (who starts with the link). Latency runs from the arrival's scheduled time to the reply, so a
 * message that waited for the event loop or for a free person counts that wait.
 */
async function openLoop(
  admin: Redis,
  contender: Contender,
  survey: Survey,
  pool: Walker[],
  rate: number,
  seconds: number,
  nextPerson: () => number,
): Promise<OpenLoopResult> {
  const draw = random(rate);
  const idle = [...pool];
  pool.length = 0;
  const backlog: number[] = [];
  const latencies: number[] = [];
  const delays: number[] = [];
  const handling: number[] = [];
  let inFlight = 0;
  let maxBacklog = 0;
  let failure: unknown;
  const take = (): Walker | undefined => {
    if (idle.length === 0) return undefined;
    const at = Math.floor(draw() * idle.length);
    const chosen = idle[at];
    idle[at] = idle[idle.length - 1] as Walker;
    idle.pop();
    return chosen;
  };
  const dispatch = (walking: Walker, scheduled: number) => {
    inFlight++;
    delays.push(performance.now() - scheduled);
    playOne(contender, walking).then(
      (elapsed) => {
        handling.push(elapsed);
        latencies.push(performance.now() - scheduled);
        inFlight--;
        let current = walking;
        if (current.next >= current.moves.length) {
          finish(contender, survey, current);
          current = walker(contender, survey, nextPerson());
        }
        const waiting = backlog.shift();
        if (waiting !== undefined) dispatch(current, waiting);
        else idle.push(current);
      },
      (error: unknown) => {
        failure ??= error;
        inFlight--;
      },
    );
  };
  const slowlogBefore = await lastSlowlogId(admin);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const gc = { total: 0, max: 0, count: 0 };
  const gcWatch = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.total += entry.duration;
      gc.max = Math.max(gc.max, entry.duration);
      gc.count++;
    }
  });
  gcWatch.observe({ entryTypes: ["gc"] });
  loop.enable();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const end = started + seconds * 1000;
  let next = started - Math.log(1 - draw()) * (1000 / rate);
  while (next < end && failure === undefined && !stop.requested) {
    const now = performance.now();
    if (now >= next) {
      const walking = take();
      if (walking) dispatch(walking, next);
      else {
        backlog.push(next);
        maxBacklog = Math.max(maxBacklog, backlog.length);
      }
      next += -Math.log(1 - draw()) * (1000 / rate);
      continue;
    }
    // Arrivals due by now are dispatched at once; between them the clock sleeps (a millisecond at
    // least: timers are no finer) rather than spinning on the thread the bot runs on. The latency
    // still runs from each message's scheduled arrival, so a late wake-up counts against the bot.
    await sleep(Math.max(1, next - now - 1));
  }
  while ((inFlight > 0 || backlog.length > 0) && failure === undefined) await sleep(5);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  loop.disable();
  gcWatch.disconnect();
  if (failure !== undefined) throw failure;
  pool.push(...idle);
  return {
    bot: contender.bot.name,
    survey: survey.id,
    rate,
    seconds,
    people: pool.length,
    messages: latencies.length,
    latencies,
    delays,
    handling,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxBacklog,
    loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    gc,
    redisStalls: await slowlogSince(admin, slowlogBefore),
  };
}

type SlowlogEntry = [number, number, number, ...unknown[]];

/** The id of the newest SLOWLOG entry, to count only what comes after (the log is shared: never reset). */
async function lastSlowlogId(admin: Redis): Promise<number> {
  const [newest] = (await admin.slowlog("GET", 1)) as SlowlogEntry[];
  return newest ? newest[0] : -1;
}

async function slowlogSince(admin: Redis, after: number): Promise<{ count: number; maxMs: number }> {
  const entries = ((await admin.slowlog("GET", 1000)) as SlowlogEntry[]).filter(([id]) => id > after);
  return { count: entries.length, maxMs: Math.max(0, ...entries.map(([, , micros]) => micros / 1000)) };
}

// ---------------------------------------------------------------------------------- reporting

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN;
}

const ascending = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "–");
const grouped = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString("en-US").replaceAll(",", " ") : "–";
/** A ratio as the table shows it: 23×, 4.7×, 0.21×. */
const ratio = (value: number) =>
  Number.isFinite(value)
    ? `${value >= 10 ? value.toFixed(0) : value >= 1 ? value.toFixed(1) : value.toFixed(2)}×`
    : "–";
const times = (value: number) =>
  Number.isFinite(value) ? `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}×` : "–";

/** The figures of a level, as the table shows them. */
function figures(level: LevelResult) {
  const all = ascending(level.latencies.flat());
  const answerLatencies = level.latencies.slice(level.openingMoves);
  const messages = level.opening.messages + level.answering.messages;
  const wallMs = level.opening.wallMs + level.answering.wallMs;
  const answers = level.latencies.length - level.openingMoves;
  const first = level.openingMoves;
  const middle = level.openingMoves + Math.floor((answers - 1) / 2);
  const last = level.latencies.length - 1;
  const loadMean = (at: number) => mean(level.latencies[at] ?? []);
  const aloneMedian = (at: number) => percentile(ascending(level.sequential[at] ?? []), 50);
  return {
    perPerson: level.latencies.length,
    messagesPerSecond: (1000 * messages) / wallMs,
    answersPerSecond: (1000 * level.answering.messages) / level.answering.wallMs,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    answerP50: percentile(ascending(answerLatencies.flat()), 50),
    cpuPerMessage: (1000 * (level.opening.cpuMs + level.answering.cpuMs)) / messages,
    cpuPerAnswer: (1000 * level.answering.cpuMs) / level.answering.messages,
    redisPerMessage: (1000 * (level.opening.redisCpuMs + level.answering.redisCpuMs)) / messages,
    liveBytes: Object.values(level.live).reduce((sum, bytes) => sum + bytes, 0),
    loadMiddle: loadMean(middle) / loadMean(first),
    loadLast: loadMean(last) / loadMean(first),
    aloneFirst: aloneMedian(first),
    aloneMiddle: aloneMedian(middle) / aloneMedian(first),
    aloneLast: aloneMedian(last) / aloneMedian(first),
    aloneBeforeLast: aloneMedian(last - 1) / aloneMedian(first),
    positions: { first, middle, last },
  };
}

function reportLevel(level: LevelResult): void {
  const f = figures(level);
  const { first, middle, last } = f.positions;
  console.log(`\n== ${level.bot}, ${level.survey}: ${level.people} people at once, ${f.perPerson} messages each`);
  console.log(
    `opening             ${level.opening.messages} messages in ${fixed(level.opening.wallMs / 1000)} s (${level.labels.slice(0, level.openingMoves).join(", ")})`,
  );
  console.log(`answering           ${level.answering.messages} messages in ${fixed(level.answering.wallMs / 1000)} s`);
  console.log(`messages/s          ${grouped(f.messagesPerSecond)} (answers alone ${grouped(f.answersPerSecond)})`);
  console.log(`latency ms          p50 ${fixed(f.p50)}  p99 ${fixed(f.p99)}  (answers: p50 ${fixed(f.answerP50)})`);
  console.log(
    `cpu µs/message      node ${fixed(f.cpuPerMessage, 0)} (answers ${fixed(f.cpuPerAnswer, 0)}), redis ${fixed(f.redisPerMessage, 1)}`,
  );
  const line = (label: string, at: number) =>
    `  ${String(at + 1).padStart(3)}. ${(level.labels[at] ?? "").padEnd(28)} under load mean ${fixed(mean(level.latencies[at] ?? []))}  alone p50 ${fixed(percentile(ascending(level.sequential[at] ?? []), 50), 3)}  ${label}`;
  console.log("cost by position");
  console.log(line("first answer", first));
  console.log(line("middle answer", middle));
  if (last - 1 > middle) console.log(line("last answer asked before the end", last - 1));
  console.log(line("last answer (the response is stored)", last));
  console.log(
    `answer n / first    under load: middle ${fixed(f.loadMiddle)}, last ${fixed(f.loadLast)}; one person: middle ${fixed(f.aloneMiddle)}, last-but-one ${fixed(f.aloneBeforeLast)}, last ${fixed(f.aloneLast)}`,
  );
  const live = Object.entries(level.live)
    .map(([kind, bytes]) => `${kind} ${grouped(bytes)}`)
    .join(" + ");
  console.log(`redis per live chat ${grouped(f.liveBytes)} B after ${level.liveAt} (${live})`);
  console.log(`redis per response  ${grouped(level.responseBytes)} B (${level.responseKeys})`);
  console.log(
    `checked             ${level.walks} people went through ${level.survey}, every reply as expected; ${level.responses} responses stored, each with its person's answers`,
  );
}

function reportOpenLoop(result: OpenLoopResult): void {
  const sorted = ascending(result.latencies);
  console.log(
    `open loop           ${result.bot}, ${result.survey}: ${result.rate} msg/s offered for ${result.seconds} s over ${result.people} people → ` +
      `${result.messages} messages in ${fixed(result.wallMs / 1000)} s; latency from arrival p50 ${fixed(percentile(sorted, 50))} ms, ` +
      `p99 ${fixed(percentile(sorted, 99))} ms, max ${fixed(percentile(sorted, 100))} ms (of which: waiting to be handled p99 ${fixed(percentile(ascending(result.delays), 99))} ms, handleUpdate p99 ${fixed(percentile(ascending(result.handling), 99))} ms); most waiting for a free person ${result.maxBacklog}; ` +
      `cpu ${fixed((1000 * result.cpuMs) / Math.max(1, result.messages), 0)} µs/message (with the arrival clock)`,
  );
  console.log(
    `  while it ran       event loop late p99 ${fixed(result.loopDelay.p99)} ms, max ${fixed(result.loopDelay.max)} ms; ` +
      `GC paused the main thread ${result.gc.count} times, ${fixed(result.gc.total)} ms in all, longest ${fixed(result.gc.max)} ms; ` +
      `Redis itself ran ${result.redisStalls.count} commands slower than its slowlog threshold (longest ${fixed(result.redisStalls.maxMs)} ms)`,
  );
}

function reportTable(levels: LevelResult[], open: OpenLoopResult[], options: Options): void {
  console.log("\n## Side by side");
  console.log(
    "\n| survey | bot | msgs/person | msgs/s | p50 ms | p99 ms | CPU µs/msg | CPU µs/answer | Redis CPU µs/msg | Redis B/live chat | B/stored response | answer mid÷1st, last÷1st (load) | answer mid÷1st, last÷1st (one person) |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  const row = (level: LevelResult) => {
    const f = figures(level);
    console.log(
      `| ${level.survey} | ${level.bot} | ${f.perPerson} | ${grouped(f.messagesPerSecond)} | ${fixed(f.p50, 1)} | ${fixed(f.p99, 1)} | ${grouped(f.cpuPerMessage)} | ${grouped(f.cpuPerAnswer)} | ${fixed(f.redisPerMessage, 0)} | ${grouped(f.liveBytes)} | ${grouped(level.responseBytes)} | ${fixed(f.loadMiddle)}, ${fixed(f.loadLast)} | ${fixed(f.aloneMiddle)}, ${fixed(f.aloneLast)} |`,
    );
  };
  for (const questions of options.questions) {
    const survey = `survey${questions}`;
    const puente = levels.find((level) => level.survey === survey && level.bot === "Puente");
    const peer = levels.find((level) => level.survey === survey && level.bot !== "Puente");
    if (puente) row(puente);
    if (peer) row(peer);
    if (puente && peer) {
      const a = figures(puente);
      const b = figures(peer);
      console.log(
        `| ${survey} | **Puente ÷ peer** | | **${ratio(a.messagesPerSecond / b.messagesPerSecond)}** | ${ratio(a.p50 / b.p50)} | ${ratio(a.p99 / b.p99)} | ${ratio(a.cpuPerMessage / b.cpuPerMessage)} | ${ratio(a.cpuPerAnswer / b.cpuPerAnswer)} | ${ratio(a.redisPerMessage / b.redisPerMessage)} | ${ratio(a.liveBytes / b.liveBytes)} | ${ratio(puente.responseBytes / peer.responseBytes)} | | |`,
      );
    }
  }
  const consultation = levels.find((level) => level.survey === CONSULTATION);
  if (consultation) row(consultation);
  if (open.length > 0) {
    console.log(
      "\n| open loop | bot | offered msg/s | seconds | people | messages | p50 ms | p99 ms | max ms | handleUpdate p99 ms | GC pauses ms (longest) |",
    );
    console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const result of open) {
      const sorted = ascending(result.latencies);
      console.log(
        `| ${result.survey} | ${result.bot} | ${grouped(result.rate)} | ${result.seconds} | ${grouped(result.people)} | ${grouped(result.messages)} | ${fixed(percentile(sorted, 50), 1)} | ${fixed(percentile(sorted, 99), 1)} | ${fixed(percentile(sorted, 100), 1)} | ${fixed(percentile(ascending(result.handling), 99), 1)} | ${grouped(result.gc.total)} (${fixed(result.gc.max, 1)}) |`,
      );
    }
  }
  reportAims(levels, open, options);
}

function reportAims(levels: LevelResult[], open: OpenLoopResult[], options: Options): void {
  const find = (questions: number, puente: boolean) =>
    levels.find((level) => level.survey === `survey${questions}` && (level.bot === "Puente") === puente);
  const aims: Array<[string, string, boolean | undefined]> = [];
  const throughput = (questions: number, aim: number) => {
    const a = find(questions, true);
    const b = find(questions, false);
    const ratio = a && b ? figures(a).messagesPerSecond / figures(b).messagesPerSecond : Number.NaN;
    aims.push([
      `Puente ≥ ${aim}× the peer's messages/s at ${questions} questions`,
      times(ratio),
      Number.isFinite(ratio) ? ratio >= aim : undefined,
    ]);
  };
  throughput(20, 4);
  throughput(80, 10);
  const at5 = find(5, true);
  const at80 = find(80, true);
  const growth = at5 && at80 ? figures(at80).cpuPerAnswer / figures(at5).cpuPerAnswer : Number.NaN;
  aims.push([
    "Puente's CPU per answer at 80 questions within 10 % of at 5",
    `${fixed(growth)} (${grouped(at80 ? figures(at80).cpuPerAnswer : Number.NaN)} vs ${grouped(at5 ? figures(at5).cpuPerAnswer : Number.NaN)} µs)`,
    Number.isFinite(growth) ? growth <= 1.1 : undefined,
  ]);
  const puenteLevels = levels.filter((level) => level.bot === "Puente");
  const largestOf = (bytes: (level: LevelResult) => number) => {
    const largest = puenteLevels.reduce<LevelResult | undefined>(
      (found, level) => (found && bytes(found) >= bytes(level) ? found : level),
      undefined,
    );
    return largest ? { bytes: bytes(largest), at: largest.survey } : undefined;
  };
  const session = largestOf((level) => level.live.session ?? Number.NaN);
  aims.push([
    "≤ 1 KB of Redis per live Puente session (its session record, half-way; largest survey)",
    session ? `${grouped(session.bytes)} B (${session.at})` : "–",
    session ? session.bytes <= 1024 : undefined,
  ]);
  const chat = largestOf((level) => figures(level).liveBytes);
  aims.push([
    "… and counting every key Puente keeps for a live chat (the session, and the chat's memory: its last updates, the question shown)",
    chat ? `${grouped(chat.bytes)} B (${chat.at})` : "–",
    chat ? chat.bytes <= 1024 : undefined,
  ]);
  const puenteOpen = open.find((result) => result.bot === "Puente" && result.rate === options.openLoopRate);
  const p99 = puenteOpen ? percentile(ascending(puenteOpen.latencies), 99) : Number.NaN;
  aims.push([
    `Puente p99 ≤ ${OPEN_LOOP_P99_AIM_MS} ms per message at ${options.openLoopRate} msg/s arriving at random`,
    `${fixed(p99)} ms`,
    puenteOpen ? p99 <= OPEN_LOOP_P99_AIM_MS : undefined,
  ]);
  console.log("\n| aim | measured | met |");
  console.log("|---|---:|---|");
  for (const [aim, measured, met] of aims)
    console.log(`| ${aim} | ${measured} | ${met === undefined ? "not measured" : met ? "yes" : "**no**"} |`);
}

// ---------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const prefix = `puente-sbs:${randomBytes(4).toString("hex")}`;
  const specs = [...new Set([...options.questions, options.openLoopQuestions])].map(generateSurvey);
  const files = writeSurveyFiles(root, specs);
  const admin = connect(options.target);
  process.once("SIGINT", () => {
    stop.requested = true;
  });
  const peerRedis = connect(options.target);
  const puenteFake = new FakeBotApi();
  const peerFake = new FakeBotApi();
  let puente: PuenteBot | undefined;
  const levels: LevelResult[] = [];
  const open: OpenLoopResult[] = [];
  try {
    try {
      await admin.ping();
    } catch (error) {
      throw new BenchError(
        `Redis at ${options.target.url} did not answer (${(error as Error).message}); set REDIS_URL`,
      );
    }
    puente = new PuenteBot({
      root,
      flowsDir: files.flows,
      localesDir: files.locales,
      target: options.target,
      prefix: `${prefix}:puente`,
      fake: puenteFake,
    });
    const peer = new GrammyConversationsBot({
      redis: peerRedis,
      prefix: `${prefix}:peer`,
      fake: peerFake,
      surveys: specs,
    });
    const contenders: Contender[] = [
      { bot: puente, fake: puenteFake, prefix: `${prefix}:puente`, nextChat: 100_000_001, finished: new Map() },
      { bot: peer, fake: peerFake, prefix: `${prefix}:peer`, nextChat: 100_000_001, finished: new Map() },
    ].filter((contender) => options.bots.includes(contender.bot === puente ? "puente" : "peer"));
    const surveyOf = (spec: SurveySpec): Survey => ({
      id: spec.id,
      questions: spec.questions.length,
      script: (contender, person) => contender.bot.surveyScript(spec, person),
      expected: (person) => expectedAnswers(spec, person),
    });
    const cpu = cpus()[0]?.model ?? "unknown cpu";
    // Node's own flags (tsx's loader and its flag left out).
    const flags = process.execArgv
      .filter((flag, at, all) => !flag.includes("tsx") && !all[at + 1]?.includes("tsx"))
      .join(" ");
    console.log(
      `puente side-by-side benchmark — node ${process.version}${flags ? ` (${flags})` : ""}, ${availableParallelism()} cpus (${cpu}), redis ${await redisVersion(admin)}, prefix ${prefix}`,
    );
    console.log(
      `${options.people} people at once; surveys of ${options.questions.join(", ")} questions${options.consultation ? " and the consultation (Puente)" : ""}; ` +
        `warm-up ≥ ${options.warmup} people and ≥ ${options.warmup * 40} messages per level, one-at-a-time ${options.sequential}, live-chat probe ${options.probe}; load ${loadavg()
          .map((value) => value.toFixed(2))
          .join(" ")}`,
    );
    for (const questions of options.questions) {
      const spec = specs.find((candidate) => candidate.questions.length === questions);
      if (!spec) continue;
      for (const contender of contenders) {
        if (stop.requested) break;
        const level = await runLevel(admin, contender, surveyOf(spec), options, 0);
        levels.push(level);
        reportLevel(level);
      }
    }
    if (options.consultation && !stop.requested) {
      const subject = contenders.find((contender) => contender.bot === puente);
      if (subject) {
        const consultation: Survey = {
          id: CONSULTATION,
          questions: consultationScript(puente).filter((move) => move.answers).length,
          script: () => consultationScript(puente as PuenteBot),
          expected: () => consultationAnswers(),
        };
        const level = await runLevel(admin, subject, consultation, options, 0);
        levels.push(level);
        reportLevel(level);
      }
    }
    const openSpec = specs.find((spec) => spec.questions.length === options.openLoopQuestions);
    if (openSpec && options.openLoopSeconds > 0) {
      console.log("");
      const survey = surveyOf(openSpec);
      for (const contender of contenders) {
        if (stop.requested) break;
        let person = 1_000_000;
        const pool = await openLoopPool(contender, survey, options.openLoopPeople, person);
        person += pool.length;
        const nextPerson = () => person++;
        // A bot that misses the aim is offered half as much until it meets it (three times at most),
        // to tell at what rate it can.
        for (let rate = options.openLoopRate, tries = 0; tries < 4 && !stop.requested; rate /= 2, tries++) {
          const result = await openLoop(
            admin,
            contender,
            survey,
            pool,
            Math.round(rate),
            options.openLoopSeconds,
            nextPerson,
          );
          open.push(result);
          reportOpenLoop(result);
          if (percentile(ascending(result.latencies), 99) <= OPEN_LOOP_P99_AIM_MS) break;
        }
        await checkResponses(contender, survey);
      }
    }
    reportTable(levels, open, options);
  } finally {
    await puente?.close();
    await peerRedis.quit();
    const deleted = await dropPrefix(admin, prefix);
    const left = await countPrefix(admin, prefix);
    console.log(`\ncleanup             deleted ${deleted} keys under ${prefix}:*, ${left} left`);
    await admin.quit();
    rmSync(dirname(files.flows), { recursive: true, force: true });
  }
}

await main();
