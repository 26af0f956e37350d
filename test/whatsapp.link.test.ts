import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import QRCode from "qrcode";
import { afterAll, describe, expect, it } from "vitest";
import { startFailureKind } from "../src/channels/whatsapp/client.js";
import { WhatsAppLinkBoard, type WhatsAppLinkState } from "../src/channels/whatsapp/link.js";
import { WhatsAppRunner } from "../src/channels/whatsapp/run.js";
import { createTexts, readLocales } from "../src/core/i18n/texts.js";
import { RedisLease } from "../src/core/store/lease.js";
import { MemoryAuditLog } from "../src/core/store/memory/audit.js";
import { closeRedis, openRedis } from "../src/core/store/redis/client.js";
import { RedisKeyValueStore } from "../src/core/store/redis/keyvalue.js";
import { StaffAudit } from "../src/staff/audit.js";
import type { StaffEnv } from "../src/staff/web/app.js";
import type { Say } from "../src/staff/web/views/layout.js";
import { type WhatsAppLink, whatsappRoutes } from "../src/staff/web/whatsapp.js";
import { dropPrefix, engineOn, memoryStore, quiet, REDIS_URL, testPrefix } from "./support/puente.js";
import { FakeWhatsAppClient } from "./support/whatsapp.js";

/**
 * The WhatsApp link page: the replica holding the number says how the link goes, any replica
 * shows it (the QR to scan), and "link again" asked on any replica reaches the holder.
 */
const TTL = 600;
const prefixes: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) await dropPrefix(prefix);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function newPrefix(name: string): string {
  const prefix = testPrefix(name);
  prefixes.push(prefix);
  return prefix;
}

/** A replica of Puente with WhatsApp on: its own Redis connection, lease, board and data dir. */
function replica(prefix: string, name: string) {
  const redis = openRedis(REDIS_URL);
  const dataDir = mkdtempSync(join(tmpdir(), `puente-wa-${name}-`));
  dirs.push(dataDir);
  const clients: FakeWhatsAppClient[] = [];
  const board = new WhatsAppLinkBoard(new RedisKeyValueStore(redis, prefix), TTL);
  const { engine, texts } = engineOn(memoryStore());
  const runner = new WhatsAppRunner({
    dataDir,
    chromiumPath: "/usr/bin/chromium",
    engine,
    texts,
    facts: new RedisKeyValueStore(redis, prefix),
    lease: new RedisLease(redis, prefix, "whatsapp", TTL),
    leaseTtlMs: TTL,
    defaultLanguage: "es",
    logger: quiet,
    link: board,
    makeClient: () => {
      const client = new FakeWhatsAppClient(`2@qr-${name}-${clients.length + 1}`);
      clients.push(client);
      return client;
    },
  });
  return { name, redis, dataDir, clients, board, runner };
}
type Replica = ReturnType<typeof replica>;

