import { afterAll, describe, expect, it } from "vitest";
import type { Flow } from "../src/core/flows/compile.js";
import type { FlowEvent } from "../src/core/flows/machine.js";
import { openRedis } from "../src/core/store/redis/client.js";
import { RedisRecordStore } from "../src/core/store/redis/records.js";
import { RedisResponseStore } from "../src/core/store/redis/responses.js";
import { storedResponseSchema } from "../src/core/store/responses.js";
import { act, completePaths } from "./support/drive.js";
import { dropPrefix, engineOn, Person, testPrefix } from "./support/puente.js";
import { adminRedis, keysMatching, TEST_REDIS } from "./support/redis.js";

/**
 * The consultation's promises on a real Redis: nothing stored names the person, one response
 * per person, no answers left behind in the session, no time kept.
 */
const prefix = testPrefix("anonymity");
const redis = openRedis(TEST_REDIS);
const sessions = new RedisRecordStore(redis, prefix, "s");
const responses = new RedisResponseStore(redis, prefix);
const { engine, flows, texts } = engineOn(sessions, {}, { responses });
const consulta = flows.get("consulta") as Flow;
const paths = completePaths(consulta).filter((path) => (path.state.value as unknown) === "_submitted");

afterAll(async () => {
  await dropPrefix(prefix);
  await redis.quit();
});

/** What each simulated person is, as Telegram would name them; all of it must stay out of Redis. */
function identity(index: number) {
  const phone = `+56 9 ${String(7000_0000 + index * 37).replace(/(\d{4})(\d{4})/, "$1 $2")}`;
  return {
    chatId: String(5_100_000_000 + index * 7919),
    phone,
    phoneDigits: phone.replace(/\D/g, ""),
    email: `persona.${index}@correo.cl`,
  };
}

/** Takes the survey along a generated route, writing personal details into the free comment. */
async function takeSurvey(index: number): Promise<Person> {
  const who = identity(index);
  const path = paths[index % paths.length];
  if (!path) throw new Error("no route");
  const person = new Person(engine, who.chatId, index % 3 === 0 ? "ht" : "es");
  const lng = index % 3 === 0 ? "ht" : "es";
  await person.say("/start consulta");
  for (const [at, step] of path.steps.entries()) {
    if (at === 0) continue;
    const prompt = person.prompt();
    const event = step.event as FlowEvent;
    if (prompt.ref?.step === "comment" && event.type === "ANSWER")
      await person.say(`Escríbanme al ${who.phone} o a ${who.email}, gracias`);
    else await act(person, consulta, texts, lng, prompt, event, index % 2 === 0);
  }
  return person;
}

async function everythingInRedis(): Promise<string> {
  const admin = adminRedis();
  const parts: string[] = [];
  for (const key of await keysMatching(admin, `${prefix}:*`)) {
    parts.push(key);
    const type = await admin.type(key);
    if (type === "hash") parts.push(...Object.entries(await admin.hgetall(key)).flat());
    if (type === "set") parts.push(...(await admin.smembers(key)));
    if (type === "string") parts.push((await admin.get(key)) ?? "");
    if (type === "stream") for (const [id, fields] of await admin.xrange(key, "-", "+")) parts.push(id, ...fields);
  }
  await admin.quit();
  return parts.join("\n");
}

