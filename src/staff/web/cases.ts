import { type Context, Hono } from "hono";
import { z } from "zod";
import type { StaffRef } from "../../core/cases/case.js";
import { caseStatusSchema } from "../../core/cases/case.js";
import type { Cases, Outcome } from "../../core/cases/cases.js";
import { caseKindSchema } from "../../core/cases/kinds.js";
import { LANGUAGES } from "../../core/i18n/languages.js";
import type { Office } from "../../core/office/office.js";
import type { StaffAudit } from "../audit.js";
import type { StaffEnv } from "./app.js";
import { caseConversation, casePage, casesOff, inboxPage } from "./views/cases.js";

/**
 * Cases on the dashboard: the inbox (open, taken, closed; newest first; by kind, language and
 * status), a case's page (summary, the conversation as it goes, its audit trail) and the same
 * actions as in the staff Telegram group — take, reply, close — on the same case service, so
 * the group's card and the dashboard always show the same state.
 */
export interface CasesRouteOptions {
  /** Undefined while hand-off to staff is off. */
  cases: Cases | undefined;
  audit: StaffAudit;
  office: Office;
}

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const inboxFilterSchema = z.object({
  status: z.preprocess(emptyAsUndefined, caseStatusSchema.optional()),
  kind: z.preprocess(emptyAsUndefined, caseKindSchema.optional()),
  lng: z.preprocess(emptyAsUndefined, z.enum(LANGUAGES).optional()),
});
export type InboxFilter = z.infer<typeof inboxFilterSchema>;

const codeSchema = z.string().regex(/^K-\d{4,6}$/);
const replySchema = z.object({ text: z.string().trim().min(1).max(4000) });

/** How many cases the inbox reads: the newest, a working office's weeks. */
const INBOX_SIZE = 500;

export function casesRoutes(options: CasesRouteOptions): Hono<StaffEnv> {
  const app = new Hono<StaffEnv>();
  const { audit, office } = options;

  app.get("/", async (c) => {
    const frame = c.get("frame");
    if (!options.cases) return c.html(casesOff(frame));
    const parsed = inboxFilterSchema.safeParse(c.req.query());
    const filter: InboxFilter = parsed.success ? parsed.data : {};
    const all = await options.cases.list("all", INBOX_SIZE);
    const shown = all.filter(
      (found) =>
        (!filter.status || found.status === filter.status) &&
        (!filter.kind || found.kind === filter.kind) &&
        (!filter.lng || found.lng === filter.lng),
    );
    return c.html(inboxPage(frame, office, shown, filter, all.length));
  });

  app.get("/:code", async (c) => {
    const frame = c.get("frame");
    const cases = options.cases;
    if (!cases) return c.html(casesOff(frame));
    const found = await findCase(cases, c.req.param("code"));
    if (!found) return c.html(casePage(frame, office, undefined), 404);
    const [trail, transcript] = await Promise.all([cases.audit(found.id), cases.transcript(found.id)]);
    return c.html(
      casePage(frame, office, { current: found, trail, transcript }, c.req.query("done"), c.req.query("problem")),
    );
  });

  // Only the conversation: the case page's script fetches it every few seconds.
  app.get("/:code/conversation", async (c) => {
    const cases = options.cases;
    const found = cases && (await findCase(cases, c.req.param("code")));
    if (!cases || !found) return c.text("", 404);
    return c.html(caseConversation(c.get("frame"), office, await cases.transcript(found.id)));
  });

  app.post("/:code/claim", (c) =>
    act(c, "claimed", (cases, code) => cases.claim({ code }, staffRef(c.get("staff").name), false)),
  );

  app.post("/:code/close", (c) =>
    act(c, "closed", (cases, code) => cases.close({ code }, staffRef(c.get("staff").name))),
  );

  app.post("/:code/reply", async (c) => {
    const form = replySchema.safeParse(await c.req.parseBody());
    if (!form.success) return c.redirect(`${casePath(c, c.req.param("code"))}?problem=empty`, 303);
    return act(c, "replied", (cases, code) =>
      cases.reply({ code }, staffRef(c.get("staff").name), form.data.text, false, true),
    );
  });

  /** Runs a staff action, records it, and goes back to the case page saying what happened. */
  async function act(
    c: Context<StaffEnv>,
    done: "claimed" | "closed" | "replied",
    action: (cases: Cases, code: string) => Promise<Outcome>,
  ): Promise<Response> {
    const valid = codeSchema.safeParse(c.req.param("code")?.toUpperCase());
    if (!options.cases || !valid.success) return c.redirect(`${c.get("frame").base}/cases?problem=not-found`, 303);
    const outcome = await action(options.cases, valid.data);
    const page = casePath(c, valid.data);
    if (!outcome.ok) return c.redirect(`${page}?problem=${outcome.why}`, 303);
    await audit.record(c.get("staff").name, `case-${done}`, valid.data);
    return c.redirect(`${page}?done=${done}`, 303);
  }

  return app;
}

function casePath(c: Context<StaffEnv>, code: string): string {
  return `${c.get("frame").base}/cases/${encodeURIComponent(code)}`;
}

function staffRef(name: string): StaffRef {
  return { id: `web:${name}`, name };
}

async function findCase(cases: Cases, code: string) {
  const valid = codeSchema.safeParse(code.toUpperCase());
  return valid.success ? cases.find({ code: valid.data }) : undefined;
}
