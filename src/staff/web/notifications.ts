import { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { type FailedJob, type JobQueue, QUEUES } from "../../core/store/jobs.js";
import type { StaffAudit } from "../audit.js";
import type { StaffEnv } from "./app.js";
import { csrfField, type Frame, type Markup, notice, page } from "./views/layout.js";

/**
 * Notifications that failed for good after every retry (the staff group unreachable, the office's
 * webhook down, a person's channel refusing): listed with why, and tried again by hand.
 */
export interface NotificationsOptions {
  jobs: JobQueue;
  audit: StaffAudit;
}

const retrySchema = z.object({ queue: z.enum(QUEUES), id: z.string().min(1).max(200) });
const resultSchema = z.enum(["retried", "gone"]);
/** Per queue: a screenful; anything older is in the log. */
const SHOWN = 50;

export function notificationsRoutes(options: NotificationsOptions): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  app.get("/", async (c) => {
    const failed = (await Promise.all(QUEUES.map((queue) => options.jobs.failed(queue, SHOWN)))).flat();
    failed.sort((a, b) => b.failedAt.localeCompare(a.failedAt));
    const result = resultSchema.safeParse(c.req.query("result"));
    return c.html(notificationsPage(c.get("frame"), failed, result.success ? result.data : undefined));
  });
  app.post("/retry", async (c) => {
    const base = `${c.get("frame").base}/notifications`;
    const request = retrySchema.safeParse(await c.req.parseBody());
    if (!request.success) return c.redirect(`${base}?result=gone`, 303);
    const retried = await options.jobs.retry(request.data.queue, request.data.id);
    if (retried)
      await options.audit.record(
        c.get("staff").name,
        "notification-retried",
        `${request.data.queue} ${request.data.id}`,
      );
    return c.redirect(`${base}?result=${retried ? "retried" : "gone"}`, 303);
  });
  return app;
}

function notificationsPage(frame: Frame, failed: FailedJob[], result: "retried" | "gone" | undefined): Markup {
  const { say, base } = frame;
  const outcome =
    result === "retried"
      ? notice(say("notifications.retried"))
      : result === "gone"
        ? notice(say("notifications.gone"), "problem")
        : html``;
  const body =
    failed.length === 0
      ? html`${outcome}<p>${say("notifications.none")}</p>`
      : html`${outcome}<p>${say("notifications.intro")}</p><div class="table-wrap"><table>
<thead><tr><th scope="col">${say("notifications.when")}</th><th scope="col">${say("notifications.where")}</th><th scope="col">${say("notifications.why")}</th><th scope="col" class="number">${say("notifications.attempts")}</th><th scope="col"><span class="hint">${say("notifications.action")}</span></th></tr></thead>
<tbody>${failed.map(
          (
            job,
          ) => html`<tr><td>${job.failedAt.slice(0, 16).replace("T", " ")} UTC</td><td>${say(`notifications.queues.${job.queue}`)}<br><span class="hint">${job.id}</span></td><td>${job.reason}</td><td class="number">${job.attempts}</td>
<td><form method="post" action="${base}/notifications/retry">${csrfField(frame)}<input type="hidden" name="queue" value="${job.queue}"><input type="hidden" name="id" value="${job.id}"><button type="submit">${say("notifications.retry")}</button></form></td></tr>`,
        )}</tbody></table></div>`;
  return page(frame, say("notifications.title"), body, "notifications");
}
