/**
 * Puente as several replicas share it: the same survey, the same people and the same path as the
 * side-by-side benchmark (updates to Puente's own Telegram channel, the Bot API faked at grammY's
 * transport), on three set-ups one after the other:
 *
 *   one replica on one Redis · two replicas on one Redis · two replicas on a Redis Cluster of three masters
 *
 *   npm run bench:replicas                                  # 1000 people, 20 questions
 *   npm run bench:replicas -- --people 20 --questions 5     # a quick one
 *   npm run bench:replicas -- --cluster 10.0.0.1:7000,…     # a cluster of your own instead of a local one
 *
 * Each replica is a whole Puente core with its own connections and its own Telegram channel; the
 * updates of every person alternate between the replicas, as a load balancer in front of webhook
 * replicas would send them. Both replicas run in this one process: on the 2-core machine the
 * figures in BENCHMARKS.md come from, a second Node process would only compete with Redis for the
 * same cores, so the run measures what sharing costs (connections, hash slots, retries of a
 * compare-and-set that another replica won), not added capacity. Every reply is checked, and every
 * stored response against its person's answers.
 *
 * Without --cluster a local cluster is started (scripts/local-cluster.ts: redis-server and
 * redis-cli on free ports) and removed after. Keys on the shared Redis go under
 * `puente-replicas:<random>` and are removed at the end. Never FLUSHALL.
 */
import { randomBytes } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Cluster } from "ioredis";
import { startLocalCluster } from "../scripts/local-cluster.js";
import type { ClusterNode } from "../src/core/store/redis/client.js";
import { FakeBotApi } from "./fake-bot-api.js";
import { PuenteBot } from "./puente-bot.js";
import { connect, dropPrefix, type RedisTarget } from "./redis.js";
import { expectedAnswers, generateSurvey, type SurveySpec, writeSurveyFiles } from "./survey.js";
import { BenchError, type Move } from "./walk.js";

interface Options {
  people: number;
  questions: number;
  redisUrl: string;
  cluster: ClusterNode[] | undefined;
}

interface SetUp {
  name: string;
  replicas: number;
  target: RedisTarget;
}

interface Result {
  setUp: SetUp;
  messages: number;
  wallMs: number;
  cpuMs: number;
  latencies: number[];
  /** How many updates each replica handled. */
  perReplica: number[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      people: { type: "string", default: "1000" },
      questions: { type: "string", default: "20" },
      cluster: { type: "string" },
    },
    strict: true,
  });
  const whole = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1)
      throw new BenchError(`--${name} must be a whole number ≥ 1, not "${text}"`);
    return value;
  };
  return {
    people: whole("people", values.people),
    questions: whole("questions", values.questions),
    redisUrl: process.env.REDIS_URL || "redis://127.0.0.1:6379",
    cluster: values.cluster?.split(",").map((node) => {
      const [host = "", port = ""] = node.trim().split(":");
      if (!host || !/^\d+$/.test(port)) throw new BenchError(`--cluster takes host:port,host:port, not "${node}"`);
      return { host, port: Number(port) };
    }),
  };
}

/** Replicas of Puente on one target, one fake Telegram they all answer through; updates alternate between them. */
class Replicas {
  readonly bots: PuenteBot[];
  readonly handled: number[];
  #turn = 0;

  constructor(
    readonly fake: FakeBotApi,
    setUp: SetUp,
    files: { root: string; flows: string; locales: string },
    prefix: string,
  ) {
    // One deployment: the replicas share ANON_SECRET, which names the sessions.
    const anonSecret = randomBytes(32).toString("hex");
    this.bots = Array.from(
      { length: setUp.replicas },
      () =>
        new PuenteBot({
          root: files.root,
          flowsDir: files.flows,
          localesDir: files.locales,
          target: setUp.target,
          prefix,
          fake,
          anonSecret,
        }),
    );
    this.handled = this.bots.map(() => 0);
  }

  handleUpdate(update: Parameters<PuenteBot["handleUpdate"]>[0]): Promise<void> {
    const at = this.#turn++ % this.bots.length;
    this.handled[at] = (this.handled[at] ?? 0) + 1;
    return (this.bots[at] as PuenteBot).handleUpdate(update);
  }

  async close(): Promise<void> {
    for (const bot of this.bots) await bot.close();
  }
}

/** 1,000 people at once, each sending their next answer when the reply to the last one came. */
async function run(replicas: Replicas, spec: SurveySpec, options: Options, setUp: SetUp): Promise<Result> {
  const first = replicas.bots[0] as PuenteBot;
  const latencies: number[] = [];
  const walk = async (person: number, chatId: number) => {
    const moves: Move[] = first.surveyScript(spec, person);
    for (const [at, move] of moves.entries()) {
      const update = move.update(replicas.fake, chatId);
      const started = performance.now();
      await replicas.handleUpdate(update);
      latencies.push(performance.now() - started);
      try {
        move.check(replicas.fake.take(chatId), replicas.fake, chatId);
      } catch (error) {
        throw new BenchError(
          `${setUp.name}, person ${person}, move ${at + 1} (${move.label}): ${(error as Error).message}`,
        );
      }
    }
    replicas.fake.forget(chatId);
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: options.people }, (_, person) => walk(person, 200_000_001 + person)));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await checkResponses(first, spec, options.people, setUp.name);
  return {
    setUp,
    messages: latencies.length,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    latencies: latencies.sort((a, b) => a - b),
    perReplica: [...replicas.handled],
  };
}

