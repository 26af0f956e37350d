import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { engineOn, memoryStore } from "../support/puente.js";

/** A chat's key names its session and its channel memory: it must never change while the secret stays. */
describe("a chat's key", () => {
  const secret = "c".repeat(64);
  const { engine } = engineOn(memoryStore(), { ANON_SECRET: secret });
  const hmac = (chat: string) => createHmac("sha256", secret).update(chat).digest("base64url").slice(0, 22);

  it("is the keyed hash of the channel and the chat id, never the id", () => {
    const key = engine.chatKey("telegram", "123456789");
    expect(key).toBe(hmac("telegram:123456789"));
    expect(key).not.toContain("123456789");
    expect(engine.chatKey("whatsapp", "123456789")).not.toBe(key);
  });

  it("stays the same for a chat asked again after twenty thousand other chats", () => {
    const first = engine.chatKey("telegram", "42");
    for (let chat = 0; chat < 20_000; chat++) engine.chatKey("telegram", `other-${chat}`);
    expect(engine.chatKey("telegram", "42")).toBe(first);
    expect(engine.chatKey("telegram", "other-19999")).toBe(hmac("telegram:other-19999"));
    expect(engine.chatKey("telegram", "other-0")).toBe(hmac("telegram:other-0"));
  });

  it("differs with another secret", () => {
    const other = engineOn(memoryStore(), { ANON_SECRET: "d".repeat(64) }).engine;
    expect(other.chatKey("telegram", "42")).not.toBe(engine.chatKey("telegram", "42"));
  });
});
