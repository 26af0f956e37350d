import { LANGUAGES, type Language } from "../i18n/languages.js";
import type { TextGlobals, Texts } from "../i18n/texts.js";
import { type NextOpening, type Office, WEEKDAYS, type Weekday } from "./office.js";

/**
 * The office's details in words, in each language: what `{{officeName}}`, `{{officeHours}}` and
 * `{{officeContacts}}` say in every text, and "when the office opens" for a person waiting.
 */
export function officeGlobals(office: Office, texts: Texts, extra: Record<string, string> = {}): TextGlobals {
  const globals = {} as TextGlobals;
  for (const lng of LANGUAGES)
    globals[lng] = {
      officeName: office.file.name,
      officeHours: hoursText(office, texts, lng),
      officeContacts: contactsText(office, texts, lng),
      ...extra,
    };
  return globals;
}

function dayName(texts: Texts, lng: Language, day: Weekday): string {
  return texts.list(lng, "common:office.weekdays")[WEEKDAYS.indexOf(day)] ?? day;
}

/** "lunes a viernes, de 08:30 a 14:00": consecutive days with the same hours read as one range. */
export function hoursText(office: Office, texts: Texts, lng: Language): string {
  return office.file.hours
    .map((opening) => {
      const days = [...opening.days].sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b));
      const runs: Weekday[][] = [];
      for (const day of days) {
        const run = runs.at(-1);
        const last = run?.at(-1);
        if (run && last && WEEKDAYS.indexOf(day) === WEEKDAYS.indexOf(last) + 1) run.push(day);
        else runs.push([day]);
      }
      const named = runs.map((run) => {
        const first = run[0] as Weekday;
        const last = run.at(-1) as Weekday;
        if (run.length === 1) return dayName(texts, lng, first);
        if (run.length === 2) return `${dayName(texts, lng, first)}, ${dayName(texts, lng, last)}`;
        return texts.t(lng, "common:office.dayRange", {
          from: dayName(texts, lng, first),
          to: dayName(texts, lng, last),
        });
      });
      return texts.t(lng, "common:office.opening", { days: named.join(", "), from: opening.from, to: opening.to });
    })
    .join("; ");
}

/** The office's name, then every way to reach it the office file gives, one per line. */
export function contactsText(office: Office, texts: Texts, lng: Language): string {
  const { name, address, phone, whatsapp, email, web } = office.file;
  const lines = [name];
  if (address) lines.push(`📍 ${address}`);
  if (phone) lines.push(`📞 ${phone}`);
  if (whatsapp) lines.push(`💬 WhatsApp ${whatsapp}`);
  if (email) lines.push(`✉️ ${email}`);
  if (web) lines.push(`🌐 ${web}`);
  lines.push(`🕘 ${hoursText(office, texts, lng)}`);
  return lines.join("\n");
}

/** "hoy a las 14:30", "mañana a las 08:30", "el lunes a las 08:30". */
export function whenText(next: Exclude<NextOpening, { now: true }>, texts: Texts, lng: Language): string {
  const day =
    next.daysAhead === 0
      ? texts.t(lng, "common:office.today")
      : next.daysAhead === 1
        ? texts.t(lng, "common:office.tomorrow")
        : texts.t(lng, "common:office.onDay", { day: dayName(texts, lng, next.weekday) });
  return texts.t(lng, "common:office.at", { day, time: next.time });
}
