import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_COOKIE, WEB_LIMITS } from "../src/channels/web/channel.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { quiet, testConfig } from "./support/puente.js";
import { answerConsultation, WebChatClient } from "./support/web.js";

/**
 * The web chat's API as a script would use it to stuff the anonymous consultation: the chat is
 * the server's (a signed HttpOnly cookie), new chats are counted per client address and messages
 * per chat, and what it stores says it came from the web.
 */
describe("web chat API", () => {
  let puente: Puente;
  let url: string;
  beforeAll(async () => {
    puente = await startPuente(testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }), quiet);
    url = `http://127.0.0.1:${puente.port}`;
  });
  afterAll(() => puente.close());

  const message = { languageCode: "es", content: { kind: "text", text: "/start" } };

  it("refuses a message without the server's chat: a chat id of the client's choosing is not one", async () => {
    const client = new WebChatClient(url);
    expect((await client.post({ ...message, chatId: "my-own-chat-id-123" })).status).toBe(401);
    for (const forged of [
      `${WEB_COOKIE}=00000000-0000-4000-8000-000000000000`,
      `${WEB_COOKIE}=00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAA`,
      `${WEB_COOKIE}=anything`,
    ]) {
      client.cookie = forged;
      expect((await client.post(message)).status).toBe(401);
    }
    // A real chat with its signature moved to another id is no chat either.
    const real = new WebChatClient(url);
    await real.open();
    const signature = real.cookie?.split(".")[1];
    client.cookie = `${WEB_COOKIE}=11111111-1111-4111-8111-111111111111.${signature}`;
    expect((await client.post(message)).status).toBe(401);
    expect((await real.post(message)).status).toBe(200);
  });

  it("issues the chat in an HttpOnly, SameSite=Strict cookie for the chat API only, Secure behind HTTPS", async () => {
    const plain = await new WebChatClient(url).open();
    const cookie = plain.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(new RegExp(`^${WEB_COOKIE}=[0-9a-f-]{36}\\.[A-Za-z0-9_-]{22};`));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/api/chat");
    expect(cookie).toContain(`Max-Age=${48 * 3600}`);
    expect(cookie).not.toContain("Secure");
    const proxied = await new WebChatClient(url, { "x-forwarded-proto": "https" }).open();
    expect(proxied.headers.get("set-cookie")).toContain("Secure");
  });

  it("tells the page whether this browser holds a chat, so it can ask to continue or start fresh", async () => {
    const client = new WebChatClient(url);
    const resumable = async () =>
      (
        (await (
          await fetch(`${url}/api/chat/session`, { headers: client.cookie ? { cookie: client.cookie } : {} })
        ).json()) as {
          resumable: boolean;
        }
      ).resumable;
    expect(await resumable()).toBe(false);
    await client.say("/start");
    expect(await resumable()).toBe(true);
    const before = client.cookie;
    expect(await (await client.open(false)).json()).toEqual({ resumed: true });
    expect(client.cookie).toBe(before);
    expect(await (await client.open(true)).json()).toEqual({ resumed: false });
    expect(client.cookie).not.toBe(before);
  });

  it("tells the page when the person's data was erased (/borrar in any language), and only then", async () => {
    const client = new WebChatClient(url, {}, "ht");
    expect((await client.say("/start")).cleared).toBeUndefined();
    expect((await client.say("/ed")).cleared).toBeUndefined();
    const erased = await client.say("/efase");
    expect(erased).toMatchObject({
      cleared: true,
      messages: [{ kind: "text", text: puente.texts.t("ht", "common:deleted") }],
    });
    // Written again: a new conversation, in the language the page says the person has.
    const again = await client.say("bonjou");
    expect(again.cleared).toBeUndefined();
    expect(again.language).toBe("ht");
    expect(again.messages[0]).toEqual({ kind: "text", text: puente.texts.t("ht", "common:welcome") });
    expect((await client.say("/delete")).cleared).toBe(true);
  });

  it("serves the page's texts in every language: labels, the restart question, progress to fill in", async () => {
    const texts = (await (await fetch(`${url}/api/chat/texts`)).json()) as Record<string, Record<string, string>>;
    expect(Object.keys(texts)).toEqual(["es", "ht", "fr", "en", "pt"]);
    for (const [lng, page] of Object.entries(texts)) {
      for (const key of ["inputLabel", "languageLabel", "send", "restartQuestion", "restartYes", "restartNo"])
        expect(page[key], `${lng} ${key}`).toBe(puente.texts.t(lng as "es", `common:web.${key}`));
      expect(page.progress).toMatch(/\{\{index\}\}.*\{\{total\}\}/);
      // The office's name is filled in; nothing else is left to the page but the progress.
      expect(page.title).not.toContain("{{");
      // The chat's send button never reads like the review's submit.
      expect(page.send).not.toBe(puente.texts.t(lng as "es", "common:review.confirm"));
    }
  });

  it("keeps what it stores marked as from the web", async () => {
    const person = new WebChatClient(url);
    await answerConsultation(person);
    const { responses } = await puente.stores.responses.list("consulta");
    expect(responses).toHaveLength(1);
    expect(responses[0]?.channel).toBe("web");
  });
});

