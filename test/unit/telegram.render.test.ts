import { describe, expect, it } from "vitest";
import { readUpdate } from "../../src/channels/telegram/inbound.js";
import { MAX_TEXT, renderMessages, split } from "../../src/channels/telegram/render.js";
import type { OutboundMessage } from "../../src/core/engine/messages.js";
import { engineOn, memoryStore, Person } from "../support/puente.js";

const person = { id: 42, is_bot: false, first_name: "Ana", language_code: "ht" };
const privateChat = { id: 42, type: "private" as const, first_name: "Ana" };

describe("reading Telegram updates", () => {
  it("takes private text, with the person's app language as a suggestion, never a decision", () => {
    const reading = readUpdate({
      update_id: 1,
      message: { message_id: 5, date: 0, chat: privateChat, from: person, text: "/start consulta" },
    });
    expect(reading).toEqual({
      kind: "message",
      inbound: {
        id: "tg1",
        channel: "telegram",
        chatId: "42",
        languageSuggestion: "ht",
        content: { kind: "text", text: "/start consulta" },
      },
    });
  });

  it.each([
    "sticker",
    "photo",
    "voice",
    "video",
    "document",
    "location",
    "contact",
    "poll",
    "video_note",
    "animation",
    "audio",
  ])("reads a %s as something it cannot read", (field) => {
    const message = { message_id: 5, date: 0, chat: privateChat, from: person, [field]: {} };
    const reading = readUpdate({ update_id: 1, message } as Parameters<typeof readUpdate>[0]);
    expect(reading).toMatchObject({ kind: "message", inbound: { content: { kind: "unsupported", what: field } } });
  });

  it("keeps silent for groups, channels and edits", () => {
    const group = { id: -100, type: "group" as const, title: "Vecinos" };
    expect(
      readUpdate({ update_id: 1, message: { message_id: 1, date: 0, chat: group, from: person, text: "hola" } }),
    ).toEqual({ kind: "ignore", why: "not private" });
    expect(
      readUpdate({
        update_id: 2,
        channel_post: { message_id: 1, date: 0, chat: { id: -5, type: "channel", title: "x" }, text: "hola" },
      }),
    ).toEqual({ kind: "ignore", why: "not private" });
    expect(
      readUpdate({
        update_id: 3,
        edited_message: { message_id: 1, date: 0, edit_date: 1, chat: privateChat, from: person, text: "sí" },
      }),
    ).toEqual({ kind: "ignore", why: "edited" });
  });

  it("reads a tap with its callback data as a choice", () => {
    const reading = readUpdate({
      update_id: 4,
      callback_query: {
        id: "cb1",
        from: person,
        chat_instance: "x",
        data: "a:consulta:consent:yes",
        message: { message_id: 9, date: 0, chat: privateChat, text: "?" },
      },
    });
    expect(reading).toMatchObject({
      kind: "tap",
      callbackId: "cb1",
      messageId: 9,
      inbound: { content: { kind: "choice", token: "a:consulta:consent:yes" } },
    });
  });
});

describe("reading forged Telegram updates", () => {
  it("ignores a tap whose data is longer than any button could carry, instead of failing on it", () => {
    const reading = readUpdate({
      update_id: 5,
      callback_query: {
        id: "cb2",
        from: person,
        chat_instance: "x",
        data: "a".repeat(257),
        message: { message_id: 9, date: 0, chat: privateChat, text: "?" },
      },
    });
    expect(reading).toEqual({ kind: "ignore", why: "malformed" });
  });
});

describe("rendering for Telegram", () => {
  it("puts every question of every flow on inline buttons whose data fits Telegram's 64 bytes", async () => {
    const { engine, flows } = engineOn(memoryStore());
    for (const flowId of flows.keys()) {
      const someone = new Person(engine, `render-${flowId}`, "es");
      await someone.say(`/start ${flowId}`);
      const [rendered] = renderMessages([someone.prompt()]);
      for (const button of rendered?.reply_markup?.inline_keyboard.flat() ?? [])
        expect(
          Buffer.byteLength("callback_data" in button ? (button.callback_data ?? "") : ""),
          button.text,
        ).toBeLessThanOrEqual(64);
    }
  });

  it("splits texts over 4,096 characters, buttons on the last piece", () => {
    const prompt: OutboundMessage = {
      kind: "prompt",
      text: `${"palabra ".repeat(1200)}`,
      choices: [{ token: "a:x:y:z", label: "Sí", role: "option" }],
      expects: "choice",
    };
    const rendered = renderMessages([prompt]);
    expect(rendered.length).toBeGreaterThan(1);
    expect(rendered.every((m) => m.text.length <= MAX_TEXT)).toBe(true);
    expect(rendered.at(-1)?.reply_markup).toBeDefined();
    expect(rendered.slice(0, -1).every((m) => m.reply_markup === undefined)).toBe(true);
    expect(split("a".repeat(9000)).map((piece) => piece.length)).toEqual([4096, 4096, 808]);
  });

  it("shows progress, ticks chosen options and keeps controls on their own row", () => {
    const [rendered] = renderMessages([
      {
        kind: "prompt",
        text: "¿Qué necesitas?",
        progress: { index: 3, total: 14 },
        choices: [
          { token: "a:f:s:a", label: "Salud", role: "option", selected: true },
          { token: "a:f:s:b", label: "Trabajo", role: "option", selected: false },
          { token: "c:f:s:done", label: "✅ Listo", role: "done" },
          { token: "c:f:s:back", label: "⬅️ Volver", role: "back" },
        ],
        expects: "multichoice",
      },
    ]);
    expect(rendered?.text.startsWith("📋 3/14\n¿Qué necesitas?")).toBe(true);
    expect(rendered?.reply_markup?.inline_keyboard.map((row) => row.map((b) => b.text))).toEqual([
      ["✓ Salud", "Trabajo"],
      ["✅ Listo"],
      ["⬅️ Volver"],
    ]);
  });
});
