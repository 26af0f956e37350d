import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/**
 * The office's own details (`office.yaml`): its name, how to reach it, and its opening hours.
 * Shown wherever the bot says where to go; the hours also tell a person who asks for staff when
 * someone will answer.
 */
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "must be a time such as 08:30" });
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const openingSchema = z
  .strictObject({ days: z.array(z.enum(WEEKDAYS)).min(1), from: time, to: time })
  .refine((opening) => opening.from < opening.to, { message: "from must be earlier than to" });

export const officeFileSchema = z.strictObject({
  name: z.string().min(3).max(120),
  address: z.string().max(200).optional(),
  phone: z.string().max(40).optional(),
  whatsapp: z.string().max(40).optional(),
  email: z.string().email().optional(),
  web: z.string().url().optional(),
  /** An IANA time zone: the hours are the office's local time. */
  timezone: z.string().refine(isTimeZone, { message: "must be a time zone such as America/Santiago" }),
  hours: z.array(openingSchema).min(1),
  /** Days the office is closed although the hours say open (public holidays), as YYYY-MM-DD. */
  closed: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a date YYYY-MM-DD" })).default([]),
});
export type OfficeFile = z.infer<typeof officeFileSchema>;

/** The office file the program refuses, with the one line an operator can act on. */
export class OfficeFileError extends Error {
  override name = "OfficeFileError";
}

export function loadOffice(file: string): Office {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, "utf8"));
  } catch (error) {
    throw new OfficeFileError(`Office file ${file}: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = officeFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OfficeFileError(
      `Office file ${file}: ${issue?.path.join(".") || "file"} ${issue?.message ?? "is invalid"}`,
    );
  }
  return new Office(parsed.data);
}

/** A moment in the office's own calendar. */
export interface LocalMoment {
  date: string;
  weekday: Weekday;
  /** "HH:MM" */
  time: string;
}

/** When the office opens next, seen from a moment: now (it is open), or a day ahead and a time. */
export type NextOpening = { now: true } | { now: false; daysAhead: number; weekday: Weekday; time: string };

export class Office {
  readonly #parts: Intl.DateTimeFormat;

  constructor(readonly file: OfficeFile) {
    this.#parts = new Intl.DateTimeFormat("en-US", {
      timeZone: file.timezone,
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
  }

  /** The moment in the office's time zone. */
  local(at: Date): LocalMoment {
    const parts = Object.fromEntries(this.#parts.formatToParts(at).map((part) => [part.type, part.value]));
    return {
      date: `${parts.year}-${parts.month}-${parts.day}`,
      weekday: (parts.weekday ?? "Mon").toLowerCase().slice(0, 3) as Weekday,
      time: `${parts.hour}:${parts.minute}`,
    };
  }

  isOpen(at: Date): boolean {
    const moment = this.local(at);
    return this.#openingsOf(moment).some((opening) => opening.from <= moment.time && moment.time < opening.to);
  }

  /** The next time the office opens, looking up to two weeks ahead; undefined if it never does. */
  nextOpening(at: Date): NextOpening | undefined {
    if (this.isOpen(at)) return { now: true };
    const today = this.local(at);
    const seen = new Set<string>();
    for (let hours = 0; hours <= 15 * 24; hours += 6) {
      const moment = this.local(new Date(at.getTime() + hours * 3_600_000));
      if (seen.has(moment.date)) continue;
      seen.add(moment.date);
      const starts = this.#openingsOf(moment)
        .map((opening) => opening.from)
        .filter((from) => moment.date !== today.date || from > today.time)
        .sort();
      const first = starts[0];
      if (first) return { now: false, daysAhead: seen.size - 1, weekday: moment.weekday, time: first };
    }
    return undefined;
  }

  #openingsOf(moment: LocalMoment) {
    if (this.file.closed.includes(moment.date)) return [];
    return this.file.hours.filter((opening) => opening.days.includes(moment.weekday));
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