describe("web chat API against stuffing", () => {
  let puente: Puente;
  let url: string;
  beforeAll(async () => {
    puente = await startPuente(testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }), quiet);
    url = `http://127.0.0.1:${puente.port}`;
  });
  afterAll(() => puente.close());

  it("lets one client open only so many chats an hour, so it cannot make up respondents", async () => {
    const opened = await Promise.all(
      Array.from({ length: WEB_LIMITS.chats.points + 10 }, () => new WebChatClient(url).open()),
    );
    const statuses = opened.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(WEB_LIMITS.chats.points);
    const refused = opened.find((response) => response.status === 429);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    // A forged X-Forwarded-For is not another client unless a proxy is trusted to set it.
    expect((await new WebChatClient(url, { "x-forwarded-for": "203.0.113.9" }).open()).status).toBe(429);
  });

  it("slows a chat that sends faster than a person types", async () => {
    const other = await startPuente(testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }), quiet);
    try {
      const client = new WebChatClient(`http://127.0.0.1:${other.port}`);
      await client.open();
      const statuses: number[] = [];
      for (let sent = 0; sent < WEB_LIMITS.messages.points + 5; sent++)
        statuses.push((await client.post({ ...message(), id: `burst-${String(sent).padStart(4, "0")}` })).status);
      expect(statuses.slice(0, WEB_LIMITS.messages.points).every((status) => status === 200)).toBe(true);
      expect(statuses.slice(WEB_LIMITS.messages.points).every((status) => status === 429)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it("counts each client behind a trusted proxy by the address the proxy saw", async () => {
    const proxied = await startPuente(
      testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", TRUST_PROXY: "true" }),
      quiet,
    );
    try {
      const from = (address: string) =>
        new WebChatClient(`http://127.0.0.1:${proxied.port}`, { "x-forwarded-for": `10.0.0.1, ${address}` }).open();
      for (let opened = 0; opened < WEB_LIMITS.chats.points; opened++)
        expect((await from("198.51.100.1")).status).toBe(200);
      expect((await from("198.51.100.1")).status).toBe(429);
      expect((await from("198.51.100.2")).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  const message = () => ({ languageCode: "es", content: { kind: "text", text: "hola" } });
});

describe("web chat switched off", () => {
  it("serves neither the page nor its API", async () => {
    const puente = await startPuente(
      testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", WEB_CHAT_ENABLED: "false" }),
      quiet,
    );
    try {
      const url = `http://127.0.0.1:${puente.port}`;
      expect((await fetch(`${url}/`)).status).toBe(404);
      expect((await new WebChatClient(url).open()).status).toBe(404);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      await puente.close();
    }
  });
});

describe("web chat when the program stops", () => {
  it("ends open event streams at once (browsers reconnect), so stopping never waits on a page left open", async () => {
    const puente = await startPuente(testConfig({ HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }), quiet);
    const client = new WebChatClient(`http://127.0.0.1:${puente.port}`);
    await client.say("/start");
    const events = await fetch(`${client.url}/api/chat/events`, { headers: { cookie: client.cookie ?? "" } });
    expect(events.status).toBe(200);
    const ended = events
      .text()
      .then(() => true)
      .catch(() => true);
    const started = Date.now();
    await puente.close();
    // Well before the server's grace for open requests (5 s), which cuts what is left.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await ended).toBe(true);
  });
});
