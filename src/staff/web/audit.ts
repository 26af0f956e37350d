import { Hono } from "hono";
import { html } from "hono/html";
import type { StaffAudit, StaffAuditEntry } from "../audit.js";
import type { StaffEnv } from "./app.js";
import { type Frame, type Markup, page } from "./views/layout.js";

/** The staff audit log, newest first, for every staff member to read; nothing on it can be changed. */
const SHOWN = 500;

export function auditRoutes(options: { audit: StaffAudit }): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  app.get("/", async (c) => c.html(auditPage(c.get("frame"), await options.audit.latest(SHOWN))));
  return app;
}

function auditPage(frame: Frame, entries: StaffAuditEntry[]): Markup {
  const { say } = frame;
  const body =
    entries.length === 0
      ? html`<p>${say("audit.none")}</p>`
      : html`<p>${say("audit.intro")}</p><div class="table-wrap"><table>
<thead><tr><th scope="col">${say("audit.when")}</th><th scope="col">${say("audit.who")}</th><th scope="col">${say("audit.what")}</th><th scope="col">${say("audit.target")}</th></tr></thead>
<tbody>${entries.map(
          (entry) =>
            html`<tr><td>${entry.at.slice(0, 19).replace("T", " ")} UTC</td><td>${entry.by}</td><td>${say(`audit.actions.${entry.action}`)}</td><td>${entry.target ?? ""}</td></tr>`,
        )}</tbody></table></div>`;
  return page(frame, say("audit.title"), body, "audit");
}
