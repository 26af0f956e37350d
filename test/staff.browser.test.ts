import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { type Browser, type BrowserContext, chromium, type Locator, type Page, type Response } from "playwright-core";
import { extractText, getDocumentProxy } from "unpdf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebReply } from "../src/channels/web/channel.js";
import type { Cases } from "../src/core/cases/cases.js";
import { lastPrompt } from "../src/core/engine/messages.js";
import type { StoredResponse } from "../src/core/store/responses.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { FAST_POLICIES } from "./support/handoff.js";
import { quiet, TEST_CONTACT_KEY, testConfig } from "./support/puente.js";
import { addAccount } from "./support/staff.js";
import { WebChatClient } from "./support/web.js";

/**
 * The staff dashboard as a social worker uses it, in a real (headless) Chromium, against Puente as
 * `npm start` runs it with no Redis: signing in (a wrong password refused, then rate limited), a
 * form without its token refused, the consultation's report (tables, charts, split by a question),
 * its downloads parsed back and compared with the stored responses, the PDF's text, and a case
 * taken, answered and closed while the person reads it on the web chat in another browser window.
 * Screenshots of every page at phone and desktop width go to test-results/screenshots/.
 */
const CHROMIUM = "/usr/bin/chromium";
const WAIT = 30_000;
const SHOTS = "test-results/screenshots";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const FLOW = "consulta";

/**
 * Run in a page: nothing if the page is no wider than the window; else its width, and the
 * outermost elements that stick out past the window's right edge outside any scrolling box.
 */
const WIDER_THAN_SCREEN = `(() => {
  const room = window.innerWidth;
  const wide = document.documentElement.scrollWidth;
  if (wide <= room + 1) return [];
  const scrolls = (element) => {
    for (let up = element.parentElement; up; up = up.parentElement)
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(up).overflowX)) return true;
    return false;
  };
  const name = (element) => element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") +
    [...element.classList].map((c) => "." + c).join("");
  const out = [];
  for (const element of document.body.querySelectorAll("*")) {
    const right = element.getBoundingClientRect().right;
    if (right <= room + 1 || scrolls(element) || out.some((one) => one.element.contains(element))) continue;
    out.push({ element, text: name(element) + " reaches " + Math.round(right) + "px" });
  }
  // What pushes them out: the widest control, image or table inside each.
  for (const one of out) {
    const inner = [...one.element.querySelectorAll("input, select, textarea, img, svg, table, pre")]
      .filter((element) => element.getBoundingClientRect().right > room + 1)
      .sort((a, b) => b.getBoundingClientRect().width - a.getBoundingClientRect().width)[0];
    if (inner) one.text += " (" + name(inner) + ", " + Math.round(inner.getBoundingClientRect().width) + "px wide)";
  }
  return [wide + "px wide in a " + room + "px window", ...out.map((one) => one.text)];
})()`;

/** What one person answers, by step id: an option id, option ids, a number, a text, or a skip. */
type Plan = Record<string, string | string[] | number>;
const SKIP = "-";

/**
 * Eight people, so that some answers are given by 5 or more and some by fewer: age 5 / 2 / 1,
 * nationality 6 / 1 / 1, gender 5 / 2 / one skipped; needs ticked by 5, 5 and 3; five comments.
 * Every step not named is skipped. Eight keep the messages under the web chat's per-address limit.
 */
const PEOPLE: Plan[] = Array.from({ length: 8 }, (_, i) => ({
  age_band: i < 5 ? "a18_29" : i < 7 ? "a30_44" : "a45_59",
  nationality: i < 6 ? "haiti" : i === 6 ? "venezuela" : "peru",
  gender: i < 5 ? "woman" : i < 7 ? "man" : SKIP,
  time_in_chile: "y1_2",
  commune: "quilicura",
  household_band: i < 4 ? "one" : "three_four",
  minors_band: "none",
  needs: i < 5 ? ["work", "housing"] : ["papers"],
  comment: i < 5 ? `Busco trabajo de cocinera, soy la persona ${i + 1}` : SKIP,
}));

