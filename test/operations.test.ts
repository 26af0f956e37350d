import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebReply } from "../src/channels/web/channel.js";
import { lastPrompt } from "../src/core/engine/messages.js";
import {
  DEFAULT_POLICIES,
  type FailedJob,
  type JobQueue,
  type QueueName,
  type QueuePolicy,
} from "../src/core/store/jobs.js";
import { MemoryCaseIndex } from "../src/core/store/memory/cases.js";
import { MemoryJobQueue } from "../src/core/store/memory/jobs.js";
import { BullJobQueue } from "../src/core/store/redis/jobs.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { PuenteMetrics } from "../src/runtime/metrics.js";
import { operationsRoutes } from "../src/runtime/operations.js";
import { until } from "./support/handoff.js";
import { CASES_ON, dropPrefix, quiet, REDIS_URL, TEST_SECRET, testConfig, testPrefix } from "./support/puente.js";
import { WebChatClient } from "./support/web.js";

/** Operators' routes over real HTTP: /readyz, and /metrics for staff tokens only, on memory and on Redis. */
const TOKEN = "metrics-token-metrics-token-metrics-0123";
const OTHER = "another-token-another-token-another-0123";
const STAFF_TOKENS = `prometheus:${TOKEN},grafana:${OTHER}`;
const WRONG = "wrong-token-wrong-token-wrong-token-01234";
/** What typed text and chats may never show up as: labels are channel kinds, reply kinds, queues, states. */
const ALLOWED_LABELS = new Set(["channel", "kind", "queue", "state", "le"]);

/** One sample line of the exposition text: `name{labels} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samples(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]),
      );
      return { name: match[1] ?? "", labels: labels as Record<string, string>, value: Number(match[3]) };
    });
}

/** The value of one sample, 0 when it is not there (yet). */
function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const found = samples(text).find(
    (sample) =>
      sample.name === name &&
      Object.keys(labels).length === Object.keys(sample.labels).length &&
      Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
  );
  return found?.value ?? 0;
}

async function scrape(url: string, token: string | undefined): Promise<Response> {
  return fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

async function metricsText(url: string): Promise<string> {
  const response = await scrape(url, TOKEN);
  expect(response.status).toBe(200);
  return response.text();
}

/** Taps the choice of the reply's last prompt that has this label. */
async function tap(person: WebChatClient, reply: WebReply, label: string): Promise<WebReply> {
  const choice = lastPrompt(reply.messages)?.choices.find((candidate) => candidate.label === label);
  if (!choice) throw new Error(`no choice "${label}"`);
  return person.say({ kind: "choice", token: choice.token });
}

const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) await dropPrefix(prefix);
});

describe.each([
  ["memory", () => ({})],
  [
    "redis",
    () => {
      const prefix = testPrefix("operations");
      prefixes.push(prefix);
      return { REDIS_URL, REDIS_PREFIX: prefix };
    },
  ],
])("operations on %s", (_, store) => {
  let puente: Puente;
  let url: string;
  beforeAll(async () => {
    // Cases on, with a webhook nobody listens to: its job fails and waits for a retry (queue depth).
    puente = await startPuente(
      testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", STAFF_TOKENS, ...CASES_ON, ...store() }),
      quiet,
    );
    url = `http://127.0.0.1:${puente.port}`;
  });
  afterAll(() => puente.close());

  it("/readyz says ready: the store answers and the channels started", async () => {
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ready: true, notReady: [], store: "ok", channels: { web: "started" } });
  });

  it("/healthz still says the process is alive, as before", async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, cases: true });
  });

  it.each([
    ["no Authorization", undefined],
    ["a wrong token", WRONG],
    ["a token of another shape", "x"],
  ])("/metrics refuses %s with 401 JSON and nothing of the metrics", async (_, token) => {
    const response = await scrape(url, token);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    const body = await response.text();
    expect(JSON.parse(body)).toHaveProperty("error");
    expect(body).not.toContain("puente_");
  });

  it("/metrics takes every configured token", async () => {
    for (const token of [TOKEN, OTHER]) {
      const response = await scrape(url, token);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    }
  });

  it("counts web messages, replies, latency, queue depth and open cases, with no chat nor text in them", async () => {
    const before = await metricsText(url);
    const person = new WebChatClient(url);
    let reply = await person.say("/start");
    await person.say("texto-privado-9876"); // not a menu choice: asked again
    reply = await person.say("/persona");
    reply = await tap(person, reply, puente.texts.t("es", "persona:topic.options.papers"));
    reply = await tap(person, reply, puente.texts.t("es", "common:answer.yes"));
    const sent = 5;

    // The case opens and its webhook job fails (nobody listens) and waits for its next try.
    await until(async () => {
      const text = await metricsText(url);
      return (
        value(text, "puente_cases_open", { state: "waiting" }) === 1 &&
        value(text, "puente_queue_depth", { queue: "webhook" }) >= 1 &&
        value(text, "puente_job_failures_total", { queue: "webhook" }) >= 1
      );
    }, "the case, its webhook job and its failed try");
    const text = await metricsText(url);
    const web = { channel: "web" };
    const grew = (name: string, labels: Record<string, string> = {}) =>
      value(text, name, labels) - value(before, name, labels);
    expect(grew("puente_messages_in_total", web)).toBe(sent);
    expect(grew("puente_message_handling_seconds_count", web)).toBe(sent);
    expect(grew("puente_message_handling_seconds_sum", web)).toBeGreaterThan(0);
    expect(grew("puente_message_handling_seconds_bucket", { ...web, le: "+Inf" })).toBe(sent);
    expect(grew("puente_messages_out_total", web)).toBeGreaterThanOrEqual(sent);
    expect(grew("puente_replies_total", { kind: "reprompt" })).toBe(1);
    expect(grew("puente_replies_total", { kind: "done" })).toBe(1);
    expect(grew("puente_replies_total", { kind: "question" })).toBeGreaterThanOrEqual(1);
    expect(grew("puente_message_failures_total", web)).toBe(0);
    expect(value(text, "puente_store_up")).toBe(1);
    for (const queue of ["staff", "webhook", "person", "whatsapp", "upkeep"])
      expect(samples(text).some((s) => s.name === "puente_queue_depth" && s.labels.queue === queue)).toBe(true);
    expect(text).toContain("process_cpu_seconds_total");

    // Nothing names the chat (its id, its hash) or repeats what was typed.
    const chatId = person.cookie?.split("=")[1]?.split(".")[0] ?? "";
    expect(chatId).toMatch(/^[0-9a-f-]{36}$/);
    for (const secret of [chatId, puente.engine.chatKey("web", chatId), "texto-privado-9876"])
      expect(text).not.toContain(secret);
    const labels = new Set(
      samples(text)
        .filter((sample) => sample.name.startsWith("puente_"))
        .flatMap((sample) => Object.keys(sample.labels)),
    );
    expect([...labels].filter((label) => !ALLOWED_LABELS.has(label))).toEqual([]);
  });
});

