import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cases } from "../src/core/cases/cases.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { BotApiEmulator, TEST_TOKEN } from "./support/bot-api.js";
import { FAST_POLICIES, until } from "./support/handoff.js";
import { quiet, TEST_CONTACT_KEY, testConfig } from "./support/puente.js";

/**
 * The hand-off with the person on the web chat in a real Chromium, staff in their Telegram group
 * (the Bot API emulator), everything else in memory as `npm start` runs with no Redis: what staff
 * write reaches the open page as server-sent events, without the person doing anything.
 */
const CHROMIUM = "/usr/bin/chromium";
const WAIT = 30_000;

describe.skipIf(!existsSync(CHROMIUM))("hand-off with the person on the web chat", () => {
  const emulator = new BotApiEmulator({ validToken: TEST_TOKEN });
  const staff = emulator.group({ chatId: -1_002_000_555_000 });
  const rosa = staff.member({ userId: 7001, firstName: "Rosa" });
  const errors: string[] = [];
  let puente: Puente;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await emulator.start();
    puente = await startPuente(
      testConfig({
        TELEGRAM_BOT_TOKEN: TEST_TOKEN,
        TELEGRAM_API_ROOT: emulator.apiRoot,
        STAFF_TELEGRAM_CHAT_ID: String(staff.chat.id),
        CONTACT_KEY: TEST_CONTACT_KEY,
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
      }),
      quiet,
      { policies: FAST_POLICIES, telegramPace: { burst: 30, refillMs: 100, groupMinMs: 10 } },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-sync"],
    });
    page = await (await browser.newContext({ locale: "es-CL" })).newPage();
    page.setDefaultTimeout(WAIT);
    page.on("pageerror", (error) => errors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await puente?.close();
    await emulator.stop();
  });

  const t = (key: string, values?: Record<string, string | number>) => puente.texts.t("es", key, values);
  const bubble = (text: string) => page.locator("#log .bubble.bot", { hasText: text }).last();

  it("asks for a person on the page, talks with staff both ways, and is back at the menu when they close", async () => {
    await page.goto(`http://127.0.0.1:${puente.port}/`);
    await bubble(t("common:menu.text")).waitFor();
    await page.fill("#input", "/persona");
    await page.press("#input", "Enter");
    await page
      .locator("button.choice", { hasText: t("persona:topic.options.housing") })
      .last()
      .click();
    await page
      .locator("button.choice", { hasText: t("common:answer.yes") })
      .last()
      .click();
    await bubble(t("persona:done")).waitFor();
    // The code arrives by itself, a moment later, as a server-sent event.
    await bubble("K-").waitFor();
    const code = /K-\d{4}/.exec((await bubble("K-").textContent()) ?? "")?.[0] ?? "";
    expect(await (puente.cases as Cases).find({ code })).toMatchObject({ channel: "web", status: "open" });

    await until(() => staff.messages().some((m) => m.text.includes(code)), "the card");
    const card = staff.messages().find((m) => m.text.includes(code));
    expect(card?.text).toContain("Canal: chat web");

    rosa.tapButton("🙋 Tomar", card?.messageId);
    await bubble(t("common:handoff.claimed")).waitFor();
    rosa.reply(card?.messageId ?? 0, "Hola, soy Rosa. ¿Arriendas o eres allegada?");
    await bubble("¿Arriendas o eres allegada?").waitFor();

    await page.fill("#input", "Soy allegada, con dos niños");
    await page.press("#input", "Enter");
    await until(() => staff.messages().some((m) => m.text === `💬 ${code}: Soy allegada, con dos niños`), "the relay");

    rosa.tapButton("✅ Cerrar", card?.messageId);
    await bubble(t("common:handoff.closed")).waitFor();
    const menu = page.locator("#log [data-kind=prompt]").last();
    await menu.locator("button.choice", { hasText: t("consulta:title") }).waitFor();
    await menu.locator("button.choice", { hasText: t("consulta:title") }).click();
    await page
      .locator("#log [data-kind=prompt]", { hasText: t("consulta:consent.text").slice(0, 40) })
      .last()
      .waitFor();
    expect(errors).toEqual([]);
  });
});