describe("the anonymous consultation on Redis", () => {
  const PEOPLE = 300;

  it(`after ${PEOPLE} people take part, no key or value holds their ids, phones or e-mails`, async () => {
    for (let batch = 0; batch < PEOPLE; batch += 50)
      await Promise.all(Array.from({ length: 50 }, (_, offset) => takeSurvey(batch + offset)));
    const stored = (await responses.list("consulta")).responses;
    expect(stored).toHaveLength(PEOPLE);
    const haystack = await everythingInRedis();
    for (let index = 0; index < PEOPLE; index++) {
      const who = identity(index);
      expect(haystack).not.toContain(who.chatId);
      expect(haystack).not.toContain(who.phone);
      expect(haystack).not.toContain(who.phoneDigits);
      expect(haystack).not.toContain(who.phoneDigits.slice(2));
      expect(haystack).not.toContain(who.email);
    }
    expect(
      stored
        .filter((r) => typeof r.answers.comment === "string")
        .every((r) => String(r.answers.comment).includes("[teléfono]")),
    ).toBe(true);
  }, 120_000);

  it("keeps only the allowed fields, the day and never the time, not even in the stream ids", async () => {
    const admin = adminRedis();
    const entries = await admin.xrange(`${prefix}:r:{consulta}`, "-", "+");
    await admin.quit();
    expect(entries.length).toBeGreaterThan(0);
    for (const [id, fields] of entries) {
      const response = storedResponseSchema.parse(JSON.parse(fields[1] ?? ""));
      expect(Object.keys(response).sort()).toEqual(["answers", "channel", "date", "flow", "id", "lng", "version"]);
      const [ms] = id.split("-");
      expect(Number(ms) % 86_400_000).toBe(0);
      expect(new Date(Number(ms)).toISOString().slice(0, 10) <= response.date).toBe(true);
    }
  });

  it("leaves no answer in the session once the survey is submitted", async () => {
    const person = await takeSurvey(PEOPLE + 1);
    const session = JSON.parse((await sessions.read(engine.chatKey("test", person.chatId)))?.value ?? "{}");
    expect(session).toEqual({ lng: "es", mode: { kind: "menu" }, seen: [] });
  });

  it("tells a second attempt kindly that they already took part, and stores nothing more", async () => {
    const person = await takeSurvey(PEOPLE + 2);
    const before = (await responses.list("consulta")).responses.length;
    await person.say("/start consulta");
    expect(person.texts()[0]).toBe(
      texts.t("es", "common:flow.alreadyTakenPart", { title: texts.t("es", "consulta:title") }),
    );
    expect(person.prompt().expects).toBe("menu");
    expect((await responses.list("consulta")).responses).toHaveLength(before);
  });

  it("after 'you already took part' from the language picker, the next digit chooses from the menu", async () => {
    const person = await takeSurvey(PEOPLE + 6);
    await person.say("/idioma");
    expect(person.prompt().expects).toBe("language");
    await person.say("/start consulta");
    expect(person.texts()[0]).toContain(texts.t(person.language === "ht" ? "ht" : "es", "consulta:title"));
    expect(person.prompt().expects).toBe("menu");
    const lng = person.language;
    await person.say("1");
    expect(person.language).toBe(lng);
    expect(person.prompt().ref?.flow).toBe("ayuda");
  });

  it("stores one response for a double tap on send, or the same message delivered twice", async () => {
    const who = identity(PEOPLE + 3);
    const person = new Person(engine, who.chatId, "es");
    const path = paths[0];
    if (!path) throw new Error("no route");
    await person.say("/start consulta");
    for (const [at, step] of path.steps.entries()) {
      if (at === 0 || at === path.steps.length - 1) continue;
      await act(person, consulta, texts, "es", person.prompt(), step.event as FlowEvent, false);
    }
    const confirm = person.prompt().choices.find((c) => c.role === "confirm")?.token ?? "";
    const before = (await responses.list("consulta")).responses.length;
    await Promise.all([person.tap(confirm), person.tap(confirm), person.tap(confirm)]);
    await person.tap(confirm);
    expect((await responses.list("consulta")).responses).toHaveLength(before + 1);
  });

  it("/borrar forgets that the person took part; their anonymous response stays", async () => {
    const person = await takeSurvey(PEOPLE + 5);
    const before = (await responses.list("consulta")).responses.length;
    await person.say("/borrar");
    expect(await sessions.read(engine.chatKey("test", person.chatId))).toBeUndefined();
    await person.say("/start consulta");
    expect(person.prompt().ref).toEqual({ flow: "consulta", step: "consent" });
    expect((await responses.list("consulta")).responses).toHaveLength(before);
  });

  it("forgets the answers in progress when the person cancels", async () => {
    const person = new Person(engine, identity(PEOPLE + 4).chatId, "es");
    await person.say("/start consulta");
    await person.say("sí");
    await person.say("2");
    await person.say("/cancelar");
    const session = JSON.parse((await sessions.read(engine.chatKey("test", person.chatId)))?.value ?? "{}");
    expect(session.mode).toEqual({ kind: "menu" });
    expect(JSON.stringify(session)).not.toContain("a18_29");
  });

  it("scrubs free text when the answer is taken: an abandoned session and the review never show it", async () => {
    const who = identity(PEOPLE + 7);
    const person = new Person(engine, who.chatId, "es");
    await person.say("/start demo");
    await person.say("sí");
    await person.say("Perú");
    await person.say("40");
    await person.say("no");
    await person.say("1");
    expect(person.prompt().ref?.step).toBe("comment");
    await person.say(`Me llamo Rosa Quispe, escríbanme al ${who.phone} o a ${who.email}`);
    const review = person.prompt();
    expect(review.ref?.step).toBe("_review");
    for (const shown of [review.text, (await sessions.read(engine.chatKey("test", person.chatId)))?.value ?? ""]) {
      expect(shown).not.toContain(who.phone);
      expect(shown).not.toContain(who.email);
      expect(shown).not.toContain("Quispe");
      expect(shown).toContain("[teléfono]");
    }
    expect(await everythingInRedis()).not.toContain(who.phoneDigits.slice(-8));
  });
});
