import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { StaffRef } from "../src/core/cases/case.js";
import type { Cases } from "../src/core/cases/cases.js";
import { LANGUAGES } from "../src/core/i18n/languages.js";
import { MemoryResponseStore } from "../src/core/store/memory/responses.js";
import { sweep } from "../src/runtime/work.js";
import { handoffRig, until } from "./support/handoff.js";
import { CASES_ON, engineOn, memoryStore, Person } from "./support/puente.js";

/**
 * "Talk to a person" through the engine, in memory: consent, the case, what the person writes
 * going to staff, what staff do coming back as pushes, and every way out (staff close, /cancelar,
 * /borrar). Staff act through the case service; the staff group and webhook have tests of their own.
 */
const OPEN = new Date("2026-11-25T15:00:00Z"); // a Wednesday, 12:00 in Santiago
let now = OPEN;
let ticks = 0;
// The clock moves a millisecond a call, as a real one would between two messages.
const rig = handoffRig({}, { now: () => new Date(now.getTime() + ticks++) });
const { engine, texts, channel } = rig;
const cases = rig.cases as Cases;
afterAll(() => rig.stop());

const ana: StaffRef = { id: "tg:1001", name: "Ana" };
const es = (key: string, values?: Record<string, string | number>) => texts.t("es", key, values);

/** A person who asked for a person and consented; returns them with their case. */
async function withCase(chatId: string, lng: "es" | "ht" | "fr" | "en" | "pt" = "es") {
  const person = new Person(engine, chatId, lng);
  await person.say("/start");
  await person.say("/persona");
  await person.choose(texts.t(lng, "persona:topic.options.papers"));
  await person.choose(texts.t(lng, "common:answer.yes"));
  await until(
    async () => (await cases.list("all", 500)).some((c) => channel.to(chatId).some((t) => t.includes(c.code))),
    "the case",
  );
  const current = (await cases.list("all", 500)).find((c) => channel.to(chatId).some((t) => t.includes(c.code)));
  if (!current) throw new Error("no case");
  return { person, current };
}

describe("asking for a person", () => {
  it("is offered in the menu and by /persona, asks the topic, then consent in plain words", async () => {
    const person = new Person(engine, "menu-person", "es");
    await person.say("/start");
    expect(person.prompt().choices.map((c) => c.label)).toContain(es("persona:title"));
    await person.choose(es("persona:title"));
    expect(person.prompt().text).toBe(es("persona:topic.text"));
    await person.choose(es("persona:topic.options.health"));
    expect(person.prompt().text).toBe(es("persona:consent.text"));
    expect(person.prompt().text).toContain("7 días");
    expect(person.prompt().text).toContain("/borrar");
  });

  it("without consent keeps nothing and gives the office's contacts", async () => {
    const before = (await cases.list("all", 500)).length;
    const person = new Person(engine, "no-consent", "es");
    await person.say("/persona");
    await person.choose(es("persona:topic.options.work"));
    await person.choose("No");
    expect(person.texts()[0]).toContain("Oficina de Migrantes y Refugiados");
    expect(person.texts()[0]).toContain("lunes a viernes, de 08:30 a 14:00");
    expect(person.prompt().expects).toBe("menu");
    expect(await cases.list("all", 500)).toHaveLength(before);
  });

  it("with consent opens a case: a code to say on the phone, a summary in Spanish, told when someone answers", async () => {
    const { person, current } = await withCase("consents", "ht");
    expect(person.texts()).toContain(texts.t("ht", "persona:done"));
    expect(current).toMatchObject({ kind: "talk", status: "open", lng: "ht", channel: "test" });
    expect(current.code).toMatch(/^K-\d{4}$/);
    expect(current.summary).toEqual([{ question: "Tema", answer: "Papeles y trámites" }]);
    expect(channel.to("consents")).toEqual([
      texts.t("ht", "common:handoff.opened", { code: current.code }),
      texts.t("ht", "common:handoff.openNow"),
    ]);
    expect(await cases.audit(current.id)).toEqual([expect.objectContaining({ action: "opened", by: "person" })]);
  });

  it("outside office hours, says when the office opens", async () => {
    now = new Date("2026-11-27T20:00:00Z"); // Friday 17:00 in Santiago
    await withCase("friday-evening");
    now = OPEN;
    expect(channel.to("friday-evening")[1]).toBe(
      es("common:handoff.openLater", { when: es("common:office.at", { day: "el lunes", time: "08:30" }) }),
    );
  });

  it("while hand-off is off, gives the office's contacts instead", async () => {
    const { engine: off, texts: offTexts } = engineOn(memoryStore());
    const person = new Person(off, "cases-off", "es");
    await person.say("/persona");
    expect(person.texts()).toContain(offTexts.t("es", "common:handoff.unavailable"));
    expect(person.prompt().expects).toBe("menu");
  });
});

