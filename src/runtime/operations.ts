import { createHash, timingSafeEqual } from "node:crypto";
import { type Context, Hono } from "hono";
import type { Logger } from "pino";
import { z } from "zod";
import type { ChannelKind } from "../core/engine/messages.js";
import type { Config } from "./config.js";
import type { PuenteMetrics } from "./metrics.js";

/** What /readyz asks: does the store answer, have the channels started. */
export interface Readiness {
  /** Throws when the store does not answer (Redis away); the memory store always answers. */
  store(): Promise<void>;
  /**
   * The channels of this process and whether each started: Telegram has checked its token and
   * receives; WhatsApp's runner runs (its number may still wait to be linked: that is for staff).
   */
  channels(): ReadonlyArray<{ kind: ChannelKind; started: boolean }>;
}

export interface MetricsAccess {
  /** STAFF_TOKENS: machines (Prometheus) show one as `Authorization: Bearer <token>`. */
  tokens: Config["STAFF_TOKENS"];
  /** Whether the request carries a signed-in staff member's session (the dashboard's). */
  isStaff(c: Context): Promise<boolean>;
}

export interface OperationsOptions {
  readiness: Readiness;
  metrics: PuenteMetrics;
  access: MetricsAccess;
  logger: Logger;
}

/**
 * The operators' routes: /readyz (may this replica get traffic?) and /metrics (staff and machines
 * only). /healthz (is the process alive?) stays with the server itself. A Hono app of its own, so it
 * can go on the main server or, with STAFF_PORT, on the staff one.
 */
export function operationsRoutes(options: OperationsOptions): Hono {
  const app = new Hono();
  app.route("/", readinessRoutes(options.readiness));
  app.route("/", metricsRoutes(options.metrics, options.access, options.logger));
  return app;
}

/** GET /readyz: 200 when the store answers and every channel started, else 503 naming what is not ready. */
export function readinessRoutes(readiness: Readiness): Hono {
  const app = new Hono();
  app.get("/readyz", async (c) => {
    const storeAnswers = await readiness.store().then(
      () => true,
      () => false,
    );
    const channels = readiness.channels();
    const notReady = [
      ...(storeAnswers ? [] : ["store"]),
      ...channels.filter((channel) => !channel.started).map((channel) => channel.kind),
    ];
    return c.json(
      {
        ready: notReady.length === 0,
        notReady,
        store: storeAnswers ? "ok" : "unavailable",
        channels: Object.fromEntries(
          channels.map((channel) => [channel.kind, channel.started ? "started" : "starting"]),
        ),
      },
      notReady.length === 0 ? 200 : 503,
    );
  });
  return app;
}

/** An Authorization header with a bearer token of the shape STAFF_TOKENS allows; the token. */
const bearerSchema = z
  .string()
  .regex(/^Bearer [A-Za-z0-9_-]{1,512}$/)
  .transform((header) => header.slice("Bearer ".length));

/** GET /metrics, in Prometheus's text format, for a staff token or a staff session; else 401 and nothing. */
export function metricsRoutes(metrics: PuenteMetrics, access: MetricsAccess, logger: Logger): Hono {
  const app = new Hono();
  const knownToken = tokenChecker(access.tokens);
  app.get("/metrics", async (c) => {
    const bearer = bearerSchema.safeParse(c.req.header("authorization"));
    const allowed = (bearer.success && knownToken(bearer.data)) || (await access.isStaff(c));
    if (!allowed) {
      logger.warn({ path: c.req.path }, "metrics: a request without a staff token or session was refused");
      c.header("WWW-Authenticate", 'Bearer realm="puente"');
      return c.json({ error: "a staff token (Authorization: Bearer) or a staff session is required" }, 401);
    }
    const text = await metrics.text();
    c.header("Content-Type", metrics.contentType);
    c.header("Cache-Control", "no-store");
    return c.body(text);
  });
  return app;
}

/**
 * Whether a token is one of the given ones, in constant time: both sides are hashed to the same
 * length first (timingSafeEqual needs equal lengths), and every known token is compared.
 */
function tokenChecker(tokens: Config["STAFF_TOKENS"]): (given: string) => boolean {
  const known = tokens.map(({ token }) => digest(token));
  return (given) => {
    const candidate = digest(given);
    let found = false;
    for (const token of known) found = timingSafeEqual(candidate, token) || found;
    return found;
  };
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
