import { existsSync, readFileSync } from "node:fs";
import axe, { type AxeResults } from "axe-core";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { quiet, testConfig } from "./support/puente.js";

/**
 * The web chat in a real (headless) Chromium against the real engine: a person picks Kreyòl,
 * answers by button and by typing, goes back, changes an answer at review, submits by typing the
 * submit button's word. The page is checked with axe-core at phone and desktop widths, and for
 * what axe cannot see: controls a finger can hit, the text box's border, focus, `lang` everywhere.
 */
const CHROMIUM = "/usr/bin/chromium";
const WAIT = 30_000;
/** What the page looks like at each state checked, at phone and desktop width. */
const SHOTS = "test-results/screenshots";

interface CommonTexts {
  language: { name: string; set: string };
  menu: { text: string };
  control: { back: string; done: string };
  question: { current: string };
  answer: { yes: string; no: string };
  review: { title: string; confirm: string; change: string };
  web: Record<string, string>;
}

interface DemoStep {
  text: string;
  short?: string;
  options?: Record<string, string>;
}

interface DemoTexts {
  title: string;
  done: string;
  intro: DemoStep;
  consent: DemoStep;
  country: DemoStep;
  age: DemoStep;
  children: DemoStep;
  children_count: DemoStep;
  needs: DemoStep;
  comment: DemoStep;
}

const readLocale = <T>(name: string): T => JSON.parse(readFileSync(`locales/ht/${name}.json`, "utf8")) as T;