describe("with staff", () => {
  it("relays what the person writes, says once that it reached the office, and nothing else", async () => {
    const { person, current } = await withCase("writes");
    expect(await person.say("Necesito ayuda con mi visa")).toEqual([
      { kind: "text", text: es("common:handoff.relayed") },
    ]);
    expect(await person.say("Tengo una cita el lunes")).toEqual([]);
    expect((await cases.transcript(current.id)).map((entry) => entry.text)).toEqual([
      "Necesito ayuda con mi visa",
      "Tengo una cita el lunes",
    ]);
  });

  it("relays a photo with a warning about identity documents, once", async () => {
    const { person, current } = await withCase("photo");
    expect(await person.send({ kind: "unsupported", what: "photo", ref: "77" })).toEqual([
      { kind: "text", text: es("common:handoff.mediaWarning") },
    ]);
    expect(await person.send({ kind: "unsupported", what: "photo", ref: "78" })).toEqual([]);
    expect((await cases.transcript(current.id)).map((entry) => entry.media)).toEqual(["photo", "photo"]);
  });

  it("tells the person who took the case (a name only when shared), relays staff's words, and ends with the menu", async () => {
    const { person, current } = await withCase("claimed");
    await cases.claim({ code: current.code }, ana, false);
    await until(() => channel.to("claimed").includes(es("common:handoff.claimed")), "claimed");
    await cases.reply({ code: current.code }, ana, "Hola, soy de la oficina. ¿En qué te ayudo?", false);
    await until(() => channel.to("claimed").some((t) => t.includes("¿En qué te ayudo?")), "staff message");
    expect(channel.to("claimed").at(-1)).toBe(
      es("common:handoff.fromStaff", { text: "Hola, soy de la oficina. ¿En qué te ayudo?" }),
    );
    expect(await person.say("Gracias")).toEqual([]);
    await cases.close({ code: current.code }, ana);
    await until(() => channel.to("claimed").includes(es("common:handoff.closed")), "closed");
    const last = channel.pushed.filter((push) => push.chatId === "claimed").at(-1);
    expect(last?.messages.at(-1)).toMatchObject({ kind: "prompt", expects: "menu" });
    await person.say("2");
    expect(person.prompt().ref?.flow).toBe("consulta");
    const closed = await cases.get(current.id);
    expect(closed).toMatchObject({ status: "closed", closedBy: ana, claimedBy: ana });
    expect(closed?.contact).toBeDefined(); // kept for the grace period
    expect((await cases.audit(current.id)).map((entry) => entry.action)).toEqual([
      "opened",
      "claimed",
      "replied",
      "closed",
    ]);
  });

  it("says the staff member's first name when they chose to share it", async () => {
    const { current } = await withCase("named", "fr");
    await cases.claim({ code: current.code }, ana, true);
    await until(() => channel.to("named").includes(texts.t("fr", "common:handoff.claimedBy", { name: "Ana" })), "name");
  });

  it("answers commands only: /menu reminds where they are, /cancelar ends the conversation", async () => {
    const { person, current } = await withCase("cancels");
    await person.say("/menu");
    expect(person.texts()).toEqual([es("common:handoff.withStaff", { code: current.code })]);
    await person.say("/cancelar");
    expect(person.texts()[0]).toBe(es("common:handoff.ended"));
    expect(person.prompt().expects).toBe("menu");
    expect(await cases.get(current.id)).toMatchObject({ status: "closed", closedBy: "person" });
  });

  it("/borrar deletes the way to reach the person at once, and the conversation", async () => {
    const { person, current } = await withCase("deletes");
    await person.say("Mi número es +56 9 1234 5678");
    await person.say("/borrar");
    expect(person.texts()).toEqual([es("common:deleted")]);
    const gone = await cases.get(current.id);
    expect(gone).toMatchObject({ status: "closed", closedBy: "deleted" });
    expect(gone?.contact).toBeUndefined();
    expect(await cases.transcript(current.id)).toEqual([]);
    expect((await cases.audit(current.id)).map((entry) => entry.action)).toContain("person-deleted");
    // Staff can no longer write to them.
    expect(await cases.reply({ code: current.code }, ana, "¿Sigues ahí?", false)).toMatchObject({
      ok: false,
      why: "closed",
    });
  });

  it("keeps the conversation with staff across a language change", async () => {
    const { person, current } = await withCase("language");
    await person.say("/idioma");
    await person.choose("English");
    expect(person.texts()).toEqual([
      texts.t("en", "common:language.set"),
      texts.t("en", "common:handoff.withStaff", { code: current.code }),
    ]);
    expect(await person.say("hello")).toEqual([{ kind: "text", text: texts.t("en", "common:handoff.relayed") }]);
  });
});

