import { html } from "hono/html";
import { z } from "zod";
import type { AuditEntry, Case, TranscriptEntry } from "../../../core/cases/case.js";
import { caseStatusSchema } from "../../../core/cases/case.js";
import { caseKindSchema } from "../../../core/cases/kinds.js";
import { LANGUAGES } from "../../../core/i18n/languages.js";
import type { Office } from "../../../core/office/office.js";
import { officeTime } from "../../time.js";
import type { InboxFilter } from "../cases.js";
import { csrfField, type Frame, type Markup, notice, page } from "./layout.js";

/** The inbox and a case's page. Kinds, languages and channels are named as in the staff group. */

/** What an action on a case did, or why not, said on the case page after it. */
export const caseDoneSchema = z.enum(["claimed", "closed", "replied"]);
export const caseProblemSchema = z.enum(["closed", "claimed-by-other", "not-found", "empty"]);

export interface CaseDetail {
  current: Case;
  trail: AuditEntry[];
  transcript: TranscriptEntry[];
}

export function casesOff(frame: Frame): Markup {
  const { say } = frame;
  return page(frame, say("cases.title"), html`<p>${say("cases.off")}</p>`, "cases");
}

export function inboxPage(frame: Frame, office: Office, shown: Case[], filter: InboxFilter, total: number): Markup {
  const { say, base } = frame;
  const option = (value: string, label: string, chosen: string | undefined) =>
    html`<option value="${value}"${value === (chosen ?? "") ? html` selected` : ""}>${label}</option>`;
  const filters = html`<form method="get" action="${base}/cases" class="filters">
  <div><label for="status">${say("cases.status")}</label>
  <select id="status" name="status">${option("", say("cases.any"), filter.status)}${caseStatusSchema.options.map(
    (status) => option(status, say(`cases.statuses.${status}`), filter.status),
  )}</select></div>
  <div><label for="kind">${say("cases.kind")}</label>
  <select id="kind" name="kind">${option("", say("cases.any"), filter.kind)}${caseKindSchema.options.map((kind) =>
    option(kind, frame.term(`kind.${kind}`), filter.kind),
  )}</select></div>
  <div><label for="lng">${say("cases.language")}</label>
  <select id="lng" name="lng">${option("", say("cases.any"), filter.lng)}${LANGUAGES.map((lng) =>
    option(lng, frame.term(`language.${lng}`), filter.lng),
  )}</select></div>
  <button type="submit">${say("cases.filter")}</button>
</form>`;
  const rows = shown.map(
    (found) => html`<tr>
  <td><a href="${base}/cases/${found.code}">${found.code}</a></td>
  <td>${frame.term(`kind.${found.kind}`)}</td>
  <td>${statusBadge(frame, found)}</td>
  <td>${frame.term(`language.${found.lng}`)}</td>
  <td>${frame.term(`channel.${found.channel}`)}</td>
  <td>${officeTime(office, found.openedAt)}</td>
  <td>${found.claimedBy?.name ?? ""}</td>
</tr>`,
  );
  const table =
    shown.length === 0
      ? html`<p>${total === 0 ? say("cases.none") : say("cases.noneMatch")}</p>`
      : html`<div class="table-wrap"><table>
<caption class="hint">${say("cases.count", { count: shown.length })}</caption>
<thead><tr><th scope="col">${say("cases.code")}</th><th scope="col">${say("cases.kind")}</th><th scope="col">${say("cases.status")}</th><th scope="col">${say("cases.language")}</th><th scope="col">${say("cases.channel")}</th><th scope="col">${say("cases.opened")}</th><th scope="col">${say("cases.claimedBy")}</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
  return page(frame, say("cases.title"), html`${filters}${table}`, "cases");
}

export function casePage(
  frame: Frame,
  office: Office,
  detail: CaseDetail | undefined,
  done?: string,
  problem?: string,
): Markup {
  const { say, base } = frame;
  if (!detail)
    return page(frame, say("cases.notFound"), html`<p><a href="${base}/cases">${say("cases.back")}</a></p>`, "cases");
  const { current, trail, transcript } = detail;
  const doneText = caseDoneSchema.safeParse(done).success ? say(`cases.done.${done}`) : undefined;
  const problemText = caseProblemSchema.safeParse(problem).success ? say(`cases.problems.${problem}`) : undefined;
  const facts = html`<dl class="facts">
  <dt>${say("cases.status")}</dt><dd>${statusBadge(frame, current)}</dd>
  <dt>${say("cases.kind")}</dt><dd>${frame.term(`kind.${current.kind}`)}</dd>
  <dt>${say("cases.language")}</dt><dd>${frame.term(`language.${current.lng}`)}</dd>
  <dt>${say("cases.channel")}</dt><dd>${frame.term(`channel.${current.channel}`)}</dd>
  <dt>${say("cases.opened")}</dt><dd>${officeTime(office, current.openedAt)}</dd>
  ${current.claimedBy ? html`<dt>${say("cases.claimedBy")}</dt><dd>${current.claimedBy.name} · ${officeTime(office, current.claimedAt ?? current.openedAt)}</dd>` : ""}
  ${current.closedAt ? html`<dt>${say("cases.closedBy")}</dt><dd>${closedBy(frame, current)} · ${officeTime(office, current.closedAt)}</dd>` : ""}
</dl>`;
  const summary = current.summary.length
    ? html`<dl class="facts">${current.summary.map((line) => html`<dt>${line.question}</dt><dd>${line.answer}</dd>`)}</dl>`
    : html`<p class="hint">${say("cases.noSummary")}</p>`;
  const action = (path: string, label: string, kind = "") =>
    html`<form method="post" action="${base}/cases/${current.code}/${path}">${csrfField(frame)}<button type="submit" class="${kind}">${label}</button></form>`;
  const actions =
    current.status === "closed"
      ? html``
      : html`<div class="actions">${current.status === "open" || current.claimedBy?.id !== `web:${frame.staff?.name}` ? action("claim", say("cases.claim")) : ""}${action("close", say("cases.close"), "secondary")}</div>`;
  const reply =
    current.status === "closed"
      ? html`<p class="hint">${say("cases.closedNoReply")}</p>`
      : current.contact
        ? html`<form method="post" action="${base}/cases/${current.code}/reply" class="reply">${csrfField(frame)}
  <label for="text">${say("cases.replyLabel", { language: frame.term(`language.${current.lng}`) })}</label>
  <textarea id="text" name="text" maxlength="4000" required></textarea>
  <p class="hint">${say("cases.replyHint")}</p>
  <button type="submit">${say("cases.send")}</button></form>`
        : html`<p class="hint">${say("cases.unreachable")}</p>`;
  const body = html`${notice(doneText)}${notice(problemText, "problem")}
<p><a href="${base}/cases">${say("cases.back")}</a></p>
${facts}${actions}
<h2>${say("cases.summary")}</h2>${summary}
<h2 id="conversation-title">${say("cases.conversation")}</h2>
<div id="conversation" data-src="${base}/cases/${current.code}/conversation" aria-live="polite" aria-labelledby="conversation-title">${caseConversation(frame, office, transcript)}</div>
${reply}
<h2>${say("cases.trail")}</h2>
<ol class="trail">${trail.map((entry) => html`<li>${officeTime(office, entry.at)} · ${who(frame, entry.by)} · ${say(`cases.actions.${entry.action}`)}</li>`)}</ol>
<script src="${base}/case.js" defer></script>`;
  return page(
    frame,
    say("cases.caseTitle", { code: current.code, kind: frame.term(`kind.${current.kind}`) }),
    body,
    "cases",
  );
}

/** The conversation between the person and staff, oldest first: what the case page refreshes. */
export function caseConversation(frame: Frame, office: Office, transcript: TranscriptEntry[]): Markup {
  const { say } = frame;
  if (transcript.length === 0) return html`<p class="hint">${say("cases.noConversation")}</p>`;
  return html`<ol class="transcript">${transcript.map((entry) => {
    const fromPerson = entry.from === "person";
    const name = entry.from === "person" ? say("cases.person") : entry.from.name;
    const content = entry.text ?? say("cases.media", { what: entry.media ?? "" });
    return html`<li class="${fromPerson ? "person" : "staff"}"><span class="who">${name} · ${officeTime(office, entry.at)}</span>${content}</li>`;
  })}</ol>`;
}

function statusBadge(frame: Frame, current: Case): Markup {
  return html`<span class="status ${current.status}">${frame.say(`cases.statuses.${current.status}`)}</span>`;
}

function closedBy(frame: Frame, current: Case): string {
  if (current.closedBy === "person") return frame.say("cases.byPerson");
  if (current.closedBy === "deleted") return frame.say("cases.byDeletion");
  return current.closedBy?.name ?? "";
}

function who(frame: Frame, by: AuditEntry["by"]): string {
  if (by === "person") return frame.say("cases.person");
  if (by === "system") return frame.say("cases.system");
  return by.name;
}
