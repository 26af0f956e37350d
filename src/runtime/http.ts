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