const until = async (condition: () => boolean | Promise<boolean>, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the board says what `matches` wants, and gives that state back. */
async function stateWhen(
  board: WhatsAppLinkBoard,
  matches: (state: WhatsAppLinkState) => boolean,
  ms = 5_000,
): Promise<WhatsAppLinkState> {
  let last: WhatsAppLinkState = { state: "unheld" };
  const read = async () => {
    last = await board.state();
    return matches(last);
  };
  await until(read, ms).catch(() => {
    throw new Error(`state stayed ${JSON.stringify(last)}`);
  });
  return last;
}

const holderOf = (a: Replica, b: Replica): [Replica, Replica] => (a.clients.length > 0 ? [a, b] : [b, a]);

describe("the link state, shared by the replicas", () => {
  it("goes from waiting with the QR to linked, the same on the replica that does not hold the number", async () => {
    const prefix = newPrefix("wa-link");
    const a = replica(prefix, "a");
    const b = replica(prefix, "b");
    await a.runner.start();
    await b.runner.start();
    await until(() => a.clients.length + b.clients.length === 1);
    const [holder, other] = holderOf(a, b);

    const waiting = await stateWhen(other.board, (state) => state.state === "waiting");
    expect(waiting).toMatchObject({ state: "waiting", qr: `2@qr-${holder.name}-1` });
    // Written again on every round: it outlives its own ttl while the holder lives.
    await sleep(TTL * 2);
    expect(await other.board.state()).toMatchObject({ state: "waiting", qr: `2@qr-${holder.name}-1` });

    holder.clients[0]?.link("56912345678");
    const linked = await stateWhen(other.board, (state) => state.state === "linked");
    expect(linked).toMatchObject({ state: "linked", lastDigits: "5678" });
    expect(await holder.board.state()).toEqual(linked);
    // Never the whole number in the shared store.
    const stored = await other.redis.get(`${prefix}:k:wa:link:state`);
    expect(stored).not.toContain("56912345678");

    // Staff on the other replica ask to link again: the holder unlinks, forgets the session and pairs anew.
    mkdirSync(join(holder.dataDir, "session"));
    await other.board.relink("ana");
    await until(() => holder.clients.length === 2);
    expect(holder.clients[0]).toMatchObject({ loggedOut: true, destroyed: true });
    expect(existsSync(join(holder.dataDir, "session"))).toBe(false);
    expect(other.clients).toHaveLength(0);
    const again = await stateWhen(other.board, (state) => state.state === "waiting");
    expect(again).toMatchObject({ state: "waiting", qr: `2@qr-${holder.name}-2` });
    // The request was taken once: no second relink on the next rounds.
    await sleep(TTL);
    expect(holder.clients).toHaveLength(2);
    expect(await other.redis.exists(`${prefix}:k:wa:link:relink`)).toBe(0);

    // What went wrong, said so the office can act: a refused session, the phone unlinking the device.
    holder.clients[1]?.refuse();
    expect(await stateWhen(other.board, (state) => state.state === "failed")).toMatchObject({ reason: "auth" });
    holder.clients[1]?.drop("LOGOUT");
    expect(
      await stateWhen(other.board, (state) => state.state === "failed" && state.reason === "logged-out"),
    ).toBeDefined();

    await a.runner.stop();
    await b.runner.stop();
    await closeRedis(a.redis);
    await closeRedis(b.redis);
  }, 20_000);

  it("forgets a dead holder's state soon, and a stopped holder's at once", async () => {
    const prefix = newPrefix("wa-link-dead");
    const holder = replica(prefix, "h");
    const readerRedis = openRedis(REDIS_URL);
    const reader = new WhatsAppLinkBoard(new RedisKeyValueStore(readerRedis, prefix), TTL);
    await holder.runner.start();
    await stateWhen(reader, (state) => state.state === "waiting");

    // The holder's process dies: it never writes again.
    holder.redis.disconnect();
    const diedAt = Date.now();
    await stateWhen(reader, (state) => state.state === "unheld", TTL * 5);
    expect(Date.now() - diedAt).toBeLessThan(TTL * 3);
    await holder.runner.stop();

    const next = replica(prefix, "n");
    await next.runner.start();
    await stateWhen(reader, (state) => state.state === "waiting", TTL * 5);
    await next.runner.stop();
    // Given back on the way out, not left to expire.
    expect(await reader.state()).toEqual({ state: "unheld" });

    await closeRedis(next.redis);
    await closeRedis(readerRedis);
  }, 20_000);
});

describe("why a start failed, as the page says it", () => {
  it("tells the browser, a busy session, the network and a timeout apart", () => {
    const timeout = Object.assign(new Error("Navigation timeout of 30000 ms exceeded"), { name: "TimeoutError" });
    expect(startFailureKind(new Error("spawn /usr/bin/nope ENOENT"))).toBe("browser");
    expect(startFailureKind(new Error("Failed to launch the browser process!\nsome crash"))).toBe("browser");
    expect(
      startFailureKind(new Error("Failed to launch the browser process!\nThe browser is already running for /data")),
    ).toBe("busy");
    expect(startFailureKind(new Error("net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/"))).toBe("network");
    expect(startFailureKind(timeout)).toBe("timeout");
    expect(startFailureKind("CONFLICT")).toBe("disconnected");
    expect(startFailureKind(new Error("Evaluation failed: something"))).toBe("other");
  });
});

describe("the WhatsApp page", () => {
  const texts = createTexts(readLocales("locales"));
  const say: Say = (key, values) => texts.t("es", `staff:web.${key}`, values);
  const term: Say = (key, values) => texts.t("es", `staff:${key}`, values);

  function dashboard(link: WhatsAppLink | undefined) {
    const audit = new StaffAudit(new MemoryAuditLog());
    const app = new Hono<StaffEnv>();
    app.use("*", async (c, next) => {
      const staff = { name: "ana", csrf: "t" };
      c.set("staff", staff);
      c.set("frame", { say, term, base: "/staff", staff });
      await next();
    });
    app.route("/whatsapp", whatsappRoutes({ link, audit }));
    return { app, audit };
  }

  const showing = (state: WhatsAppLinkState): WhatsAppLink => ({ state: async () => state, relink: async () => {} });
  const at = new Date().toISOString();

  /** No key left unsaid: a missing text would show as its key. */
  const allSaid = (body: string) => expect(body).not.toMatch(/whatsapp\.[a-z]/);

  it("draws the QR while waiting, with the steps, and reloads itself", async () => {
    const qr = "2@Zm9vYmFy,cXVlcnk=,ZmFrZQ==,1";
    const { app } = dashboard(showing({ state: "waiting", at, qr }));
    const response = await app.request("/whatsapp");
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain(await QRCode.toString(qr, { type: "svg", margin: 4, errorCorrectionLevel: "M" }));
    expect(body).toContain("Dispositivos vinculados");
    expect(body).toContain('name="_csrf" value="t"');
    expect(body).not.toMatch(/style=|<script/);
    expect(response.headers.get("refresh")).toBe("5; url=/staff/whatsapp");
    allSaid(body);
  });

  it("shows the pairing code large, when pairing by phone number", async () => {
    const { app } = dashboard(showing({ state: "waiting", at, code: "ABCD1234" }));
    const body = await (await app.request("/whatsapp")).text();
    expect(body).toContain('class="whatsapp-code"');
    expect(body).toContain("ABCD-1234");
    expect(body).not.toContain("<svg");
    allSaid(body);
  });

  it("says linked (no reloading), failed with what to do, or that no replica holds the number", async () => {
    const since = new Date(Date.now() - 3 * 3600_000).toISOString();
    const linked = await dashboard(showing({ state: "linked", since, lastDigits: "5678" })).app.request("/whatsapp");
    const linkedBody = await linked.text();
    expect(linkedBody).toContain("terminado en 5678");
    expect(linkedBody).toContain("3 horas");
    expect(linked.headers.get("refresh")).toBeNull();
    allSaid(linkedBody);

    const failed = await dashboard(showing({ state: "failed", at, reason: "browser" })).app.request("/whatsapp");
    const failedBody = await failed.text();
    expect(failedBody).toContain("CHROMIUM_PATH");
    expect(failed.headers.get("refresh")).toBe("15; url=/staff/whatsapp");
    allSaid(failedBody);

    const unheld = await (await dashboard(showing({ state: "unheld" })).app.request("/whatsapp")).text();
    expect(unheld).toContain("Ningún servidor de Puente tiene el número");
    allSaid(unheld);

    const broken: WhatsAppLink = { state: () => Promise.reject(new Error("down")), relink: async () => {} };
    const unreadable = await (await dashboard(broken).app.request("/whatsapp")).text();
    expect(unreadable).toContain("no respondió");
  });

  it("says how to turn WhatsApp on when it is off", async () => {
    const { app } = dashboard(undefined);
    const body = await (await app.request("/whatsapp")).text();
    expect(body).toContain("WHATSAPP_ENABLED=true");
    expect(body).not.toContain("/whatsapp/relink");
    allSaid(body);
  });

  it("asks to link again, records who did, and goes back to the page saying so", async () => {
    const prefix = newPrefix("wa-link-page");
    const redis = openRedis(REDIS_URL);
    const board = new WhatsAppLinkBoard(new RedisKeyValueStore(redis, prefix), TTL);
    await board.publish("someone", { state: "linked", since: at });
    const { app, audit } = dashboard(board);
    const post = (fields: Record<string, string>) =>
      app.request("/whatsapp/relink", { method: "POST", body: new URLSearchParams({ _csrf: "t", ...fields }) });

    const unconfirmed = await post({});
    expect(unconfirmed.status).toBe(303);
    expect(unconfirmed.headers.get("location")).toBe("/staff/whatsapp?problem=confirm");
    expect(await board.takeRelink()).toBeUndefined();
    expect(await audit.latest(5)).toEqual([]);

    const confirmed = await post({ confirm: "yes" });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("location")).toBe("/staff/whatsapp?done=relinked");
    expect((await audit.latest(5)).map(({ by, action }) => ({ by, action }))).toEqual([
      { by: "ana", action: "whatsapp-relinked" },
    ]);

    // Back on the page: the notice, and reloading (to the bare page) until the new QR shows.
    const after = await app.request("/whatsapp?done=relinked");
    expect(await after.text()).toContain("Se pidió vincular de nuevo");
    expect(after.headers.get("refresh")).toBe("5; url=/staff/whatsapp");
    expect(await board.takeRelink()).toMatchObject({ by: "ana" });

    await closeRedis(redis);
  });
});
