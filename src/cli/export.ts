import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { compileFlows, type Flow } from "../core/flows/compile.js";
import { FlowFileError } from "../core/flows/load.js";
import { flowIdSchema } from "../core/flows/schema.js";
import { createTexts, readLocales } from "../core/i18n/texts.js";
import { closeRedis, openRedis } from "../core/store/redis/client.js";
import { RedisResponseStore } from "../core/store/redis/responses.js";
import { ConfigError, type ExportConfig, loadExportConfig, redisLocation } from "../runtime/config.js";
import { csvDelimiterSchema } from "../staff/export/csv.js";
import { exportFormatSchema } from "../staff/export/export.js";
import { dateRangeSchema } from "../staff/export/table.js";
import { unreadableLine } from "../staff/export/unreadable.js";
import { StaffService } from "../staff/service.js";

/**
 * `npm run export -- <flow> --format csv|xlsx|json [--from D] [--to D] [--codes] [--delimiter ;|,] [--out FILE]`
 * Writes a flow's anonymous responses for staff. Every failure is one line on stderr and exit 1:
 * the people running it are office staff, not developers, so no stack traces.
 */

const USAGE =
  "Usage: npm run export -- <flow> --format csv|xlsx|json [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--codes] [--delimiter ';'|','] [--out FILE]";

/** A problem the person running the command can fix; its message is the whole output. */
class ExportError extends Error {
  override name = "ExportError";
}

const argsSchema = dateRangeSchema
  .extend({
    flow: flowIdSchema,
    format: exportFormatSchema,
    codes: z.boolean(),
    delimiter: csvDelimiterSchema.optional(),
    out: z.string().min(1).optional(),
  })
  .superRefine((args, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (args.from && args.to && args.from > args.to) fail("from", "must not be after --to");
    if (args.format === "xlsx" && !args.out) fail("out", "is required for XLSX, a binary file (--out results.xlsx)");
    if (args.delimiter && args.format !== "csv") fail("delimiter", "only applies to --format csv");
  });
type ExportArgs = z.infer<typeof argsSchema>;

function parseCommandLine(argv: string[]): ExportArgs | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      codes: { type: "boolean", default: false },
      delimiter: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  if (positionals.length !== 1) throw new ExportError(`Name one flow to export. ${USAGE}`);
  if (values.format === undefined) throw new ExportError(`--format is required. ${USAGE}`);
  const result = argsSchema.safeParse({ ...values, flow: positionals[0] });
  if (!result.success) throw new ExportError(argumentError(result.error));
  return result.data;
}

const ARGUMENT_MESSAGES: Record<string, string> = {
  format: "--format must be csv, xlsx or json",
  delimiter: "--delimiter must be ; or ,",
};

function argumentError(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = String(issue?.path[0] ?? "");
  if (issue?.code !== "custom" && ARGUMENT_MESSAGES[field]) return `${ARGUMENT_MESSAGES[field]}.`;
  const name = field === "flow" ? "the flow id" : `--${field}`;
  return `${name} ${issue?.message ?? "is invalid"}.`;
}

function findFlow(config: ExportConfig, flows: ReadonlyMap<string, Flow>, id: string): Flow {
  const flow = flows.get(id);
  if (!flow)
    throw new ExportError(`No flow "${id}" in ${config.FLOWS_DIR}/ (there are: ${[...flows.keys()].join(", ")}).`);
  return flow;
}

async function run(argv: string[]): Promise<void> {
  const args = parseCommandLine(argv);
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  // Only what the export uses, checked as the bot checks it: no ANON_SECRET, no channel settings.
  const config = loadExportConfig();
  const location = redisLocation(config);
  if (!location) {
    throw new ExportError(
      "The export reads the responses from Redis: set REDIS_URL or REDIS_CLUSTER_NODES (and REDIS_PREFIX) as the bot has them.",
    );
  }
  const texts = createTexts(readLocales(config.LOCALES_DIR));
  const flows = compileFlows(config.FLOWS_DIR, texts);
  const flow = findFlow(config, flows, args.flow);
  const redis = openRedis(location);
  const responses = new RedisResponseStore(redis, config.REDIS_PREFIX);
  // Responses an older version kept under untagged names are moved first, as the bot does at start.
  await responses.adoptUntagged([flow.id]).catch(async (error: unknown) => {
    await closeRedis(redis);
    throw error;
  });
  // The same service as the dashboard's downloads, on the bot's Redis.
  const service = new StaffService({ flows, texts, responses });
  const { body, count, unreadable } = await service
    .download(flow, {
      format: args.format,
      codes: args.codes,
      delimiter: args.delimiter ?? ";",
      range: { from: args.from, to: args.to },
    })
    .finally(() => closeRedis(redis));
  await writeOutput(body, args.out);
  // stderr, so the one line never mixes with data written to stdout.
  const where = args.out ? ` to ${args.out}` : "";
  process.stderr.write(`Exported ${count} responses of "${flow.id}" as ${args.format.toUpperCase()}${where}.\n`);
  const leftOut = unreadableLine(unreadable);
  if (leftOut) process.stderr.write(`${leftOut}\n`);
}

async function writeOutput(body: string | Buffer, out: string | undefined): Promise<void> {
  if (!out) {
    process.stdout.write(body);
    return;
  }
  try {
    await writeFile(out, body);
  } catch (error) {
    throw new ExportError(`Cannot write ${out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
}

/** Every error is reported as one line, whatever threw it. */
function oneLine(error: unknown): string {
  if (error instanceof FlowFileError) return `Flow file error: ${error.message}`;
  if (error instanceof ExportError || error instanceof ConfigError) return error.message;
  // parseArgs explains an unknown option with a long hint about "--"; its first sentence is enough.
  if (isParseArgsError(error)) return `${error.message.split(". ")[0]}. Run with --help to see the options.`;
  const message = error instanceof Error ? error.message : String(error);
  return `Export failed: ${message.split("\n")[0]}`;
}

function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS");
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${oneLine(error)}\n`);
  process.exitCode = 1;
}