describe("the hand-off in every language", () => {
  it.each(LANGUAGES)("in %s: the case opens and staff's words arrive", async (lng) => {
    const { current } = await withCase(`every-${lng}`, lng);
    await cases.reply({ code: current.code }, ana, "Buenos días", false);
    await until(
      () => channel.to(`every-${lng}`).includes(texts.t(lng, "common:handoff.fromStaff", { text: "Buenos días" })),
      lng,
    );
  });
});

describe("upkeep", () => {
  it("deletes a closed case's contact and transcript once its grace period is over, not before", async () => {
    const { person, current } = await withCase("grace");
    await person.say("Hola");
    await cases.close({ code: current.code }, ana);
    now = new Date(OPEN.getTime() + 6 * 24 * 3600 * 1000);
    await sweep({ cases, jobs: rig.jobs, office: rig.office, reminderMs: 0, staffGroup: false });
    expect((await cases.get(current.id))?.contact).toBeDefined();
    now = new Date(OPEN.getTime() + 8 * 24 * 3600 * 1000);
    await sweep({ cases, jobs: rig.jobs, office: rig.office, reminderMs: 0, staffGroup: false });
    const purged = await cases.get(current.id);
    expect(purged).toMatchObject({ status: "closed", code: current.code });
    expect(purged?.contact).toBeUndefined();
    expect(await cases.transcript(current.id)).toEqual([]);
    expect((await cases.audit(current.id)).at(-1)).toMatchObject({ action: "contact-purged", by: "system" });
    now = OPEN;
  });

  it("reminds staff, during office hours, of a case nobody took, once per reminder period", async () => {
    const reminders: unknown[] = [];
    const jobs = {
      ...rig.jobs,
      add: async (queue: string, _id: string, payload: unknown) => {
        if (queue === "staff") reminders.push(payload);
      },
    } as typeof rig.jobs;
    const { current } = await withCase("waits");
    const remind = (minutes: number) => {
      now = new Date(OPEN.getTime() + minutes * 60_000);
      return sweep({ cases, jobs, office: rig.office, reminderMs: 30 * 60_000, staffGroup: true, now: () => now });
    };
    await remind(10);
    expect(reminders).toEqual([]);
    await remind(31);
    expect(reminders).toEqual([{ type: "reminder", caseIds: expect.arrayContaining([current.id]) }]);
    await remind(45);
    expect(reminders).toHaveLength(1);
    await remind(62);
    expect(reminders).toHaveLength(2);
    // Once taken, no more reminders; and none while the office is closed.
    await cases.claim({ code: current.code }, ana, false);
    await remind(95);
    expect(JSON.stringify(reminders.slice(2))).not.toContain(current.id);
    now = new Date("2026-11-28T15:00:00Z"); // Saturday
    const before = reminders.length;
    await sweep({ cases, jobs, office: rig.office, reminderMs: 30 * 60_000, staffGroup: true, now: () => now });
    expect(reminders).toHaveLength(before);
    now = OPEN;
  });
});

describe("a flow that offers a person at its end", () => {
  // The demo, offering a screening follow-up: its answers, scrubbed, become the case's summary.
  const dir = mkdtempSync(join(tmpdir(), "puente-offer-"));
  writeFileSync(join(dir, "persona.yaml"), readFileSync("flows/persona.yaml", "utf8"));
  writeFileSync(
    join(dir, "demo.yaml"),
    readFileSync("flows/demo.yaml", "utf8").replace("menu: false", "menu: false\noffer_handoff: screening"),
  );
  const offering = handoffRig({ FLOWS_DIR: dir });
  afterAll(() => offering.stop());

  async function finishDemo(chatId: string) {
    const person = new Person(offering.engine, chatId, "es");
    for (const text of ["/start demo", "sí", "1", "40", "no", "1", "Llámenme al +56 9 1111 2222", "1"])
      await person.say(text);
    return person;
  }

  it("offers the hand-off with the finished flow's answers, which become the case's summary", async () => {
    const person = await finishDemo("offered");
    expect(person.texts()).toContain(offering.texts.t("es", "demo:done"));
    expect(person.prompt()).toMatchObject({ expects: "offer", text: es("common:handoff.offer") });
    await person.choose(es("common:handoff.offerYes"));
    expect(person.prompt().text).toBe(es("persona:topic.text"));
    await person.choose("skip");
    await person.choose(es("common:answer.yes"));
    const offeringCases = offering.cases as Cases;
    await until(async () => (await offeringCases.list("all", 10)).length === 1, "the case");
    const [current] = await offeringCases.list("all", 10);
    expect(current?.kind).toBe("screening");
    const summary = current?.summary ?? [];
    expect(summary.map((line) => line.question)).toEqual(
      expect.arrayContaining([offering.texts.t("es", "demo:age.short"), "Tema"]),
    );
    expect(summary.find((line) => line.question === offering.texts.t("es", "demo:age.short"))?.answer).toBe("40");
    expect(JSON.stringify(summary)).toContain("[teléfono]");
    expect(JSON.stringify(summary)).not.toContain("1111 2222");
  });

  it("the offer declined, or the menu chosen, forgets the answers it would have carried", async () => {
    const person = await finishDemo("declines-offer");
    await person.choose(es("common:handoff.offerMenu"));
    expect(person.prompt().expects).toBe("menu");
    await person.say("/persona");
    await person.choose("skip");
    await person.choose(es("common:answer.yes"));
    const offeringCases = offering.cases as Cases;
    await until(async () => (await offeringCases.list("all", 10)).length === 2, "the second case");
    const [latest] = await offeringCases.list("all", 1);
    expect(latest).toMatchObject({ kind: "talk" });
    expect(latest?.summary).toEqual([{ question: "Tema", answer: es("common:answer.skipped") }]);
  });
});

