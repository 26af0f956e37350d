import { TelegramStartError } from "../channels/telegram/channel.js";
import { FlowFileError } from "../core/flows/load.js";
import { OfficeFileError } from "../core/office/office.js";
import { RuleFileError } from "../core/rules/rulebook.js";
import { ResponseKeysError } from "../core/store/redis/responses.js";
import { startPuente } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./log.js";

/** Within Docker's default 10 s after SIGTERM, before its SIGKILL. */
const STOP_DEADLINE_MS = 9000;

/** Starts Puente from the environment; a configuration or flow problem stops it with one line. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
  const puente = await startPuente(config, logger);
  const stop = async (signal: string) => {
    logger.info({ signal }, "stopping: finishing the messages in hand");
    // Past this, something in hand does not end: better a hard stop than one nobody sees finish.
    setTimeout(() => {
      logger.error({ afterMs: STOP_DEADLINE_MS }, "could not stop in time; stopping now");
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    await puente.close();
    logger.info("stopped");
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof TelegramStartError ||
    error instanceof OfficeFileError ||
    error instanceof ResponseKeysError
  )
    console.error(error.message);
  else if (error instanceof FlowFileError) console.error(`Flow file error: ${error.message}`);
  else if (error instanceof RuleFileError) console.error(`Rule file error: ${error.message}`);
  else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
    console.error(`Cannot listen: ${(error as Error).message}. Set HTTP_PORT to a free port.`);
  else console.error(error);
  process.exit(1);
});
