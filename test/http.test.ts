import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { quiet, TEST_SECRET, testConfig } from "./support/puente.js";
import { WebChatClient } from "./support/web.js";

/** The one HTTP server over real HTTP: health, and the web chat's API refusing what it cannot use. */
describe("HTTP server", () => {
  let puente: Puente;
  let url: string;
  beforeAll(async () => {
    puente = await startPuente(testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }), quiet);
    url = `http://127.0.0.1:${puente.port}`;
  });
  afterAll(() => puente.close());

  const post = async (body: string) => {
    const client = new WebChatClient(url);
    await client.open();
    return client.post(body);
  };

  it("/healthz says the store answers", async () => {
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      store: "memory",
      flows: ["ayuda", "consulta", "demo", "mediacion", "persona"],
      cases: false,
    });
  });

  it("serves the chat page and its texts in every language", async () => {
    expect(await (await fetch(`${url}/`)).text()).toContain('<script type="module" src="/chat.js">');
    const texts = (await (await fetch(`${url}/api/chat/texts`)).json()) as Record<string, { name: string }>;
    expect(Object.keys(texts)).toEqual(["es", "ht", "fr", "en", "pt"]);
    expect(texts.ht?.name).toBe("Kreyòl ayisyen");
  });

  it("answers a message with the engine's reply and the person's language", async () => {
    const reply = await new WebChatClient(url, {}, "en-GB").say("/start");
    expect(reply.language).toBe("en");
    expect(reply.messages.map((m) => m.kind)).toEqual(["text", "prompt"]);
  });

  it.each([
    ["not JSON", "{nope"],
    ["no content", JSON.stringify({ languageCode: "es" })],
    ["a message id with odd characters", JSON.stringify({ id: "../../etc", content: { kind: "text", text: "hi" } })],
    ["an unknown content kind", JSON.stringify({ content: { kind: "photo" } })],
  ])("refuses %s with 400, never a stack trace", async (_, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/at .*\.ts:\d+/);
  });

  it("refuses a body over 64 KiB", async () => {
    const response = await post(JSON.stringify({ content: { kind: "text", text: "x".repeat(70_000) } }));
    expect(response.status).toBe(413);
  });
});

describe("HTTP server with Redis away", () => {
  it("/healthz says 503 and the chat asks to try again", async () => {
    const puente = await startPuente(
      testConfig({
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
        REDIS_URL: "redis://127.0.0.1:1",
        ANON_SECRET: TEST_SECRET,
      }),
      quiet,
    );
    const url = `http://127.0.0.1:${puente.port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    const reply = await new WebChatClient(url).say("hola");
    expect(reply.messages).toEqual([{ kind: "text", text: puente.texts.t("es", "common:error.tryAgain") }]);
    await puente.close();
  });
});