describe("a session that expired while the case waited", () => {
  it("comes back with the case when staff write, in the person's language", async () => {
    const sessions = memoryStore();
    const expiring = handoffRig({}, { sessions });
    const expiringCases = expiring.cases as Cases;
    const person = new Person(expiring.engine, "expired", "pt");
    for (const text of ["/pessoa", "1", "1"]) await person.say(text);
    await until(async () => (await expiringCases.list("all", 1)).length === 1, "the case");
    const [current] = await expiringCases.list("all", 1);
    // Gone, as an idle session goes.
    const key = expiring.engine.chatKey("test", "expired");
    const stored = await sessions.read(key);
    await sessions.write(key, { value: null, ttlSeconds: 60 }, stored?.revision ?? 0);
    await expiringCases.reply({ code: current?.code ?? "" }, ana, "Olá!", false);
    await until(
      () =>
        expiring.channel.to("expired").includes(expiring.texts.t("pt", "common:handoff.fromStaff", { text: "Olá!" })),
      "the message",
    );
    expect(await person.say("Obrigado")).toEqual([]);
    expect((await expiringCases.transcript(current?.id ?? "")).map((entry) => entry.text)).toContain("Obrigado");
    await expiring.stop();
  });
});

describe("hand-off turned off while a person was answering", () => {
  it("keeps nothing at their yes and gives the office's contacts", async () => {
    const sessions = memoryStore();
    const on = engineOn(sessions, CASES_ON);
    const person = new Person(on.engine, "switched-off", "es");
    await person.say("/persona");
    await person.say("1");
    const off = engineOn(sessions);
    const later = new Person(off.engine, "switched-off", "es");
    await later.say("sí");
    expect(later.texts()[0]).toBe(off.texts.t("es", "common:handoff.unavailable"));
    expect(later.prompt().expects).toBe("menu");
  });
});

describe("the mediation request", () => {
  it("with consent opens a mediation case with its answers; with or without, every request is counted anonymously", async () => {
    const responses = new MemoryResponseStore();
    const mediation = handoffRig({}, { responses });
    const mediationCases = mediation.cases as Cases;
    const yes = new Person(mediation.engine, "mediation-yes", "es");
    for (const text of ["/start mediacion", "no", "1", "1", "2", "sí", "sí"]) await yes.say(text);
    expect(yes.texts()).toContain(mediation.texts.t("es", "mediacion:done"));
    await until(async () => (await mediationCases.list("all", 5)).length === 1, "the case");
    const [current] = await mediationCases.list("all", 5);
    expect(current?.kind).toBe("mediation");
    expect(current?.summary.map((line) => line.question)).toEqual([
      "Alguien en peligro",
      "Conflicto",
      "Con quién",
      "Idioma del mediador",
      "Interés en el taller",
    ]);
    const no = new Person(mediation.engine, "mediation-no", "es");
    for (const text of ["/start mediacion", "no", "2", "2", "1", "no", "no"]) await no.say(text);
    expect(no.texts()[0]).toContain("Oficina de Migrantes y Refugiados");
    expect(await mediationCases.list("all", 5)).toHaveLength(1);
    const counted = (await responses.list("mediacion")).responses;
    expect(counted.map((response) => response.answers.consent)).toEqual([true, false]);
    expect(counted[1]?.answers).toMatchObject({
      danger: false,
      about: "landlord",
      who: "landlord",
      language: "es",
      workshop: false,
    });
    await mediation.stop();
  });
});
