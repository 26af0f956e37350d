import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import { secureHeaders } from "hono/secure-headers";
import type { Logger } from "pino";
import type { Cases } from "../../core/cases/cases.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { Office } from "../../core/office/office.js";
import type { JobQueue } from "../../core/store/jobs.js";
import type { StaffAudit } from "../audit.js";
import type { StaffService } from "../service.js";
import { auditRoutes } from "./audit.js";
import { casesRoutes } from "./cases.js";
import { notificationsRoutes } from "./notifications.js";
import { clientAddress, overHttps, sameSecret } from "./request.js";
import { type ResultsOptions, resultsRoutes } from "./results.js";
import type { StaffSession, StaffSessions } from "./sessions.js";
import { type Frame, notice, page, type Say } from "./views/layout.js";
import { type WhatsAppLink, whatsappRoutes } from "./whatsapp.js";

/**
 * The staff dashboard, mounted at `base` (`/staff`): sign-in, then cases, results, failed
 * notifications, the WhatsApp link and the audit log. Every route but the sign-in page and the
 * stylesheet needs a session; every POST needs the session's CSRF token and a same-origin
 * request. Pages are never cached and cannot be framed.
 */
export interface StaffAppOptions {
  base: string;
  texts: Texts;
  sessions: StaffSessions;
  audit: StaffAudit;
  service: StaffService;
  /** Undefined while hand-off to staff is off. */
  cases: Cases | undefined;
  jobs: JobQueue;
  /** Times are shown in the office's time zone. */
  office: Office;
  /** Undefined while WhatsApp is off. */
  whatsapp: WhatsAppLink | undefined;
  results: Omit<ResultsOptions, "service" | "audit">;
  /** Behind a reverse proxy: addresses and https come from its headers. */
  trustProxy: boolean;
  logger: Logger;
}

/** What every signed-in route can read from its context. */
export type StaffEnv = { Variables: { staff: StaffSession; frame: Frame } };

export const STAFF_COOKIE = "puente_staff";
/** Before sign-in: the sign-in form's own CSRF token, compared with the form's field. */
const SIGN_IN_COOKIE = "puente_staff_form";

const viewFile = (name: string) => readFileSync(fileURLToPath(new URL(`./views/${name}`, import.meta.url)), "utf8");
const stylesheet = viewFile("staff.css");
const caseScript = viewFile("case.js");

export function staffApp(options: StaffAppOptions): Hono {
  const { base, texts, sessions } = options;
  const say: Say = (key, values) => texts.t("es", `staff:web.${key}`, values);
  const term: Say = (key, values) => texts.t("es", `staff:${key}`, values);
  const frameOf = (staff: StaffSession | undefined): Frame => ({ say, term, base, staff });
  const app = new Hono();

  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        styleSrc: ["'self'"],
        scriptSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      referrerPolicy: "same-origin",
    }),
  );
  app.use("*", async (c, next) => {
    await next();
    c.header("Cache-Control", "no-store");
  });
  // A POST from another site is refused before anything reads it.
  app.use("*", csrf());
  app.use("*", bodyLimit({ maxSize: 64 * 1024 }));

  app.get("/staff.css", (c) => c.body(stylesheet, 200, { "content-type": "text/css; charset=utf-8" }));
  app.get("/case.js", (c) => c.body(caseScript, 200, { "content-type": "text/javascript; charset=utf-8" }));

  app.get("/signin", (c) => {
    const token = crypto.randomUUID();
    setCookie(c, SIGN_IN_COOKIE, token, cookieOptions(c, options, base, 600));
    return c.html(signInPage(frameOf(undefined), token, c.req.query("why")));
  });

  app.post("/signin", async (c) => {
    const form = await c.req.parseBody();
    const expected = getCookie(c, SIGN_IN_COOKIE) ?? "";
    if (!sameSecret(String(form._csrf ?? ""), expected)) return refuse(c, frameOf(undefined), 403, say("refused.csrf"));
    const result = await sessions.signIn(
      String(form.name ?? ""),
      String(form.password ?? ""),
      clientAddress(c, options.trustProxy),
    );
    if (!result.ok) {
      const token = crypto.randomUUID();
      setCookie(c, SIGN_IN_COOKIE, token, cookieOptions(c, options, base, 600));
      const problem =
        result.why === "limited"
          ? say("signIn.limited", { minutes: Math.max(1, Math.ceil(result.retryMs / 60_000)) })
          : say("signIn.wrong");
      return c.html(signInPage(frameOf(undefined), token, undefined, problem), result.why === "limited" ? 429 : 401);
    }
    deleteCookie(c, SIGN_IN_COOKIE, { path: base });
    setCookie(c, STAFF_COOKIE, result.token, cookieOptions(c, options, base));
    return c.redirect(`${base}/cases`, 303);
  });

  // Everything below needs a session; a POST also the session's CSRF token.
  const signedIn = new Hono<StaffEnv>();
  signedIn.use("*", async (c, next) => {
    const staff = await sessions.current(getCookie(c, STAFF_COOKIE));
    if (!staff) {
      if (c.req.method === "GET" || c.req.method === "HEAD") return c.redirect(`${base}/signin`, 303);
      return refuse(c, frameOf(undefined), 401, say("refused.session"));
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const given = String(form._csrf ?? c.req.header("x-csrf-token") ?? "");
      if (!sameSecret(given, staff.csrf)) return refuse(c, frameOf(staff), 403, say("refused.csrf"));
    }
    c.set("staff", staff);
    c.set("frame", frameOf(staff));
    await next();
  });
  signedIn.get("/", (c) => c.redirect(`${base}/cases`, 303));
  signedIn.post("/signout", async (c) => {
    const token = getCookie(c, STAFF_COOKIE);
    if (token) await sessions.signOut(token, c.get("staff").name);
    deleteCookie(c, STAFF_COOKIE, { path: base });
    return c.redirect(`${base}/signin?why=signed-out`, 303);
  });
  signedIn.route("/cases", casesRoutes({ cases: options.cases, audit: options.audit, office: options.office }));
  signedIn.route("/results", resultsRoutes({ ...options.results, service: options.service, audit: options.audit }));
  signedIn.route("/notifications", notificationsRoutes({ jobs: options.jobs, audit: options.audit }));
  signedIn.route("/whatsapp", whatsappRoutes({ link: options.whatsapp, audit: options.audit }));
  signedIn.route("/audit", auditRoutes({ audit: options.audit }));
  app.route("/", signedIn);
  return app;
}

function cookieOptions(c: Context, options: StaffAppOptions, path: string, maxAgeSeconds?: number) {
  return {
    httpOnly: true,
    sameSite: "Strict" as const,
    secure: overHttps(c, options.trustProxy),
    path,
    ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}),
  };
}

function refuse(c: Context, frame: Frame, status: 401 | 403, why: string) {
  return c.html(page(frame, frame.say("refused.title"), notice(why, "problem")), status);
}

function signInPage(frame: Frame, token: string, why: string | undefined, problem?: string) {
  const { say } = frame;
  const before = why === "signed-out" ? notice(say("signIn.signedOut")) : html``;
  return page(
    frame,
    say("signIn.title"),
    html`${before}${notice(problem, "problem")}
<form method="post" action="${frame.base}/signin" class="signin">
  <input type="hidden" name="_csrf" value="${token}">
  <label for="name">${say("signIn.name")}</label>
  <input id="name" name="name" autocomplete="username" autocapitalize="none" required>
  <label for="password">${say("signIn.password")}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">${say("signIn.submit")}</button>
</form>
<p class="hint">${say("signIn.hint")}</p>`,
  );
}
