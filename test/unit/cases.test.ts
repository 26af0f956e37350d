import { describe, expect, it } from "vitest";
import { type Case, caseCode, claim, close, purged } from "../../src/core/cases/case.js";
import { ContactCipher, ContactUnreadableError } from "../../src/core/cases/contact.js";

/** The case's own rules, with no store: who may take and close it, what closing keeps, how contacts are sealed. */
const at = new Date("2026-11-25T15:00:00Z");
const ana = { id: "tg:1", name: "Ana" };
const luis = { id: "tg:2", name: "Luis" };
const open: Case = {
  id: "case-1",
  code: "K-1234",
  kind: "talk",
  status: "open",
  lng: "ht",
  channel: "telegram",
  summary: [],
  openedAt: at.toISOString(),
  contact: "sealed",
};
const DAY = 24 * 3600 * 1000;

describe("case rules", () => {
  it("a staff member takes an open case; another may take it over; nobody takes a closed one", () => {
    const taken = claim(open, ana, at);
    expect(taken).toMatchObject({ ok: true, next: { status: "claimed", claimedBy: ana } });
    if (!taken.ok) return;
    expect(claim(taken.next, ana, at)).toEqual({ ok: true, next: taken.next });
    expect(claim(taken.next, luis, at)).toMatchObject({ ok: true, next: { claimedBy: luis } });
    const closed = close(taken.next, ana, at, 7 * DAY);
    if (!closed.ok) throw new Error("closed");
    expect(claim(closed.next, luis, at)).toEqual({ ok: false, why: "closed" });
  });

  it("closing keeps the contact for the grace period; deleting removes it at once, even after a close", () => {
    const closed = close(open, ana, at, 7 * DAY);
    expect(closed).toMatchObject({
      ok: true,
      next: { status: "closed", contact: "sealed", purgeAt: "2026-12-02T15:00:00.000Z" },
    });
    if (!closed.ok) return;
    expect(close(closed.next, ana, at, 7 * DAY)).toEqual({ ok: false, why: "closed" });
    const deleted = close(closed.next, "deleted", at, 7 * DAY);
    expect(deleted).toMatchObject({ ok: true, next: { closedBy: ana } });
    expect(deleted.ok && "contact" in deleted.next).toBe(false);
    const straight = close(open, "deleted", at, 7 * DAY);
    expect(straight).toMatchObject({ ok: true, next: { closedBy: "deleted" } });
    expect(straight.ok && "contact" in straight.next).toBe(false);
    expect(close(open, "person", at, 0)).toMatchObject({ ok: true, next: { closedBy: "person" } });
    expect(purged(open)).not.toHaveProperty("contact");
  });

  it("codes are K- and four digits, more once four are crowded", () => {
    expect(caseCode(0, () => 0)).toBe("K-1000");
    expect(caseCode(0, () => 0.9999)).toBe("K-9999");
    expect(caseCode(25, () => 0.5)).toMatch(/^K-\d{5}$/);
    expect(caseCode(45, () => 0.5)).toMatch(/^K-\d{6}$/);
  });
});

describe("the sealed contact", () => {
  const cipher = new ContactCipher("a-contact-key-of-at-least-thirty-two-chars");
  const address = { channel: "whatsapp" as const, chatId: "56912345678@c.us" };

  it("opens with the same key and case, and shows nothing of the address sealed", () => {
    const sealed = cipher.seal(address, "case-1");
    expect(sealed).not.toContain("569");
    expect(Buffer.from(sealed, "base64url").toString("latin1")).not.toContain("56912345678");
    expect(cipher.open(sealed, "case-1")).toEqual(address);
    expect(cipher.seal(address, "case-1")).not.toBe(sealed); // a fresh nonce each time
  });

  it("does not open with another key, for another case, or once tampered with", () => {
    const sealed = cipher.seal(address, "case-1");
    expect(() => new ContactCipher("another-key-of-at-least-thirty-two-chars!").open(sealed, "case-1")).toThrow(
      ContactUnreadableError,
    );
    expect(() => cipher.open(sealed, "case-2")).toThrow(ContactUnreadableError);
    const bytes = Buffer.from(sealed, "base64url");
    bytes.writeUInt8((bytes.at(-1) ?? 0) ^ 1, bytes.length - 1);
    expect(() => cipher.open(bytes.toString("base64url"), "case-1")).toThrow(ContactUnreadableError);
  });
});