/** One response per person, each with that person's answers: nothing lost or doubled between replicas. */
async function checkResponses(bot: PuenteBot, spec: SurveySpec, people: number, where: string): Promise<void> {
  const stored = (await bot.storedResponses(spec.id)).answers.map((answers) => JSON.stringify(sorted(answers)));
  const expected = Array.from({ length: people }, (_, person) => JSON.stringify(sorted(expectedAnswers(spec, person))));
  if (stored.length !== people)
    throw new BenchError(`${where}: ${stored.length} responses stored for ${people} people`);
  const left = new Set(stored);
  for (const one of expected) if (!left.has(one)) throw new BenchError(`${where}: a person's response is missing`);
}

function sorted(answers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(answers).sort(([a], [b]) => a.localeCompare(b)));
}

/** On a cluster of someone else's: every key under the prefix, from each master. */
async function dropOnCluster(nodes: ClusterNode[], prefix: string): Promise<void> {
  const cluster = new Cluster(nodes);
  try {
    await new Promise((resolve) => cluster.once("ready", resolve));
    for (const node of cluster.nodes("master")) {
      for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
        let cursor = "0";
        do {
          const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
          for (const key of keys) await node.unlink(key);
          cursor = next;
        } while (cursor !== "0");
      }
    }
  } finally {
    cluster.disconnect();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const number = (value: number, digits = 0) =>
  value.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits }).replaceAll(",", " ");

function report(results: Result[], options: Options): void {
  console.log("");
  console.log(`| set-up | msgs/s | p50 ms | p99 ms | node CPU µs/msg | ÷ one replica on one Redis (msgs/s) |`);
  console.log("|---|---:|---:|---:|---:|---:|");
  const base = results[0];
  for (const result of results) {
    const rate = (result.messages / result.wallMs) * 1000;
    const baseRate = base ? (base.messages / base.wallMs) * 1000 : rate;
    console.log(
      `| ${result.setUp.name} | ${number(rate)} | ${number(percentile(result.latencies, 50), 1)} | ${number(percentile(result.latencies, 99), 1)} | ${number((result.cpuMs * 1000) / result.messages)} | ${number(rate / baseRate, 2)} |`,
    );
  }
  console.log("");
  console.log(
    `${options.people} people at once, ${options.questions} questions each (${results[0]?.messages ?? 0} messages per set-up); updates per replica: ${results.map((result) => `${result.setUp.name} ${result.perReplica.join("/")}`).join("; ")}`,
  );
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const spec = generateSurvey(options.questions);
  const files = { root, ...writeSurveyFiles(root, [spec]) };
  const prefix = `puente-replicas:${randomBytes(4).toString("hex")}`;
  const local = options.cluster ? undefined : await startLocalCluster();
  const cluster = options.cluster ?? local?.nodes ?? [];
  const single: RedisTarget = { url: options.redisUrl };
  const setUps: SetUp[] = [
    { name: "1 replica, one Redis", replicas: 1, target: single },
    { name: "2 replicas, one Redis", replicas: 2, target: single },
    { name: "2 replicas, Redis Cluster (3 masters)", replicas: 2, target: { url: options.redisUrl, cluster } },
  ];
  console.log(
    `puente replicas benchmark — node ${process.version}, ${availableParallelism()} cpus, ${options.people} people, ${options.questions} questions; ` +
      `cluster ${cluster.map(({ host, port }) => `${host}:${port}`).join(",")}${local ? " (started for this run)" : ""}; load ${loadavg()
        .map((value) => value.toFixed(2))
        .join(" ")}`,
  );
  const admin = connect(single);
  const results: Result[] = [];
  try {
    for (const [at, setUp] of setUps.entries()) {
      // A few people first, on keys of their own, so that connecting and warming up are not measured.
      const warming = new Replicas(new FakeBotApi(), setUp, files, `${prefix}:${at}:warm-up`);
      await run(warming, spec, { ...options, people: Math.min(20, options.people) }, setUp).finally(() =>
        warming.close(),
      );
      const measured = new Replicas(new FakeBotApi(), setUp, files, `${prefix}:${at}`);
      try {
        const result = await run(measured, spec, options, setUp);
        results.push(result);
        console.log(
          `${setUp.name.padEnd(40)} ${number((result.messages / result.wallMs) * 1000)} msg/s, p50 ${number(percentile(result.latencies, 50), 1)} ms, p99 ${number(percentile(result.latencies, 99), 1)} ms; every reply and response checked`,
        );
      } finally {
        await measured.close();
      }
    }
    report(results, options);
  } finally {
    const deleted = await dropPrefix(admin, prefix);
    admin.disconnect();
    if (options.cluster) await dropOnCluster(options.cluster, prefix);
    await local?.stop();
    console.log(
      `cleanup             deleted ${deleted} keys under ${prefix}:* on the one Redis${local ? "; the local cluster stopped and removed" : ""}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof BenchError ? error.message : error);
  process.exit(1);
});
