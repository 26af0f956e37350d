import { existsSync, readFileSync } from "node:fs";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { quiet, testConfig } from "./support/puente.js";

/**
 * The web chat in a real (headless) Chromium against the real engine: a person picks Kreyòl,
 * answers by button and by typing, goes back, changes an answer at review, submits.
 */
const CHROMIUM = "/usr/bin/chromium";
const WAIT = 30_000;

interface CommonTexts {
  language: { name: string; set: string };
  menu: { text: string };
  control: { back: string; done: string };
  question: { current: string };
  answer: { yes: string; no: string };
  review: { title: string; confirm: string; change: string };
  web: { placeholder: string; send: string; title: string };
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
  const button = (prompt: Locator, token: string) => prompt.locator(`button.choice[data-token="${token}"]`);

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
    expect(await button(picker, "l:ht").textContent()).toBe(common.language.name);

    let prompt = await tap("l:ht");
    await page.locator(`#input[placeholder=${JSON.stringify(common.web.placeholder)}]`).waitFor();
    expect(await page.locator("#send").textContent()).toBe(common.web.send);
    expect(await page.title()).toBe(common.web.title);
    expect(await page.locator("html").getAttribute("lang")).toBe("ht");
    expect(await page.locator("#language").inputValue()).toBe("ht");
    expect(await page.locator("#log .bubble.bot:not([data-kind])").allTextContents()).toContain(common.language.set);
    expect(await textOf(prompt)).toBe(common.menu.text);
    expect(await button(picker, "l:ht").isDisabled()).toBe(true);

    // The menu offers the consultation; the demo opens by its link, typed: its note, then the first question.
    expect(await button(prompt, "m:consulta").textContent()).toBe(consultaTitle);
    prompt = await type("/start demo");
    expect(await page.locator("#log .bubble.bot:not([data-kind])").last().textContent()).toBe(demo.intro.text);
    expect(await stepOf(prompt)).toBe("demo/consent");
    expect(await textOf(prompt)).toBe(demo.consent.text);
    expect(await progressOf(prompt)).toBe("1/6");

    prompt = await tap("a:demo:consent:yes");
    expect(await page.locator("#log .bubble.me").last().textContent()).toBe(common.answer.yes);
    expect(await stepOf(prompt)).toBe("demo/country");
    expect(await progressOf(prompt)).toBe("2/6");

    // Country by typing its number: Venezuela, so "which other country?" is not asked.
    const venezuela = demo.country.options?.venezuela ?? "";
    expect(await button(prompt, "a:demo:country:venezuela").textContent()).toBe(venezuela);
    prompt = await type("2");
    expect(await stepOf(prompt)).toBe("demo/age");
    expect(await progressOf(prompt)).toBe("3/6");
    expect(await page.locator('#log [data-ref="demo/country_other"]').count()).toBe(0);

    prompt = await type("34");
    expect(await stepOf(prompt)).toBe("demo/children");
    expect(await progressOf(prompt)).toBe("4/6");

    // Back: the age question again, showing the answer given.
    expect(await button(prompt, "c:demo:children:back").textContent()).toBe(common.control.back);
    prompt = await tap("c:demo:children:back");
    expect(await stepOf(prompt)).toBe("demo/age");
    expect(await progressOf(prompt)).toBe("3/6");
    expect(await hintOf(prompt)).toContain(common.question.current.replace("{{answer}}", "34"));

    prompt = await type("35");
    expect(await stepOf(prompt)).toBe("demo/children");
    prompt = await type("wi");
    expect(await stepOf(prompt)).toBe("demo/children_count");
    expect(await progressOf(prompt)).toBe("5/7");
    prompt = await type("2");
    expect(await stepOf(prompt)).toBe("demo/needs");
    expect(await progressOf(prompt)).toBe("6/7");

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
    expect(await button(needs, "c:demo:needs:done").textContent()).toBe(common.control.done);

    prompt = await tap("c:demo:needs:done");
    expect(await stepOf(prompt)).toBe("demo/comment");
    expect(await progressOf(prompt)).toBe("7/7");

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
    expect(await button(prompt, "r:demo:change").textContent()).toBe(common.review.change);
    prompt = await tap("r:demo:change");
    expect(await stepOf(prompt)).toBe("demo/_review_choose");
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

    // Submit: the thanks, then the menu again.
    expect(await button(prompt, "r:demo:confirm").textContent()).toBe(common.review.confirm);
    prompt = await tap("r:demo:confirm");
    expect(await page.locator("#log .bubble.bot:not([data-kind])").last().textContent()).toBe(demo.done);
    expect(await stepOf(prompt)).toBeNull();
    expect(await textOf(prompt)).toBe(common.menu.text);
    expect(await button(prompt, "m:consulta").isEnabled()).toBe(true);

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
      expect(await question.locator("button.choice").allTextContents()).toEqual([
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
    expect(await menu.locator("button.choice").allTextContents()).toEqual([
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
    expect(await fresh.locator("#log [data-kind=prompt]").last().locator("button.choice").allTextContents()).toEqual([
      t("common:handoff.offerYes"),
      t("common:handoff.offerAgain"),
      t("common:handoff.offerMenu"),
    ]);
    await context.close();
  }, 90_000);
});
