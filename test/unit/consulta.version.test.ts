import { describe, expect, it } from "vitest";
import { engineOn, memoryStore, Person } from "../support/puente.js";

/**
 * flows/consulta.yaml version 2 replaced questions and options of version 1. A person half-way
 * through version 1 when version 2 is deployed is told, and carried on with every answer that
 * still fits: version 1's session is written as it was stored, then the person writes again.
 */
const store = memoryStore();
const { engine, flows, texts } = engineOn(store);
const consulta = flows.get("consulta");

/** A version 1 session asking household_minors, with answers version 2 keeps and some it cannot. */
const halfWay = {
  lng: "es",
  seen: [],
  mode: {
    kind: "flow",
    flow: {
      id: "consulta",
      version: 1,
      state: "household_minors",
      context: {
        answers: {
          consent: true,
          age_band: "a30_44",
          nationality: "haiti",
          gender: "woman",
          time_in_chile: "y1_3", // version 1's overlapping range: gone
          commune: "quilicura",
          migratory_status: "refuge", // split in two in version 2: gone
          household_size: 4, // asked as a band in version 2: gone
        },
        editing: null,
        pending: [],
      },
    },
  },
};

describe("the consultation's version 2, deployed under a version 1 session", () => {
  it("is version 2", () => {
    expect(consulta?.version).toBe(2);
  });

  it("tells the person, keeps the answers that still fit, and asks the first one missing", async () => {
    const person = new Person(engine, "half-way", "es");
    const key = engine.chatKey("test", person.chatId);
    expect(await store.write(key, { value: JSON.stringify(halfWay), ttlSeconds: 0 }, 0)).toBe(true);

    await person.say("4");
    expect(person.texts()[0]).toBe(texts.t("es", "common:flow.updated"));
    // The first question of version 2 without an answer: time_in_chile, whose old range is gone.
    expect(person.prompt().ref).toEqual({ flow: "consulta", step: "time_in_chile" });

    const session = JSON.parse((await store.read(key))?.value ?? "{}");
    expect(session.mode.flow).toMatchObject({ version: 2, state: "time_in_chile" });
    expect(session.mode.flow.context.answers).toEqual({
      consent: true,
      age_band: "a30_44",
      nationality: "haiti",
      gender: "woman",
      commune: "quilicura",
    });

    // The household is then asked in bands, and the rest of version 2 follows.
    await person.choose(texts.t("es", "consulta:time_in_chile.options.y1_2"));
    await person.choose(texts.t("es", "consulta:commune.options.quilicura"));
    expect(person.prompt().ref?.step).toBe("household_band");
  });
});
