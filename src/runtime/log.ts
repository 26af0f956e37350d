import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import pretty from "pino-pretty";

export type LogFormat = "pretty" | "json";

/** LOG_FORMAT when set; else lines for a person when stdout is a terminal, JSON for a collector otherwise. */
export function logFormat(configured: LogFormat | undefined, terminal: boolean): LogFormat {
  return configured ?? (terminal ? "pretty" : "json");
}

/**
 * The program's log on stdout: JSON lines for a collector, or for a person at a terminal a line
 * with time, level and message, the same fields indented below it (pino-pretty in this thread: no
 * worker to start or wait for). Either way it never holds message text or raw user ids; a chat appears only as its keyed
 * hash (`chat`). `destination` is for tests; the terminal check looks at stdout.
 */
export function createLogger(level: string, format?: LogFormat, destination?: DestinationStream): Logger {
  const terminal = Boolean(process.stdout.isTTY);
  const options: LoggerOptions = { level, base: { app: "puente" }, timestamp: pino.stdTimeFunctions.isoTime };
  if (logFormat(format, terminal) === "json") return destination ? pino(options, destination) : pino(options);
  return pino(
    options,
    pretty({
      colorize: terminal && !destination && pretty.isColorSupported,
      translateTime: "SYS:yyyy-mm-dd HH:MM:ss.l",
      // pid and hostname say nothing at a terminal; `app` is the same on every line.
      ignore: "pid,hostname,app",
      // Written at once, like pino's own stdout: a stop's last lines are not lost to process.exit.
      sync: true,
      ...(destination ? { destination } : {}),
    }),
  );
}
