import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import type { Cases } from "../src/core/cases/cases.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { signature } from "../src/staff/webhook/webhook.js";
import { FAST_POLICIES, until } from "./support/handoff.js";
import {
  capturingLogger,
  dropPrefix,
  dumpRedis,
  REDIS_URL,
  TEST_CONTACT_KEY,
  testConfig,
  testPrefix,
} from "./support/puente.js";
import { WebChatClient } from "./support/web.js";

/**
 * The staff webhook over real HTTP: a case opened by a person on the web chat is POSTed, signed,
 * to the office's system through the job queue. A receiver that fails twice gets it on the third
 * try, once; one that never accepts leaves a failed job staff can see, and the bot runs on.
 */
const SECRET = "office-webhook-secret-office-webhook-secret";
const opened: Array<{ close(): Promise<void> }> = [];
const prefixes: string[] = [];
afterAll(async () => {
  for (const thing of opened) await thing.close();
  for (const prefix of prefixes) await dropPrefix(prefix);
});

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver answering `statuses` in turn (the last one from then on). */
async function receiver(statuses: number[]): Promise<{ url: string; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.statusCode = statuses[Math.min(deliveries.length - 1, statuses.length - 1)] ?? 500;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  opened.push({ close: () => new Promise((resolve) => server.close(() => resolve())) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/puente`, deliveries };
}

async function puenteWith(url: string, logger = capturingLogger().logger): Promise<Puente> {
  const prefix = testPrefix("webhook");
  prefixes.push(prefix);
  const puente = await startPuente(
    testConfig({
      STAFF_WEBHOOK_URL: url,
      STAFF_WEBHOOK_SECRET: SECRET,
      CONTACT_KEY: TEST_CONTACT_KEY,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      HTTP_PORT: "0",
      HTTP_HOST: "127.0.0.1",
    }),
    logger,
    { policies: FAST_POLICIES },
  );
  opened.push(puente);
  return puente;
}

/** A person on the web chat asks for a person and consents. */
async function askForPerson(puente: Puente): Promise<WebChatClient> {
  const person = new WebChatClient(`http://127.0.0.1:${puente.port}`);
  for (const text of ["/persona", "1", "sí"]) await person.say(text);
  return person;
}

describe("the staff webhook", () => {
  it("fails twice, then accepts: delivered once, the same delivery id each time, signed", async () => {
    const { url, deliveries } = await receiver([500, 503, 200]);
    const puente = await puenteWith(url);
    await askForPerson(puente);
    await until(() => deliveries.length === 3, "three tries");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deliveries).toHaveLength(3);
    const ids = new Set(deliveries.map((d) => d.headers["x-puente-delivery"]));
    expect(ids.size).toBe(1);
    const accepted = deliveries[2] as Delivery;
    const timestamp = String(accepted.headers["x-puente-timestamp"]);
    expect(accepted.headers["x-puente-signature"]).toBe(`sha256=${signature(SECRET, timestamp, accepted.body)}`);
    expect(accepted.headers["x-puente-signature"]).not.toBe(
      `sha256=${signature("another-secret", timestamp, accepted.body)}`,
    );
    const body = JSON.parse(accepted.body);
    const [current] = await (puente.cases as Cases).list("all", 1);
    expect(body).toMatchObject({
      event: "case.opened",
      case: { code: current?.code, kind: "talk", status: "open", language: "es", channel: "web" },
    });
    expect(body.case.summary).toEqual([{ question: "Tema", answer: "Papeles y trámites" }]);
    expect(accepted.body).not.toContain("webhook-person-1");
    expect(accepted.body).not.toContain(current?.contact ?? "-");
    expect(await puente.stores.jobs.failed("webhook", 10)).toEqual([]);
  });

  it("never accepts: the retries end, the failure is visible and logged in one line, and the bot runs on", async () => {
    const { url, deliveries } = await receiver([500]);
    const { logger, lines } = capturingLogger();
    const puente = await puenteWith(url, logger);
    await askForPerson(puente);
    await until(async () => (await puente.stores.jobs.failed("webhook", 10)).length === 1, "the final failure", 20_000);
    expect(deliveries).toHaveLength(FAST_POLICIES.webhook.attempts);
    const [failed] = await puente.stores.jobs.failed("webhook", 10);
    expect(failed).toMatchObject({ queue: "webhook", reason: "the staff webhook answered 500" });
    const failure = lines.filter((line) => line.includes("job failed for good"));
    expect(failure).toHaveLength(1);
    expect(failure[0]).toContain('"queue":"webhook"');
    // Still answering people.
    const health = await fetch(`http://127.0.0.1:${puente.port}/healthz`);
    expect(health.status).toBe(200);
    // The failed job keeps no one's words nor a way to reach them.
    for (const [key, value] of await dumpRedis(prefixes.at(-1) ?? ""))
      expect(value, key).not.toContain("webhook-person-2");
  }, 30_000);
});