describe.skipIf(!existsSync(CHROMIUM))("web chat in a browser", () => {
  const common = readLocale<CommonTexts>("common");
  const demo = readLocale<DemoTexts>("demo");
  const consultaTitle = readLocale<{ title: string }>("consulta").title;
  const errors: string[] = [];
  let puente: Puente;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    puente = await startPuente(testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }), quiet);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
      ],
    });
    const context = await browser.newContext({ locale: "de-DE" });
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await puente?.close();
  });

  const prompts = () => page.locator("#log [data-kind=prompt]");
  const stepOf = (prompt: Locator) => prompt.getAttribute("data-ref");
  const textOf = async (prompt: Locator) => (await prompt.locator(".text").textContent()) ?? "";
  const hintOf = async (prompt: Locator) => (await prompt.locator(".hint").textContent()) ?? "";
  const progressOf = async (prompt: Locator) => (await prompt.locator(".progress").textContent()) ?? "";
  /** Progress as the page words it: "Kesyon 3 sou 7". */
  const steps = (index: number, total: number) =>
    common.web.progress?.replace("{{index}}", String(index)).replace("{{total}}", String(total));
  const button = (prompt: Locator, token: string) => prompt.locator(`button.choice[data-token="${token}"]`);
  /** A choice's label and the number to type for it ("" for none). */
  const labelOf = async (choice: Locator) => (await choice.locator(".label").textContent()) ?? "";
  const numberOf = async (choice: Locator) =>
    (await choice.locator(".num").count()) ? await choice.locator(".num").textContent() : "";

  /** Does something and waits for the bot's next question (a new prompt bubble); returns it. */
  async function next(action: () => Promise<void>): Promise<Locator> {
    const before = await prompts().count();
    await action();
    const added = prompts().nth(before);
    await added.waitFor();
    return added;
  }

  const tap = (token: string) => next(() => button(prompts().last(), token).click());
  const type = (text: string) =>
    next(async () => {
      await page.fill("#input", text);
      await page.click("#send");
    });

  it("picks Kreyòl, answers by button and by typing, goes back, changes an answer at review, submits", async () => {
    await page.goto(`http://127.0.0.1:${puente.port}/`);

    // German is not served: the picker asks, every language in its own name.
    const picker = prompts().first();
    await picker.waitFor();
    expect(await prompts().count()).toBe(1);
    expect(await labelOf(button(picker, "l:ht"))).toBe(common.language.name);
    // Numbered as typed: Kreyòl is the second language.
    expect(await numberOf(button(picker, "l:ht"))).toBe("2");
    // Each line of the picker, and each button, in its own language.
    expect(await picker.locator('.text [lang="ht"]').textContent()).toBe(
      puente.texts.t("ht", "common:language.choose"),
    );
    expect(await button(picker, "l:ht").getAttribute("lang")).toBe("ht");

    let prompt = await tap("l:ht");
    await page.locator(`#input[placeholder=${JSON.stringify(common.web.placeholder)}]`).waitFor();
    expect(await page.locator("#send").getAttribute("aria-label")).toBe(common.web.send);
    expect(await page.locator("#input").getAttribute("aria-label")).toBe(common.web.inputLabel);
    expect(await page.locator("#language").getAttribute("aria-label")).toBe(common.web.languageLabel);
    expect(await page.title()).toBe(puente.texts.t("ht", "common:web.title"));
    expect(await page.locator("html").getAttribute("lang")).toBe("ht");
    expect(await page.locator("#language").inputValue()).toBe("ht");
    expect(await page.locator("#log .bubble.bot:not([data-kind])").allTextContents()).toContain(common.language.set);
    expect(await textOf(prompt)).toBe(common.menu.text);
    // The picker, answered: its options plain text, the one chosen marked, no buttons left.
    expect(await picker.locator("button").count()).toBe(0);
    expect(await picker.locator(".choice.chosen .label").textContent()).toBe(common.language.name);

    // The menu offers the consultation; the demo opens by its link, typed: its note, then the first question.
    expect(await labelOf(button(prompt, "m:consulta"))).toBe(consultaTitle);
    prompt = await type("/start demo");
    expect(await page.locator("#log .bubble.bot:not([data-kind])").last().textContent()).toBe(demo.intro.text);
    expect(await stepOf(prompt)).toBe("demo/consent");
    expect(await textOf(prompt)).toBe(demo.consent.text);
    // Counted among the questions that may still apply: both follow-ups, until ruled out.
    expect(await progressOf(prompt)).toBe(steps(1, 8));
    expect(await numberOf(button(prompt, "a:demo:consent:yes"))).toBe("1");
    expect(await numberOf(button(prompt, "a:demo:consent:no"))).toBe("2");

    prompt = await tap("a:demo:consent:yes");
    expect(await page.locator("#log .bubble.me").last().textContent()).toBe(common.answer.yes);
    expect(await stepOf(prompt)).toBe("demo/country");
    expect(await progressOf(prompt)).toBe(steps(2, 8));
    // A question answered by a tap: focus on the question itself, read out first.
    expect(await page.evaluate('document.activeElement?.getAttribute("data-ref")')).toBe("demo/country");

    // Country by typing its number, shown on its button: Venezuela, so "which other country?" is not asked.
    const venezuela = demo.country.options?.venezuela ?? "";
    expect(await labelOf(button(prompt, "a:demo:country:venezuela"))).toBe(venezuela);
    expect(await numberOf(button(prompt, "a:demo:country:venezuela"))).toBe("2");
    expect(await numberOf(button(prompt, "c:demo:country:skip"))).toBe("");
    prompt = await type("2");
    expect(await stepOf(prompt)).toBe("demo/age");
    expect(await progressOf(prompt)).toBe(steps(3, 7));
    expect(await page.locator('#log [data-ref="demo/country_other"]').count()).toBe(0);
    // A number question: the phone's number keys, and the text box takes focus.
    expect(await page.locator("#input").getAttribute("inputmode")).toBe("numeric");
    expect(await page.evaluate("document.activeElement?.id")).toBe("input");

    prompt = await type("34");
    expect(await stepOf(prompt)).toBe("demo/children");
    expect(await progressOf(prompt)).toBe(steps(4, 7));
    expect(await page.locator("#input").getAttribute("inputmode")).toBe("text");

    // Back: the age question again, showing the answer given.
    expect(await labelOf(button(prompt, "c:demo:children:back"))).toBe(common.control.back);
    prompt = await tap("c:demo:children:back");
    expect(await stepOf(prompt)).toBe("demo/age");
    expect(await progressOf(prompt)).toBe(steps(3, 7));
    expect(await hintOf(prompt)).toContain(common.question.current.replace("{{answer}}", "34"));

    prompt = await type("35");
    expect(await stepOf(prompt)).toBe("demo/children");
    prompt = await type("wi");
    expect(await stepOf(prompt)).toBe("demo/children_count");
    expect(await progressOf(prompt)).toBe(steps(5, 7));
    prompt = await type("2");
    expect(await stepOf(prompt)).toBe("demo/needs");
    expect(await progressOf(prompt)).toBe(steps(6, 7));

    // Multiple choice: each tap redraws the same question in place, ticked options pressed.
    for (const option of ["health", "housing"]) {
      const token = `a:demo:needs:${option}`;
      await button(prompts().last(), token).click();
      await page
        .locator(`#log [data-ref="demo/needs"] button[data-token="${token}"][aria-pressed="true"]:not([disabled])`)
        .waitFor();
    }
    const needs = page.locator('#log [data-ref="demo/needs"]');
    expect(await needs.count()).toBe(1);
    expect(await needs.locator('[aria-pressed="true"]').count()).toBe(2);
    expect(await needs.locator('[aria-pressed="false"]').count()).toBe(3);
    expect(await labelOf(button(needs, "c:demo:needs:done"))).toBe(common.control.done);
    // A keyboard user's place is kept across the redraw: on the option just ticked.
    expect(await page.evaluate('document.activeElement?.getAttribute("data-token")')).toBe("a:demo:needs:housing");

    prompt = await tap("c:demo:needs:done");
    expect(await stepOf(prompt)).toBe("demo/comment");
    expect(await progressOf(prompt)).toBe(steps(7, 7));

    const comment = "Mèsi anpil pou èd la 🙏🏽";
    prompt = await type(comment);
    expect(await page.locator("#log .bubble.me").last().textContent()).toBe(comment);

    // The review lists every answer.
    expect(await stepOf(prompt)).toBe("demo/_review");
    const options = (step: DemoStep, ...ids: string[]) => ids.map((id) => step.options?.[id] ?? "").join(", ");
    const reviewed = await textOf(prompt);
    expect(reviewed.split("\n")).toEqual([
      common.review.title,
      "",
      `1. ${demo.consent.short}: ${common.answer.yes}`,
      `2. ${demo.country.short}: ${venezuela}`,
      `3. ${demo.age.short}: 35`,
      `4. ${demo.children.short}: ${common.answer.yes}`,
      `5. ${demo.children_count.short}: 2`,
      `6. ${demo.needs.short}: ${options(demo.needs, "health", "housing")}`,
      `7. ${demo.comment.short}: ${comment}`,
    ]);

    // Change the children answer to "no": back at review without the count.
    expect(await labelOf(button(prompt, "r:demo:change"))).toBe(common.review.change);
    prompt = await tap("r:demo:change");
    expect(await stepOf(prompt)).toBe("demo/_review_choose");
    // Numbered by the engine already: no second number.
    expect(await button(prompt, "e:demo:children").textContent()).toBe(`4. ${demo.children.short}`);
    prompt = await tap("e:demo:children");
    expect(await stepOf(prompt)).toBe("demo/children");
    expect(await hintOf(prompt)).toContain(common.question.current.replace("{{answer}}", common.answer.yes));
    prompt = await tap("a:demo:children:no");
    expect(await stepOf(prompt)).toBe("demo/_review");
    const changed = await textOf(prompt);
    expect(changed).toContain(`4. ${demo.children.short}: ${common.answer.no}`);
    expect(changed).not.toContain(`${demo.children_count.short}:`);
    expect(changed).toContain(`5. ${demo.needs.short}: ${options(demo.needs, "health", "housing")}`);
    expect(changed).toContain(`6. ${demo.comment.short}: ${comment}`);

    // One unmistakable submit: the chat's send button reads otherwise than the review's.
    expect(await labelOf(button(prompt, "r:demo:confirm"))).toBe(common.review.confirm);
    const sendName = (await page.locator("#send").getAttribute("aria-label")) ?? "";
    expect(sendName.trim()).not.toBe(common.review.confirm.replace(/^\W+/u, "").trim());
    expect(await page.locator("#send").textContent()).not.toContain(common.review.confirm.replace(/^\W+/u, ""));
    // Submit by typing the submit button's word ("voye"): the thanks, then the menu again.
    prompt = await type("voye");
    expect(await page.locator("#log .bubble.bot:not([data-kind])").last().textContent()).toBe(demo.done);
    expect(await stepOf(prompt)).toBeNull();
    expect(await textOf(prompt)).toBe(common.menu.text);
    expect(await button(prompt, "m:consulta").isEnabled()).toBe(true);

    // Every message says its language.
    expect(await page.locator("#log > :not([lang])").count()).toBe(0);
    expect(await page.locator("#log .error").count()).toBe(0);
    expect(errors).toEqual([]);
  }, 180_000);

  it("follows a language typed at the picker: the page's own texts switch too", async () => {
    const context = await browser.newContext({ locale: "de-DE" });
    const fresh = await context.newPage();
    fresh.setDefaultTimeout(WAIT);
    await fresh.goto(`http://127.0.0.1:${puente.port}/`);
    await fresh.locator("#log [data-kind=prompt] button.choice[data-token='l:ht']").waitFor();
    await fresh.fill("#input", "3");
    await fresh.click("#send");
    const french = JSON.parse(readFileSync("locales/fr/common.json", "utf8")) as CommonTexts;
    await fresh.locator("#log .bubble.bot", { hasText: french.language.set }).waitFor();
    await expect.poll(() => fresh.locator("#input").getAttribute("placeholder")).toBe(french.web.placeholder);
    expect(await fresh.locator("#language").inputValue()).toBe("fr");
    await context.close();
  }, 60_000);

  it("on a shared computer, the next person is asked first: continue, or start fresh without the previous answers", async () => {
    const context = await browser.newContext({ locale: "es-CL" });
    const t = (key: string) => puente.texts.t("es", key);
    const first = await context.newPage();
    first.setDefaultTimeout(WAIT);
    await first.goto(`http://127.0.0.1:${puente.port}/`);
    await first.locator("#log [data-kind=prompt] button.choice").first().waitFor();
    await first.fill("#input", "/start demo");
    await first.click("#send");
    await first.locator("#log [data-kind=prompt][data-ref='demo/consent']").waitFor();
    await first.locator("#log [data-kind=prompt][data-ref='demo/consent'] button.choice").first().click();
    await first.locator("#log [data-kind=prompt][data-ref='demo/country']").waitFor();
    await first.close();

    /** The page as the next person finds it: a question first, nothing of the chat before it. */
    const comeBack = async () => {
      const page = await context.newPage();
      page.setDefaultTimeout(WAIT);
      await page.goto(`http://127.0.0.1:${puente.port}/`);
      const question = page.locator("#log [data-kind=prompt]").last();
      await question.locator("button.choice").first().waitFor();
      expect(await question.locator(".text").textContent()).toBe(t("common:web.resumeQuestion"));
      expect(await question.locator("button.choice .label").allTextContents()).toEqual([
        t("common:web.resume"),
        t("common:web.fresh"),
      ]);
      expect(await page.locator("#log [data-ref^='demo/']").count()).toBe(0);
      return { page, question };
    };

    // The same person comes back: they continue where they were.
    const again = await comeBack();
    await again.question.locator("button.choice", { hasText: t("common:web.resume") }).click();
    await again.page.locator("#log [data-kind=prompt][data-ref='demo/country']").waitFor();
    await again.page.close();

    // Someone else: a fresh start, the previous answers nowhere.
    const other = await comeBack();
    await other.question.locator("button.choice", { hasText: t("common:web.fresh") }).click();
    await other.page.locator("#log [data-kind=prompt] button.choice[data-token='m:ayuda']").waitFor();
    expect(await other.page.locator("#log [data-ref^='demo/']").count()).toBe(0);
    expect(await other.page.locator("#log").textContent()).not.toContain(t("demo:country.text"));
    await context.close();
  }, 60_000);

  it("a newcomer finds the screening first in the menu and gets a useful result in a dozen taps", async () => {
    const context = await browser.newContext({ locale: "es-CL" });
    const fresh = await context.newPage();
    fresh.setDefaultTimeout(WAIT);
    const t = (key: string) => puente.texts.t("es", key);
    await fresh.goto(`http://127.0.0.1:${puente.port}/`);
    const menu = fresh.locator("#log [data-kind=prompt]").last();
    await menu.locator("button.choice").first().waitFor();
    expect(await menu.locator("button.choice .label").allTextContents()).toEqual([
      t("ayuda:title"),
      t("consulta:title"),
      t("mediacion:title"),
      t("persona:title"),
      t("common:language.change"),
    ]);
    let taps = 0;
    const choose = async (label: string) => {
      taps++;
      const before = await fresh.locator("#log [data-kind=prompt]").count();
      await fresh
        .locator("#log [data-kind=prompt]")
        .last()
        .locator("button.choice", { hasText: label })
        .first()
        .click();
      await expect.poll(() => fresh.locator("#log [data-kind=prompt]").count()).toBeGreaterThan(before);
    };
    const tick = async (label: string) => {
      taps++;
      const button = fresh
        .locator("#log [data-kind=prompt]")
        .last()
        .locator("button.choice", { hasText: label })
        .first();
      await button.click();
      await expect.poll(() => button.getAttribute("aria-pressed")).toBe("true");
    };
    await choose(t("ayuda:title"));
    await tick(t("ayuda:needs.options.housing"));
    await choose(t("common:control.done"));
    await choose(t("ayuda:situation.options.temporary"));
    await choose(t("ayuda:run.options.yes"));
    await tick(t("ayuda:household.options.children"));
    await choose(t("common:control.done"));
    await choose(t("ayuda:school.options.all_in_school"));
    await choose(t("ayuda:rsh.options.t41_60"));
    await choose(t("ayuda:housing.options.rent"));
    await choose(t("ayuda:work.options.contract"));
    await choose(t("ayuda:health.options.fonasa"));
    expect(taps).toBeLessThanOrEqual(13);
    const said = (await fresh.locator("#log .bubble.bot").allTextContents()).join("\n");
    expect(said).toContain(`✅ ${t("rules:vivienda.ds52_arriendo.title")}`);
    expect(said).toContain(`✅ ${t("rules:social.suf.title")}`);
    expect(said).toContain(t("rules:places.minvu"));
    expect(
      await fresh.locator("#log [data-kind=prompt]").last().locator("button.choice .label").allTextContents(),
    ).toEqual([t("common:handoff.offerYes"), t("common:handoff.offerAgain"), t("common:handoff.offerMenu")]);
    await context.close();
  }, 90_000);
  const PHONE = { width: 390, height: 844 };
  const DESKTOP = { width: 1280, height: 800 };

  async function pageIn(context: BrowserContext): Promise<Page> {
    const opened = await context.newPage();
    opened.setDefaultTimeout(WAIT);
    opened.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
    return opened;
  }

  /** axe-core's violations on the page as it is now, one line each. */
  async function axeViolations(on: Page): Promise<string[]> {
    if (!(await on.evaluate('"axe" in window'))) await on.addScriptTag({ content: axe.source });
    const results = (await on.evaluate(
      'axe.run(document, { rules: { "target-size": { enabled: true } } })',
    )) as AxeResults;
    return results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
  }

  /** What axe leaves to people: controls shown lower than 44 px (a finger, not a pointer). */
  const UNDER_44_PX = `[...document.querySelectorAll("button, select, input")]
    .map((control) => [control, control.getBoundingClientRect()])
    .filter(([, box]) => box.width > 0 && box.height < 44)
    .map(([control, box]) => (control.id || control.textContent) + " " + box.height + "px")`;
  const underSized = async (on: Page) => (await on.evaluate(UNDER_44_PX)) as string[];

  /** The contrast of the text box's border against what is around it and inside it. */
  const BORDER_CONTRAST = `(() => {
    const input = document.getElementById("input");
    const luminance = (color) => {
      const [r, g, b] = (color.match(/[\\d.]+/g) || []).slice(0, 3).map(Number).map((c) =>
        c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => {
      const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (high + 0.05) / (low + 0.05);
    };
    const border = getComputedStyle(input).borderTopColor;
    const around = getComputedStyle(input.parentElement).backgroundColor;
    return Math.min(ratio(border, around), ratio(border, getComputedStyle(input).backgroundColor));
  })()`;
  const borderContrast = async (on: Page) => (await on.evaluate(BORDER_CONTRAST)) as number;

  it.each([
    ["a phone", PHONE],
    ["a desktop", DESKTOP],
  ] as const)(
    "has no axe-core violations on %s, at every state; controls fit a finger; 'enviar' submits the review",
    async (width, viewport) => {
      const phone = viewport === PHONE;
      const context = await browser.newContext({
        locale: "de-DE",
        viewport,
        ...(phone ? { isMobile: true, hasTouch: true } : {}),
      });
      const on = await pageIn(context);
      const t = (key: string) => puente.texts.t("es", key);
      const found: Record<string, string[]> = {};
      const check = async (state: string) => {
        found[state] = await axeViolations(on);
        if (phone) found[`${state}: controls under 44 px`] = await underSized(on);
        const name = state.replace(/\W+/g, "-").replace(/^-|-$/g, "");
        await on.screenshot({ path: `${SHOTS}/web-chat-${name}-${phone ? "phone" : "desktop"}.png` });
      };
      const last = () => on.locator("#log [data-kind=prompt]").last();
      const ask = async (act: () => Promise<void>, ref: string | null) => {
        const before = await on.locator("#log [data-kind=prompt]").count();
        await act();
        await on.locator("#log [data-kind=prompt]").nth(before).waitFor();
        if (ref) expect(await last().getAttribute("data-ref")).toBe(ref);
      };
      const typeIt = (text: string, ref: string | null) =>
        ask(async () => {
          await on.fill("#input", text);
          await on.press("#input", "Enter");
        }, ref);
      const tapIt = (token: string, ref: string | null) =>
        ask(() => last().locator(`button[data-token="${token}"]`).click(), ref);

      await on.goto(`http://127.0.0.1:${puente.port}/`);
      await last().locator("button.choice").first().waitFor();
      expect(await on.locator("h1").count()).toBe(1);
      expect(await borderContrast(on)).toBeGreaterThanOrEqual(3);
      await check("the language picker");
      await tapIt("l:es", null);
      await check("the menu");
      await typeIt("/start demo", "demo/consent");
      await check("a question");
      await tapIt("a:demo:consent:yes", "demo/country");
      await check("after an answer");
      await typeIt("2", "demo/age");
      await check("a number question");
      await typeIt("40", "demo/children");
      await tapIt("a:demo:children:no", "demo/needs");
      await last().locator('button[data-token="a:demo:needs:health"]').click();
      await last().locator('button[aria-pressed="true"]').waitFor();
      await check("a multiple choice, one ticked");
      await tapIt("c:demo:needs:done", "demo/comment");
      await tapIt("c:demo:comment:skip", "demo/_review");
      await check("the review");

      await on.click("#restart");
      await on.locator("#restart-dialog[open]").waitFor();
      await check("start again?");
      await on.click("#restart-no");

      // The same browser later: asked whether to continue.
      const back = await pageIn(context);
      await back.goto(`http://127.0.0.1:${puente.port}/`);
      await back.locator("#log [data-resume] button.choice").first().waitFor();
      found["the resume prompt"] = await axeViolations(back);
      if (phone) found["the resume prompt: controls under 44 px"] = await underSized(back);
      await back.close();

      // Typing the submit button's word submits, as tapping it does.
      await typeIt("Enviar", null);
      expect(await on.locator("#log .bubble.bot:not([data-kind])").allTextContents()).toContain(t("demo:done"));
      expect(await last().getAttribute("data-expects")).toBe("menu");
      await check("after submitting");

      await on.fill("#input", "/borrar");
      await on.press("#input", "Enter");
      await on.locator("#log .bubble.bot", { hasText: t("common:deleted") }).waitFor();
      await check("after /borrar");

      expect(found, width).toEqual(Object.fromEntries(Object.keys(found).map((state) => [state, []])));
      expect(errors).toEqual([]);
      await context.close();
    },
    120_000,
  );

  it("asks before starting again; /borrar clears the screen and keeps the language; focus is never taken from typing", async () => {
    const context = await browser.newContext({ locale: "de-DE" });
    const on = await pageIn(context);
    const ht = (key: string) => puente.texts.t("ht", key);
    const last = () => on.locator("#log [data-kind=prompt]").last();
    await on.goto(`http://127.0.0.1:${puente.port}/`);
    await on.locator("#log button.choice[data-token='l:ht']").click();
    await last().locator("button[data-token='m:consulta']").waitFor();
    await on.fill("#input", "/start demo");
    await on.press("#input", "Enter");
    await on.locator("#log [data-ref='demo/consent'] button.choice").first().waitFor();

    // A reply that arrives while the person writes leaves the focus, and the words, where they are.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await on.route("**/api/chat/messages", async (route) => {
      await gate;
      await route.continue();
    });
    await on.locator("#log [data-ref='demo/consent'] button[data-token='a:demo:consent:yes']").click();
    await on.fill("#input", "mwen vle");
    release();
    await on.locator("#log [data-ref='demo/country'] button.choice").first().waitFor();
    await on.unroute("**/api/chat/messages");
    expect(await on.evaluate("document.activeElement?.id")).toBe("input");
    expect(await on.inputValue("#input")).toBe("mwen vle");
    await on.fill("#input", "");

    // "Start again" asks first; "no" loses nothing.
    const before = await on.locator("#log > *").count();
    await on.click("#restart");
    const dialog = on.locator("#restart-dialog[open]");
    await dialog.waitFor();
    expect(await dialog.locator("#restart-question").textContent()).toBe(ht("common:web.restartQuestion"));
    expect(await on.evaluate("document.activeElement?.id")).toBe("restart-no");
    await on.click("#restart-no");
    expect(await on.locator("#restart-dialog[open]").count()).toBe(0);
    expect(await on.locator("#log > *").count()).toBe(before);
    expect(await last().getAttribute("data-ref")).toBe("demo/country");
    expect(await on.evaluate("document.activeElement?.id")).toBe("restart");

    // "Yes": the answers are erased, said so, and a new chat begins in the person's language.
    await on.click("#restart");
    await on.click("#restart-yes");
    await last().locator("button[data-token='m:consulta']").waitFor();
    expect(await on.locator("#log .bubble").first().textContent()).toBe(ht("common:deleted"));
    expect(await on.locator("#log [data-ref^='demo/']").count()).toBe(0);
    expect(await on.locator("#log .bubble.bot", { hasText: ht("common:welcome") }).count()).toBe(1);
    expect(await on.locator("html").getAttribute("lang")).toBe("ht");

    // /efase (/borrar in Kreyòl): nothing of the conversation stays on the screen but the line that says so.
    await on.fill("#input", "/start demo");
    await on.press("#input", "Enter");
    await on.locator("#log [data-ref='demo/consent']").waitFor();
    await on.fill("#input", "/efase");
    await on.press("#input", "Enter");
    await expect.poll(() => on.locator("#log > *").allTextContents()).toEqual([ht("common:deleted")]);
    expect(await on.locator("#log > *").first().getAttribute("lang")).toBe("ht");
    // The language stays as chosen: the page, and the chat that starts when the person writes again.
    expect(await on.locator("#language").inputValue()).toBe("ht");
    expect(await on.locator("#input").getAttribute("placeholder")).toBe(ht("common:web.placeholder"));
    await on.fill("#input", "bonjou");
    await on.press("#input", "Enter");
    await on.locator("#log .bubble.bot", { hasText: ht("common:welcome") }).waitFor();
    expect(await last().getAttribute("data-expects")).toBe("menu");
    expect(await last().locator(".text").textContent()).toBe(ht("common:menu.text"));
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);
});