/** Questions whose every table the test checks against the store: one choice (or several) each. */
const CHECKED = ["age_band", "nationality", "gender", "time_in_chile", "commune", "needs"] as const;

describe.skipIf(!existsSync(CHROMIUM))("the staff dashboard in a browser", () => {
  const accountsFile = join(mkdtempSync(join(tmpdir(), "puente-staff-browser-")), "accounts.json");
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];
  const consoleErrors: string[] = [];
  const timings: Record<string, number> = {};
  /** Pages wider than a phone's screen, with what sticks out. */
  const overflowing: string[] = [];
  let started = Date.now();
  let puente: Puente;
  let base: string;
  let browser: Browser;
  /** The person on the web chat. */
  let chat: Page;
  /** The social worker. */
  let staffContext: BrowserContext;
  let staff: Page;
  let code = "";
  let stored: StoredResponse[] = [];
  let worker: { name: string; password: string };

  const t = (key: string, values?: Record<string, string | number>) => puente.texts.t("es", key, values);
  const say = (key: string, values?: Record<string, string | number>) => t(`staff:web.${key}`, values);
  const bubble = (text: string) => chat.locator("#log .bubble.bot", { hasText: text }).last();
  /** The flow's title as staff pages write it: without the emoji it starts with for people. */
  const flowTitle = () => t(`${FLOW}:title`).replace(/^[^\p{L}]+/u, "");
  const optionLabel = (step: string, option: string) => t(`${FLOW}:${step}.options.${option}`);

  /**
   * Keeps a page's script errors, Content-Security-Policy refusals and failed requests, to be none
   * at the end; the refusals the test asks for (a POST answered 401, 403 or 429) are expected.
   */
  const watch = (page: Page, who: string) => {
    page.setDefaultTimeout(WAIT);
    page.on("pageerror", (error) => pageErrors.push(`${who}: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const text = message.text();
      if (/Content.Security.Policy|Refused to/i.test(text)) cspViolations.push(`${who} ${page.url()}: ${text}`);
      // A failed load is kept with its address by the response listener below.
      else if (!text.startsWith("Failed to load resource")) consoleErrors.push(`${who} ${page.url()}: ${text}`);
    });
    page.on("response", (response) => {
      const method = response.request().method();
      const refused = method === "POST" && [401, 403, 429].includes(response.status());
      if (response.status() >= 400 && !refused)
        consoleErrors.push(`${who}: ${method} ${response.url()} answered ${response.status()}`);
    });
  };

  beforeAll(async () => {
    started = Date.now();
    puente = await startPuente(
      testConfig({
        CONTACT_KEY: TEST_CONTACT_KEY,
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
        STAFF_ACCOUNTS_FILE: accountsFile,
      }),
      quiet,
      { policies: FAST_POLICIES },
    );
    base = `http://127.0.0.1:${puente.staffPort}`;
    // Eight people answer the consultation over HTTP, as the web chat page does.
    for (const plan of PEOPLE) await answerWith(new WebChatClient(`http://127.0.0.1:${puente.port}`), plan);
    stored = (await puente.stores.responses.list(FLOW)).responses;
    expect(stored).toHaveLength(PEOPLE.length);
    timings.consultations = Date.now() - started;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-sync"],
    });
    // One person asks for a person on the web chat page and keeps it open.
    chat = await (await browser.newContext({ locale: "es-CL" })).newPage();
    watch(chat, "web chat");
    await chat.goto(`http://127.0.0.1:${puente.port}/`);
    await bubble(t("common:menu.text")).waitFor();
    await chat.fill("#input", "/persona");
    await chat.press("#input", "Enter");
    await chat
      .locator("button.choice", { hasText: t("persona:topic.options.housing") })
      .last()
      .click();
    await chat
      .locator("button.choice", { hasText: t("common:answer.yes") })
      .last()
      .click();
    await bubble("K-").waitFor();
    code = /K-\d{4,6}/.exec((await bubble("K-").textContent()) ?? "")?.[0] ?? "";
    expect(await (puente.cases as Cases).find({ code })).toMatchObject({ channel: "web", status: "open" });

    staffContext = await browser.newContext({ locale: "es-CL", viewport: DESKTOP, acceptDownloads: true });
    staff = await staffContext.newPage();
    watch(staff, "staff");
    mkdirSync(SHOTS, { recursive: true });
    timings.setup = Date.now() - started;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await puente?.close();
    timings.total = Date.now() - started;
    console.info(`staff.browser timings (ms from start): ${JSON.stringify(timings)}`);
  });

  /** The whole consultation on the web chat, answered as the plan says, and submitted. */
  async function answerWith(person: WebChatClient, plan: Plan): Promise<void> {
    let reply: WebReply = await person.say(`/start ${FLOW}`);
    for (let asked = 0; reply.asked !== `${FLOW}/_review`; asked++) {
      if (asked > 60) throw new Error(`never reached the review: ${reply.asked}`);
      const prompt = lastPrompt(reply.messages);
      if (!prompt) throw new Error(`no question in ${JSON.stringify(reply.messages)}`);
      const step = reply.asked?.split("/")[1] ?? "";
      const choose = (role: string, label?: string) => {
        const found = prompt.choices.find((c) => c.role === role && (label === undefined || c.label === label));
        if (!found) throw new Error(`${step}: no ${role} "${label}" in ${JSON.stringify(prompt.choices)}`);
        return person.say({ kind: "choice", token: found.token });
      };
      const wanted = step === "consent" ? "yes" : (plan[step] ?? SKIP);
      if (step === "consent") reply = await choose("option", t("common:answer.yes"));
      else if (wanted === SKIP) reply = await choose("skip");
      else if (Array.isArray(wanted)) {
        const next = wanted.find(
          (id) => !prompt.choices.find((c) => c.label === optionLabel(step, id) && c.role === "option")?.selected,
        );
        reply = next === undefined ? await choose("done") : await choose("option", optionLabel(step, next));
      } else if (prompt.expects === "choice") reply = await choose("option", optionLabel(step, String(wanted)));
      else reply = await person.say(String(wanted));
    }
    const done = await person.say({
      kind: "choice",
      token: lastPrompt(reply.messages)?.choices.find((c) => c.role === "confirm")?.token ?? "",
    });
    expect(done.messages.map((m) => m.text).join("\n")).toContain(t(`${FLOW}:done`).slice(0, 30));
  }

  /** Clicks and returns the response to the request a path's form or link makes. */
  async function responseTo(page: Page, path: string, click: () => Promise<void>): Promise<Response> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === "POST"),
      click(),
    ]);
    return response;
  }

  async function signInWith(name: string, password: string): Promise<Response> {
    await staff.goto(`${base}/staff/signin`);
    await staff.fill("#name", name);
    await staff.fill("#password", password);
    return responseTo(staff, "/staff/signin", () => staff.click("form.signin button[type=submit]"));
  }

  /**
   * Saves the page as it is at phone width, then at desktop width (the page is not loaded again),
   * and notes what sticks out of the phone's screen.
   */
  async function capture(page: Page, name: string): Promise<void> {
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: `${SHOTS}/${name}-phone.png`, fullPage: true });
    const wider = (await page.evaluate(WIDER_THAN_SCREEN)) as string[];
    overflowing.push(...wider.map((what) => `${name}: ${what}`));
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: `${SHOTS}/${name}-desktop.png`, fullPage: true });
  }

  const sessionCookie = async () => (await staffContext.cookies()).find((cookie) => cookie.name === "puente_staff");

  /** A table's body as text, a row per line: the row's heading, then its cells. */
  const rowsOf = async (table: Locator): Promise<string[][]> => {
    const rows: string[][] = [];
    for (const row of await table.locator("tbody tr").all())
      rows.push((await row.locator("th, td").allTextContents()).map((text) => text.trim()));
    return rows;
  };

  const questionSection = (label: string) =>
    staff
      .locator("section.question")
      .filter({ has: staff.getByRole("heading", { level: 3, name: label, exact: true }) });

  const questionLabel = (step: string) => t(`${FLOW}:${step}.short`);

  /** The option ids of a question, in the flow's order, with "prefer not to say" as null. */
  const optionsOf = (step: string): Array<{ id: string | null; label: string }> => {
    const found = puente.flows.get(FLOW)?.step(step);
    const options = found && "options" in found && Array.isArray(found.options) ? found.options : [];
    return [
      ...options.map((option: { id: string }) => ({ id: option.id, label: optionLabel(step, option.id) })),
      { id: null, label: t("common:answer.skipped") },
    ];
  };

  /** How many stored responses gave this answer (an option ticked, or null for a skip). */
  const truth = (step: string, option: string | null, where: (response: StoredResponse) => boolean = () => true) =>
    stored.filter((response) => {
      if (!where(response)) return false;
      const answer = response.answers[step];
      if (option === null) return answer === null;
      return Array.isArray(answer) ? answer.includes(option) : answer === option;
    }).length;

  /**
   * A published count agrees with the true one: a number is exact, "<5" hides at most 4 (a small
   * count, or a cell of a small group, zero included), "x" hides anything.
   */
  const agrees = (shown: string, actual: number, where: string) => {
    const mark = /^(\d+|<5|x)/.exec(shown.trim())?.[1];
    expect(mark, `${where}: "${shown}"`).toBeDefined();
    if (mark === "<5") expect(actual, `${where}: "${shown}"`).toBeLessThanOrEqual(4);
    else if (mark !== "x") expect(Number(mark), `${where}: "${shown}"`).toBe(actual);
  };

  it("refuses a wrong password, then every password for that name after five tries, and signs in", async () => {
    await staff.goto(`${base}/staff/cases`);
    expect(new URL(staff.url()).pathname).toBe("/staff/signin");
    const ana = await addAccount(puente.stores.accounts, "ana");
    worker = await addAccount(puente.stores.accounts, "bea");

    const wrong = await signInWith(ana.name, "not-her-password");
    expect(wrong.status()).toBe(401);
    await staff.locator(".notice.problem", { hasText: say("signIn.wrong") }).waitFor();
    expect(await sessionCookie()).toBeUndefined();
    for (let attempt = 2; attempt <= 5; attempt++)
      expect((await signInWith(ana.name, `wrong-${attempt}`)).status()).toBe(401);
    const limited = await signInWith(ana.name, ana.password);
    expect(limited.status()).toBe(429);
    await staff.locator(".notice.problem", { hasText: "Demasiados intentos" }).waitFor();
    expect(await staff.locator(".notice.problem").textContent()).toBe(say("signIn.limited", { minutes: 15 }));
    expect(await sessionCookie()).toBeUndefined();

    // The sign-in form without its own token is refused before the password is even read.
    await staff.goto(`${base}/staff/signin`);
    await staff.fill("#name", worker.name);
    await staff.fill("#password", worker.password);
    await staff.evaluate(`document.querySelector("form.signin input[name=_csrf]").remove()`);
    const tokenless = await responseTo(staff, "/staff/signin", () => staff.click("form.signin button[type=submit]"));
    expect(tokenless.status()).toBe(403);
    await staff.locator(".notice.problem", { hasText: say("refused.csrf") }).waitFor();
    expect(await sessionCookie()).toBeUndefined();

    expect((await signInWith(worker.name, worker.password)).status()).toBe(303);
    await staff.waitForURL(`${base}/staff/cases`);
    await staff.locator("form.signout", { hasText: worker.name }).waitFor();
    expect(await sessionCookie()).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/staff" });
    timings.signIn = Date.now() - started;
  }, 120_000);

  it("refuses a case's forms with a forged or missing token, and nothing changes", async () => {
    await staff.goto(`${base}/staff/cases/${code}`);
    await staff.evaluate(
      `document.querySelector('form[action$="/claim"] input[name=_csrf]').value = "forged-forged-forged-forged-forged"`,
    );
    const forged = await responseTo(staff, `/staff/cases/${code}/claim`, () =>
      staff.getByRole("button", { name: say("cases.claim") }).click(),
    );
    expect(forged.status()).toBe(403);
    await staff.locator(".notice.problem", { hasText: say("refused.csrf") }).waitFor();

    await staff.goto(`${base}/staff/cases/${code}`);
    await staff.fill("#text", "Este mensaje no debe llegar");
    await staff.evaluate(`document.querySelector('form.reply input[name=_csrf]').remove()`);
    const missing = await responseTo(staff, `/staff/cases/${code}/reply`, () =>
      staff.getByRole("button", { name: say("cases.send") }).click(),
    );
    expect(missing.status()).toBe(403);
    await staff.locator(".notice.problem", { hasText: say("refused.csrf") }).waitFor();

    const cases = puente.cases as Cases;
    const found = await cases.find({ code });
    expect(found).toMatchObject({ status: "open" });
    expect(found?.claimedBy).toBeUndefined();
    const transcript = await cases.transcript(found?.id ?? "");
    expect(transcript.map((entry) => entry.text)).not.toContain("Este mensaje no debe llegar");
    expect(await chat.locator("#log", { hasText: "Este mensaje no debe llegar" }).count()).toBe(0);
    await staff.goto(`${base}/staff/cases/${code}`);
    await staff.locator(".facts .status.open").first().waitFor();
    // Still signed in: the refusal ended nothing.
    await staff.locator("form.signout", { hasText: worker.name }).waitFor();
  }, 120_000);

  it("shows the consultation's report with counts as stored, charts, and split by a question", async () => {
    await staff.getByRole("link", { name: say("nav.results"), exact: true }).click();
    await staff.waitForURL(`${base}/staff/results`);
    const flowSection = staff.locator("section.result-flow", { hasText: flowTitle() });
    await flowSection.getByText(say("results.responses", { count: PEOPLE.length })).waitFor();
    await flowSection.getByRole("button", { name: say("results.show") }).click();
    await staff.waitForURL((url) => url.pathname === `/staff/results/${FLOW}`);
    await staff.getByRole("heading", { level: 1, name: flowTitle() }).waitFor();
    expect(await staff.locator(".report-summary").textContent()).toContain(
      say("results.responses", { count: PEOPLE.length }),
    );

    // Age: 5 said 18 to 29, 2 said 30 to 44, 1 said 45 to 59, nobody under 18 or over 60.
    const age = questionSection(questionLabel("age_band"));
    expect(await rowsOf(age.locator("table.results"))).toEqual([
      [optionLabel("age_band", "minor"), "0", say("results.percent", { value: "0" })],
      [optionLabel("age_band", "a18_29"), "5", say("results.percent", { value: "62,5" })],
      [optionLabel("age_band", "a30_44"), "<5", ""],
      [optionLabel("age_band", "a45_59"), "<5", ""],
      [optionLabel("age_band", "a60_plus"), "0", say("results.percent", { value: "0" })],
    ]);
    expect(await age.locator("tfoot td").first().textContent()).toBe(String(PEOPLE.length));
    expect(await age.locator("svg.chart").count()).toBe(1);
    expect(await age.locator("svg.chart rect").count()).toBe(1);
    const nationality = questionSection(questionLabel("nationality"));
    const nationalityRows = await rowsOf(nationality.locator("table.results"));
    expect(nationalityRows.find((row) => row[0] === optionLabel("nationality", "haiti"))?.[1]).toBe("6");
    expect(nationalityRows.find((row) => row[0] === optionLabel("nationality", "venezuela"))?.[1]).toBe("<5");
    expect(nationalityRows.find((row) => row[0] === optionLabel("nationality", "peru"))?.[1]).toBe("<5");
    expect(await staff.locator("svg.chart").count()).toBeGreaterThanOrEqual(CHECKED.length);

    // Every row of every checked question agrees with the store, whatever suppression hid.
    for (const step of CHECKED) {
      const rows = await rowsOf(questionSection(questionLabel(step)).locator("table.results"));
      expect(rows.length, step).toBeGreaterThan(0);
      for (const [label = "", count = ""] of rows) {
        const option = optionsOf(step).find((known) => known.label === label);
        expect(option, `${step}: row "${label}"`).toBeDefined();
        agrees(count, truth(step, option?.id ?? null), `${step} ${label}`);
      }
    }
    // A count that alone would let a small one be worked out is hidden as "x" (needs: 5, 5 and 3 of 8).
    const needs = await rowsOf(questionSection(questionLabel("needs")).locator("table.results"));
    expect(needs.map((row) => row[1])).toContain("x");
    // Five people wrote a comment: with 8 responses they are listed.
    for (const plan of PEOPLE.filter((one) => one.comment !== SKIP))
      await staff.locator("ul.free-text li", { hasText: String(plan.comment) }).waitFor();

    // Split by age: each other question gets a table with a column per age group.
    await staff.selectOption(`#split-${FLOW}`, "age_band");
    await staff.getByRole("button", { name: say("results.show") }).click();
    await staff.waitForURL((url) => url.searchParams.get("split") === "age_band");
    await staff.locator("table.results.split").first().waitFor();
    expect(await staff.locator(".report-summary").textContent()).toContain(
      say("results.splitBy", { question: questionLabel("age_band") }),
    );
    const split = questionSection(questionLabel("nationality")).locator("table.results.split");
    const headers = (await split.locator("thead th").allTextContents()).map((text) => text.trim());
    const columns = headers.slice(2).map((header) => header.replace(/ \(n = [^)]*\)$/, ""));
    expect(columns).toEqual(
      optionsOf("age_band")
        .slice(0, -1)
        .map((option) => option.label),
    );
    for (const [label = "", whole = "", ...cells] of await rowsOf(split)) {
      const option = optionsOf("nationality").find((known) => known.label === label);
      expect(option, `nationality row "${label}"`).toBeDefined();
      agrees(whole, truth("nationality", option?.id ?? null), `nationality ${label}`);
      cells.forEach((cell, at) => {
        const group = optionsOf("age_band")[at]?.id;
        const inGroup = (response: StoredResponse) => response.answers.age_band === group;
        agrees(cell, truth("nationality", option?.id ?? null, inGroup), `nationality ${label} × ${group}`);
      });
    }
    expect(await questionSection(questionLabel("nationality")).locator("svg.chart").count()).toBe(1);
    expect(await staff.locator("table.results.split").count()).toBeGreaterThanOrEqual(CHECKED.length - 1);
    timings.report = Date.now() - started;
  }, 120_000);

  it("downloads CSV, XLSX and JSON that hold every stored response as it was answered", async () => {
    await staff.goto(`${base}/staff/results/${FLOW}`);
    const download = async (label: string) => {
      const [file] = await Promise.all([
        staff.waitForEvent("download"),
        staff.getByRole("link", { name: label, exact: true }).click(),
      ]);
      const path = await file.path();
      return { name: file.suggestedFilename(), bytes: readFileSync(path) };
    };
    /**
     * Each stored response's row, found by its id, holds its answers in words — coarsened as every
     * download is: the month, and an answer fewer than five rows hold as "other".
     */
    const other = t("staff:export.other");
    const compare = (header: string[], rows: unknown[][]) => {
      expect(rows).toHaveLength(stored.length);
      const column = (id: string) => header.findIndex((name) => name === id || name.endsWith(`(${id})`));
      for (const id of ["id", "month", "language", "channel", "age_band", "nationality", "gender", "comment"])
        expect(column(id), id).toBeGreaterThanOrEqual(0);
      expect(column("date")).toBe(-1);
      const held = (at: number, value: unknown) => rows.filter((row) => row[at] === value).length;
      for (const response of stored) {
        const row = rows.find((candidate) => candidate[column("id")] === response.id);
        expect(row, response.id).toBeDefined();
        expect(row?.[column("month")]).toBe(response.date.slice(0, 7));
        expect(row?.[column("language")]).toBe("es");
        expect(row?.[column("channel")]).toBe("web");
        for (const step of ["age_band", "nationality", "gender"]) {
          const answer = response.answers[step];
          const words = answer === null ? t("common:answer.skipped") : optionLabel(step, String(answer));
          const given = row?.[column(step)];
          if (given === other) continue;
          expect(given, `${response.id} ${step}`).toBe(words);
          expect(held(column(step), words), `${step} shown by name`).toBeGreaterThanOrEqual(5);
        }
        const comment = response.answers.comment;
        expect(row?.[column("comment")]).toBe(comment === null ? t("common:answer.skipped") : comment);
      }
    };

    const csv = await download(say("results.downloads.csv"));
    expect(csv.name).toMatch(/\.csv$/);
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [csvHeader = [], ...csvRows] = parse(csv.bytes, { bom: true, delimiter: ";" }) as string[][];
    compare(csvHeader, csvRows);

    const xlsx = await download(say("results.downloads.xlsx"));
    expect(xlsx.name).toMatch(/\.xlsx$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet("Respuestas");
    expect(sheet).toBeDefined();
    const sheetRows: unknown[][] = [];
    sheet?.eachRow((row) => {
      const values = row.values as unknown[];
      sheetRows.push(values.slice(1).map((value) => value ?? null));
    });
    const [xlsxHeader = [], ...xlsxRows] = sheetRows;
    compare(xlsxHeader as string[], xlsxRows);

    const json = await download(say("results.downloads.json"));
    expect(json.name).toMatch(/\.json$/);
    const records = JSON.parse(json.bytes.toString("utf8")) as Array<Record<string, unknown>>;
    const keys = Object.keys(records[0] ?? {});
    compare(
      keys,
      records.map((record) => keys.map((key) => record[key])),
    );

    // Downloading is on the record.
    await staff.goto(`${base}/staff/audit`);
    await staff
      .locator("td", { hasText: say("audit.actions.results-downloaded") })
      .first()
      .waitFor();
    timings.downloads = Date.now() - started;
  }, 120_000);

  it("prints the report to a PDF with the office's name, the consultation's title and its questions", async () => {
    await staff.goto(`${base}/staff/results/${FLOW}?split=age_band`);
    const href = await staff
      .getByRole("link", { name: say("results.downloads.pdf"), exact: true })
      .getAttribute("href");
    const response = await staffContext.request.get(new URL(href ?? "", staff.url()).toString(), { timeout: 90_000 });
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("application/pdf");
    const body = await response.body();
    expect(body.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(body)), { mergePages: true });
    const words = (value: string) => value.replace(/\s+/g, " ").trim();
    const pdfText = words(text);
    expect(pdfText).toContain(words(puente.office.file.name));
    expect(pdfText).toContain(words(flowTitle()));
    expect(pdfText).toContain(questionLabel("nationality"));
    expect(pdfText).toContain(optionLabel("nationality", "haiti"));
    expect(pdfText).toContain(words(say("results.splitBy", { question: questionLabel("age_band") })));

    // The print view it is made from, in the browser.
    await staff.getByRole("link", { name: say("results.downloads.print"), exact: true }).click();
    await staff.waitForURL((url) => url.pathname === `/staff/results/${FLOW}/print`);
    expect(await staff.locator(".print-head .office").textContent()).toBe(puente.office.file.name);
    await staff.locator("table.results.split").first().waitFor();
    timings.pdf = Date.now() - started;
  }, 180_000);

  it("takes the case, writes to the person, reads the answer without reloading, and closes it", async () => {
    await staff.goto(`${base}/staff/cases`);
    const row = staff.locator("tbody tr", { hasText: code });
    await row.waitFor();
    expect(await row.textContent()).toContain(say("cases.statuses.open"));
    expect(await row.textContent()).toContain(t("staff:channel.web"));
    await row.getByRole("link", { name: code }).click();
    await staff.waitForURL(`${base}/staff/cases/${code}`);
    await staff.locator(".facts dd", { hasText: t("persona:topic.options.housing") }).waitFor();

    await staff.getByRole("button", { name: say("cases.claim") }).click();
    await staff.locator(".notice.ok", { hasText: say("cases.done.claimed") }).waitFor();
    await bubble(t("common:handoff.claimed")).waitFor();

    const reply = "Hola, soy Bea de la oficina. ¿Arrienda o vive de allegada?";
    await staff.fill("#text", reply);
    await staff.getByRole("button", { name: say("cases.send") }).click();
    await staff.locator(".notice.ok", { hasText: say("cases.done.replied") }).waitFor();
    await bubble(reply).waitFor();
    await staff.locator("#conversation li.staff", { hasText: reply }).waitFor();

    // The page stays as it is (a mark set on it survives) while case.js brings the answer in.
    await staff.evaluate(`window.__stillTheSamePage = true`);
    const answer = "Vivo de allegada con mis dos hijos";
    await chat.fill("#input", answer);
    await chat.press("#input", "Enter");
    await staff.locator("#conversation li.person", { hasText: answer }).waitFor({ timeout: 20_000 });
    expect(await staff.evaluate("window.__stillTheSamePage === true")).toBe(true);
    await capture(staff, "case-open");

    await staff.getByRole("button", { name: say("cases.close") }).click();
    await staff.locator(".notice.ok", { hasText: say("cases.done.closed") }).waitFor();
    await bubble(t("common:handoff.closed")).waitFor();
    await capture(chat, "web-chat");
    await staff.locator(".facts .status.closed", { hasText: say("cases.statuses.closed") }).waitFor();
    expect(await staff.locator("form.reply").count()).toBe(0);
    const trail = (await staff.locator("ol.trail").textContent()) ?? "";
    for (const action of ["opened", "claimed", "replied", "closed"])
      expect(trail).toContain(say(`cases.actions.${action}`));
    expect(trail).toContain(worker.name);
    expect(await (puente.cases as Cases).find({ code })).toMatchObject({ status: "closed" });

    await staff.getByRole("link", { name: say("nav.audit"), exact: true }).click();
    await staff
      .locator("tr", { hasText: say("audit.actions.case-closed") })
      .filter({ hasText: code })
      .waitFor();
    await staff
      .locator("tr", { hasText: say("audit.actions.sign-in-refused") })
      .first()
      .waitFor();
    timings.case = Date.now() - started;
  }, 120_000);

  it("saves every page at phone and desktop width, none wider than a phone", async () => {
    const pages: Array<[string, string]> = [
      ["inbox", "/staff/cases"],
      ["case-closed", `/staff/cases/${code}`],
      ["results", "/staff/results"],
      ["report", `/staff/results/${FLOW}?split=age_band`],
      ["print", `/staff/results/${FLOW}/print?split=age_band`],
      ["notifications", "/staff/notifications"],
      ["whatsapp", "/staff/whatsapp"],
      ["audit", "/staff/audit"],
      ["signin", "/staff/signin"],
    ];
    for (const [name, path] of pages) {
      await staff.setViewportSize(PHONE);
      const response = await staff.goto(`${base}${path}`);
      expect(response?.status(), path).toBe(200);
      await staff.locator("main h1").first().waitFor();
      await capture(staff, name);
    }
    for (const name of [...pages.map(([one]) => one), "case-open", "web-chat"])
      for (const size of ["phone", "desktop"]) expect(existsSync(`${SHOTS}/${name}-${size}.png`), name).toBe(true);
    expect(overflowing).toEqual([]);
    timings.screenshots = Date.now() - started;
  }, 180_000);

  it("had no script errors and no Content-Security-Policy refusals on any page", () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
