import { TelegramStartError } from "../channels/telegram/channel.js";
import { FlowFileError } from "../core/flows/load.js";
import { OfficeFileError } from "../core/office/office.js";
import { RuleFileError } from "../core/rules/rulebook.js";
import { startPuente } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./log.js";

/** Starts Puente from the environment; a configuration or flow problem stops it with one line. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
  const puente = await startPuente(config, logger);
  const stop = async (signal: string) => {
    logger.info({ signal }, "stopping");
    await puente.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof TelegramStartError || error instanceof OfficeFileError)
    console.error(error.message);
  else if (error instanceof FlowFileError) console.error(`Flow file error: ${error.message}`);
  else if (error instanceof RuleFileError) console.error(`Rule file error: ${error.message}`);
  else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
    console.error(`Cannot listen: ${(error as Error).message}. Set HTTP_PORT to a free port.`);
  else console.error(error);
  process.exit(1);
});
