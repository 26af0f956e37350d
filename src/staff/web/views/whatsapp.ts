import { html, raw } from "hono/html";
import type { WhatsAppLinkState } from "../../../channels/whatsapp/link.js";
import { csrfField, type Frame, type Markup, notice, page, type Say } from "./layout.js";

export interface WhatsAppView {
  /** Undefined when the store did not answer. */
  state: WhatsAppLinkState | undefined;
  /** The QR drawn as SVG, while waiting to be scanned. */
  qrSvg: string | undefined;
  /** Seconds until the page reloads itself, when it does. */
  refresh: number | undefined;
  done: string | undefined;
  problem: string | undefined;
  now: Date;
}

/** The steps on the office's phone, in order, for each way of pairing. */
const QR_STEPS = ["open", "devices", "link", "scan"] as const;
const CODE_STEPS = ["open", "devices", "link", "phone", "type"] as const;
const PROBLEMS = ["confirm", "unreachable"] as const;

/** WhatsApp is off on this server: how to turn it on. */
export function whatsappOff(frame: Frame): Markup {
  const { say } = frame;
  return page(
    frame,
    say("whatsapp.title"),
    html`<p class="whatsapp-state">${say("whatsapp.off.text")}</p>
<p>${say("whatsapp.off.how")}</p>
<pre class="whatsapp-env">WHATSAPP_ENABLED=true</pre>
<p class="hint">${say("whatsapp.off.then")}</p>`,
    "whatsapp",
  );
}

export function whatsappPage(frame: Frame, view: WhatsAppView): Markup {
  const { say, base } = frame;
  const problem = PROBLEMS.find((known) => known === view.problem);
  return page(
    frame,
    say("whatsapp.title"),
    html`${notice(view.done === "relinked" ? say("whatsapp.done.relinked") : undefined)}
${notice(problem ? say(`whatsapp.problem.${problem}`) : undefined, "problem")}
${view.state ? stateSection(frame, view.state, view) : notice(say("whatsapp.unreadable"), "problem")}
${
  view.refresh
    ? html`<p class="hint">${say("whatsapp.refreshing")} <a href="${base}/whatsapp">${say("whatsapp.refresh")}</a></p>`
    : ""
}
${relinkForm(frame)}`,
    "whatsapp",
  );
}

function stateSection(frame: Frame, state: WhatsAppLinkState, view: WhatsAppView): Markup {
  const { say } = frame;
  switch (state.state) {
    case "unheld":
      return headline(say, "unheld", say("whatsapp.unheld.text"));
    case "starting":
      return headline(say, "starting", say("whatsapp.starting.text"));
    case "failed":
      return html`${headline(say, "failed", say(`whatsapp.failed.${state.reason}`))}
<p>${say("whatsapp.failed.retrying")}</p>`;
    case "linked":
      return html`${headline(say, "linked", say("whatsapp.linked.text"))}
<p>${state.lastDigits ? html`${say("whatsapp.linked.number", { digits: state.lastDigits })} ` : ""}<time datetime="${state.since}">${say("whatsapp.linked.since", { ago: ago(say, state.since, view.now) })}</time></p>`;
    case "waiting":
      if (state.code) return codeSection(frame, state.code);
      if (state.qr && view.qrSvg) return qrSection(frame, view.qrSvg);
      return headline(say, "waiting", say("whatsapp.starting.text"));
  }
}

/** The state in one line, then what it means for the office. */
function headline(say: Say, kind: WhatsAppLinkState["state"], text: string): Markup {
  return html`<p class="whatsapp-state ${kind}">${say(`whatsapp.state.${kind}`)}</p>
<p>${text}</p>`;
}

function qrSection(frame: Frame, svg: string): Markup {
  const { say } = frame;
  // The SVG comes from the qrcode library, drawn from the QR text: markup of our own, not the store's.
  return html`${headline(say, "waiting", say("whatsapp.qr.lead"))}
<div class="whatsapp-pairing">
  <figure class="whatsapp-qr" role="img" aria-label="${say("whatsapp.qr.label")}">${raw(svg)}</figure>
  ${steps(say, "qr", QR_STEPS)}
</div>
<p class="hint">${say("whatsapp.qr.rotates")}</p>`;
}

function codeSection(frame: Frame, code: string): Markup {
  const { say } = frame;
  // Shown as WhatsApp shows it on the phone: two groups of four.
  const shown = code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
  return html`${headline(say, "waiting", say("whatsapp.code.lead"))}
<p class="whatsapp-code" aria-label="${say("whatsapp.code.label")}">${shown}</p>
${steps(say, "code", CODE_STEPS)}`;
}

function steps(say: Say, way: "qr" | "code", keys: readonly string[]): Markup {
  return html`<ol class="whatsapp-steps">${keys.map((key) => html`<li>${say(`whatsapp.${way}.steps.${key}`)}</li>`)}</ol>`;
}

function relinkForm(frame: Frame): Markup {
  const { say, base } = frame;
  return html`<section class="whatsapp-relink" aria-labelledby="whatsapp-relink">
<h2 id="whatsapp-relink">${say("whatsapp.relink.title")}</h2>
<p>${say("whatsapp.relink.explain")}</p>
<form method="post" action="${base}/whatsapp/relink">
  ${csrfField(frame)}
  <label><input type="checkbox" name="confirm" value="yes" required> ${say("whatsapp.relink.confirm")}</label>
  <button type="submit" class="danger">${say("whatsapp.relink.submit")}</button>
</form>
</section>`;
}

/** "5 minutos", "3 horas", "2 días": how long since a moment, in words. */
function ago(say: Say, since: string, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 60_000));
  if (minutes < 1) return say("whatsapp.ago.moment");
  if (minutes < 60) return say("whatsapp.ago.minutes", { count: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return say("whatsapp.ago.hours", { count: hours });
  return say("whatsapp.ago.days", { count: Math.floor(hours / 24) });
}
