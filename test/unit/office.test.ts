import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTexts, readLocales } from "../../src/core/i18n/texts.js";
import { loadOffice, OfficeFileError } from "../../src/core/office/office.js";
import { contactsText, hoursText, whenText } from "../../src/core/office/render.js";

/** The office file: its hours in the office's time zone, in words in every language, and refused when wrong. */
const office = loadOffice("office.yaml");
const texts = createTexts(readLocales("locales"));
const santiago = (local: string) => new Date(`${local}-03:00`); // summer time in Chile

describe("office hours", () => {
  it("are open on a weekday morning and closed at night, at weekends and on holidays", () => {
    expect(office.isOpen(santiago("2026-11-25T09:00:00"))).toBe(true);
    expect(office.isOpen(santiago("2026-11-25T14:00:00"))).toBe(false);
    expect(office.isOpen(santiago("2026-11-28T10:00:00"))).toBe(false);
    expect(office.isOpen(santiago("2026-12-08T10:00:00"))).toBe(false);
  });

  it("say when the office opens next: later today, tomorrow, after the weekend or a holiday", () => {
    expect(office.nextOpening(santiago("2026-11-25T09:00:00"))).toEqual({ now: true });
    expect(office.nextOpening(santiago("2026-11-25T07:10:00"))).toMatchObject({ daysAhead: 0, time: "08:30" });
    expect(office.nextOpening(santiago("2026-11-25T15:00:00"))).toMatchObject({ daysAhead: 1, weekday: "thu" });
    expect(office.nextOpening(santiago("2026-11-27T17:00:00"))).toMatchObject({ daysAhead: 3, weekday: "mon" });
    expect(office.nextOpening(santiago("2026-12-07T17:00:00"))).toMatchObject({ daysAhead: 2, weekday: "wed" });
  });

  it("read as words in every language", () => {
    expect(hoursText(office, texts, "es")).toBe("lunes a viernes, de 08:30 a 14:00");
    expect(hoursText(office, texts, "ht")).toBe("lendi rive vandredi, depi 08:30 rive 14:00");
    expect(hoursText(office, texts, "fr")).toBe("du lundi au vendredi, de 08:30 à 14:00");
    expect(hoursText(office, texts, "en")).toBe("Monday to Friday, 08:30 to 14:00");
    expect(hoursText(office, texts, "pt")).toBe("segunda-feira a sexta-feira, das 08:30 às 14:00");
    const monday = office.nextOpening(santiago("2026-11-27T17:00:00"));
    if (!monday || monday.now) throw new Error("closed");
    expect(whenText(monday, texts, "es")).toBe("el lunes a las 08:30");
    expect(whenText(monday, texts, "en")).toBe("on Monday at 08:30");
    expect(contactsText(office, texts, "es")).toContain("Oficina de Migrantes y Refugiados");
  });
});

describe("a wrong office file", () => {
  const write = (body: string) => {
    const file = join(mkdtempSync(join(tmpdir(), "puente-office-")), "office.yaml");
    writeFileSync(file, body);
    return file;
  };

  it.each([
    ["no hours", "name: Oficina\ntimezone: America/Santiago\nhours: []\n", "hours"],
    [
      "an unknown time zone",
      "name: Oficina\ntimezone: Mars/Olympus\nhours: [{days: [mon], from: '09:00', to: '13:00'}]\n",
      "timezone",
    ],
    [
      "hours that end before they start",
      "name: Oficina\ntimezone: America/Santiago\nhours: [{days: [mon], from: '13:00', to: '09:00'}]\n",
      "from must be earlier",
    ],
    [
      "a day that is not a day",
      "name: Oficina\ntimezone: America/Santiago\nhours: [{days: [lunes], from: '09:00', to: '13:00'}]\n",
      "days",
    ],
  ])("is refused with one line naming the problem: %s", (_, body, problem) => {
    const file = write(body);
    expect(() => loadOffice(file)).toThrow(OfficeFileError);
    expect(() => loadOffice(file)).toThrow(problem);
  });
});
