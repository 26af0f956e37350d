import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { StaffSession } from "../sessions.js";

/**
 * The frame of every staff page: plain HTML that works without JavaScript on an old office PC
 * and a phone, one stylesheet, the navigation, the signed-in name and sign-out. Every text comes
 * from `locales/es/staff.json` (`web.*`) through `say`.
 */
export type Say = (key: string, values?: Record<string, string | number>) => string;

/** A page's HTML, as Hono's `html` helper makes it (values escaped). */
export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

export type StaffArea = "cases" | "results" | "notifications" | "whatsapp" | "audit";

export interface Frame {
  say: Say;
  /** Staff words shared with the staff Telegram group (`staff:kind.*`, `staff:language.*`…). */
  term: Say;
  /** Where the staff area is mounted (`/staff`); every link starts with it. */
  base: string;
  staff: StaffSession | undefined;
}

const AREAS: readonly StaffArea[] = ["cases", "results", "notifications", "whatsapp", "audit"];

export function page(frame: Frame, title: string, body: Markup, current?: StaffArea): Markup {
  const { say, base, staff } = frame;
  return html`<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${say("product")}</title>
<link rel="stylesheet" href="${base}/staff.css">
</head>
<body>
<a class="skip" href="#main">${say("skip")}</a>
<header class="top">
  <span class="brand">${say("product")}</span>
  ${
    staff
      ? html`<nav aria-label="${say("nav.label")}"><ul>${AREAS.map(
          (area) =>
            html`<li><a href="${base}/${area}"${area === current ? html` aria-current="page"` : ""}>${say(`nav.${area}`)}</a></li>`,
        )}</ul></nav>
  <form method="post" action="${base}/signout" class="signout">${csrfField(frame)}<span>${staff.name}</span> <button type="submit">${say("signOut")}</button></form>`
      : ""
  }
</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/** The hidden field every form carries: a POST without the session's token is refused. */
export function csrfField(frame: Frame): Markup {
  return html`<input type="hidden" name="_csrf" value="${frame.staff?.csrf ?? ""}">`;
}

/** A message at the top of a page after an action (`?done=claimed`), said for screen readers too. */
export function notice(text: string | undefined, kind: "ok" | "problem" = "ok"): Markup {
  if (!text) return html``;
  return html`<p class="notice ${kind}" role="${kind === "problem" ? "alert" : "status"}">${text}</p>`;
}
