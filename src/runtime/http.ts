import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";

/** The one HTTP server of DESIGN.md: every part mounts its routes here. */
export function createHttpApp(logger: Logger, health: () => Promise<Record<string, unknown>>): Hono {
  const app = new Hono();
  app.get("/healthz", async (c) => {
    try {
      return c.json({ ok: true, ...(await health()) });
    } catch (error) {
      return c.json({ ok: false, error: (error as Error).message }, 503);
    }
  });
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    logger.error({ err: error.message, path: c.req.path }, "request failed");
    return c.json({ error: "internal error" }, 500);
  });
  return app;
}

export function listen(app: Hono, port: number, host: string): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(server));
    server.once("error", reject);
  });
}

/** How long open requests get to finish once a server stops taking new ones. */
const CLOSE_GRACE_MS = 5000;

/**
 * Stops taking connections and lets requests in hand finish, closing each keep-alive connection
 * as soon as its last response is out (rather than after its idle timeout); whatever is still
 * open after the grace is cut.
 */
export function closeServer(server: ServerType, graceMs = CLOSE_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    const idle = setInterval(() => "closeIdleConnections" in server && server.closeIdleConnections(), 50);
    const cut = setTimeout(() => "closeAllConnections" in server && server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
  });
}
