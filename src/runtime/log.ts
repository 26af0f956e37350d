import { type Logger, pino } from "pino";

/**
 * The program's log: JSON lines on stdout. It never holds message text or raw user ids; a chat
 * appears only as its keyed hash (`chat`).
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { app: "puente" }, timestamp: pino.stdTimeFunctions.isoTime });
}
