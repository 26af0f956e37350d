import type { Office } from "../core/office/office.js";

/** "25/11 14:32" in the office's time zone, as staff read times on every surface. */
export function officeTime(office: Office, iso: string, withDay = true): string {
  const moment = office.local(new Date(iso));
  const [, month, day] = moment.date.split("-");
  return withDay ? `${day}/${month} ${moment.time}` : moment.time;
}