describe("operations with Redis away", () => {
  it("/readyz says 503 naming the store; /metrics still answers: store_up 0, no queue depth, a try-again", async () => {
    const puente = await startPuente(
      testConfig({
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
        REDIS_URL: "redis://127.0.0.1:1",
        ANON_SECRET: TEST_SECRET,
        STAFF_TOKENS,
      }),
      quiet,
    );
    try {
      const url = `http://127.0.0.1:${puente.port}`;
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        ready: false,
        notReady: ["store"],
        store: "unavailable",
        channels: { web: "started" },
      });
      await new WebChatClient(url).say("hola"); // asked to try again: counted as a failure
      const text = await metricsText(url);
      expect(value(text, "puente_store_up")).toBe(0);
      expect(text).not.toMatch(/^puente_queue_depth\{/m);
      expect(value(text, "puente_replies_total", { kind: "try-again" })).toBe(1);
      expect(value(text, "puente_message_failures_total", { channel: "web" })).toBe(1);
    } finally {
      await puente.close();
    }
  });
});

describe("operations routes alone", () => {
  const jobs = new MemoryJobQueue();
  afterAll(() => jobs.close());
  const routes = (started: boolean, isStaff: boolean) =>
    operationsRoutes({
      readiness: {
        store: async () => {},
        channels: () => [
          { kind: "web", started: true },
          { kind: "telegram", started },
        ],
      },
      metrics: new PuenteMetrics({ jobs, caseIndex: new MemoryCaseIndex() }),
      access: { tokens: [{ name: "prometheus", token: TOKEN }], isStaff: async () => isStaff },
      logger: quiet,
    });

  it("/readyz says 503 while a channel has not started, naming it", async () => {
    const response = await routes(false, false).request("/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      ready: false,
      notReady: ["telegram"],
      store: "ok",
      channels: { web: "started", telegram: "starting" },
    });
  });

  it("/metrics answers a staff session without a token, and nobody else", async () => {
    expect((await routes(true, true).request("/metrics")).status).toBe(200);
    expect((await routes(true, false).request("/metrics")).status).toBe(401);
    const withToken = await routes(true, false).request("/metrics", { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(withToken.status).toBe(200);
  });
});

/** The job queue's counts, on both backends: what the queue-depth gauge reads. */
const policies: Record<QueueName, QueuePolicy> = {
  ...DEFAULT_POLICIES,
  staff: { attempts: 1, backoffMs: 10, concurrency: 1 },
};
const queues: JobQueue[] = [];
afterAll(async () => {
  for (const queue of queues) await queue.close();
});

describe.each<[string, (failed: FailedJob[]) => JobQueue]>([
  ["memory", (failed) => new MemoryJobQueue(policies, (failure) => failed.push(failure))],
  [
    "bullmq",
    (failed) => {
      const prefix = testPrefix("operations-jobs");
      prefixes.push(prefix);
      return new BullJobQueue(REDIS_URL, prefix, policies, (failure) => failed.push(failure));
    },
  ],
])("job counts: %s", (_, open) => {
  const failures: FailedJob[] = [];
  const jobs = open(failures);
  queues.push(jobs);

  it("counts jobs waiting, delayed, and failed for good", async () => {
    expect(await jobs.counts("person")).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 0 });
    await jobs.add("person", "now-1", {});
    await jobs.add("person", "later-1", {}, { delayMs: 60_000 });
    expect(await jobs.counts("person")).toEqual({ waiting: 1, delayed: 1, active: 0, failed: 0 });
    const worker = jobs.work("staff", async () => {
      throw new Error("staff group away");
    });
    await jobs.add("staff", "fails-1", {});
    await until(() => failures.length === 1, "the failure");
    await until(async () => (await jobs.counts("staff")).failed === 1, "the failed count");
    expect(await jobs.counts("staff")).toEqual({ waiting: 0, delayed: 0, active: 0, failed: 1 });
    await worker.close();
  });
});
