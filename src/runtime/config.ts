import { z } from "zod";
import { LANGUAGES } from "../core/i18n/languages.js";
import type { ClusterNode, RedisLocation } from "../core/store/redis/client.js";

/**
 * The configuration contract of DESIGN.md, read once from the environment at start.
 * A wrong value stops the program with one line naming the variable (see `ConfigError`).
 */

const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);
const optionalUrl = (protocols: RegExp, what: string) =>
  z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((value) => URL.canParse(value) && protocols.test(new URL(value).protocol), {
        message: `must be ${what}`,
      })
      .optional(),
  );
const flag = z.preprocess(
  emptyAsUndefined,
  z
    .enum(["1", "0", "true", "false", "yes", "no", "on", "off"], {
      message: "must be true or false (or 1/0, yes/no, on/off)",
    })
    .optional()
    .transform((value) => value === "1" || value === "true" || value === "yes" || value === "on"),
);

/** A default Redis server has 16 databases; the server's `databases` setting can change that. */
const REDIS_DATABASES = 16;

/**
 * Where the URL names a database (the path `/2`, or `?db=2`, which ioredis also reads), it must be a
 * whole number from 0 to 15. ioredis does not refuse one the server lacks in a way the program sees:
 * with `/99` or `/-1` the bot and the export went on as if on database 0, and `/abc` crashed the
 * export with a stack trace.
 */
function redisDatabaseProblem(url: URL): string | undefined {
  const path = url.pathname;
  const query = url.searchParams.get("db");
  const named = path !== "" && path !== "/" ? path.slice(1) : query;
  if (named === null || (/^\d+$/.test(named) && Number(named) < REDIS_DATABASES)) return undefined;
  const given = path !== "" && path !== "/" ? path : `?db=${query}`;
  return (
    `must name a database from 0 to ${REDIS_DATABASES - 1} after the port (redis://host:6379/2) or none, not ${given} ` +
    `(a default Redis server has ${REDIS_DATABASES} databases; the server's \`databases\` setting decides how many)`
  );
}

const redisUrl = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .superRefine((value, ctx) => {
      if (!URL.canParse(value) || !/^rediss?:$/.test(new URL(value).protocol)) {
        ctx.addIssue({ code: "custom", message: "must be a redis:// or rediss:// URL" });
        return;
      }
      const problem = redisDatabaseProblem(new URL(value));
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
);

const CLUSTER_NODES_EXAMPLE = "10.0.0.1:6379,10.0.0.2:6379,10.0.0.3:6379";

/**
 * Some nodes of a Redis Cluster, comma-separated: `host:port`, or `redis://` / `rediss://` URLs
 * where the nodes need a password or TLS (the credentials of the first URL serve every node).
 * The client learns the rest of the cluster from any node that answers.
 */
const redisClusterNodes = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .transform((value, ctx) => {
      const nodes: ClusterNode[] = [];
      let credentials: Omit<Extract<RedisLocation, { cluster: ClusterNode[] }>, "cluster"> = {};
      for (const entry of value.split(",").map((part) => part.trim())) {
        const spelled = /^[a-z]+:\/\//i.test(entry) ? entry : `redis://${entry}`;
        const url = URL.canParse(spelled) ? new URL(spelled) : undefined;
        if (
          !url ||
          !/^rediss?:$/.test(url.protocol) ||
          !url.hostname ||
          !url.port ||
          !["", "/"].includes(url.pathname)
        ) {
          ctx.addIssue({
            code: "custom",
            message: `must be the cluster's nodes as host:port separated by commas (${CLUSTER_NODES_EXAMPLE}), not "${entry}"`,
          });
          return z.NEVER;
        }
        nodes.push({ host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port) });
        if (nodes.length === 1)
          credentials = {
            ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
            ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
            ...(url.protocol === "rediss:" ? { tls: true } : {}),
          };
      }
      return { cluster: nodes, ...credentials };
    })
    .optional(),
);

/** Where the stores are: the cluster when its nodes are given, else the one Redis of REDIS_URL, else none. */
export function redisLocation(config: {
  REDIS_URL?: string | undefined;
  REDIS_CLUSTER_NODES?: RedisLocation | undefined;
}): RedisLocation | undefined {
  if (config.REDIS_CLUSTER_NODES) return config.REDIS_CLUSTER_NODES;
  return config.REDIS_URL ? { url: config.REDIS_URL } : undefined;
}

/** REDIS_URL and REDIS_CLUSTER_NODES name two different places: one of them must go. */
function oneRedis(config: { REDIS_URL?: string | undefined; REDIS_CLUSTER_NODES?: unknown }, ctx: z.RefinementCtx) {
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES)
    ctx.addIssue({
      code: "custom",
      path: ["REDIS_CLUSTER_NODES"],
      message: "and REDIS_URL are both set: give one Redis (REDIS_URL) or a cluster (REDIS_CLUSTER_NODES), not both",
    });
}

const redisPrefix = z.preprocess(
  emptyAsUndefined,
  z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,40}$/, {
      message: "must be 1-40 letters, digits or _ . : -",
    })
    .default("puente"),
);
const accountsFile = z.preprocess(emptyAsUndefined, z.string().default("./data/staff-accounts.json"));
const flowsDir = z.preprocess(emptyAsUndefined, z.string().default("flows"));
const localesDir = z.preprocess(emptyAsUndefined, z.string().default("locales"));

/** A switch: true or false, or 1/0, yes/no, on/off. */
function onOff(fallback: "true" | "false") {
  return z.preprocess(
    emptyAsUndefined,
    z
      .enum(["1", "0", "true", "false", "yes", "no", "on", "off"], {
        message: "must be true or false (or 1/0, yes/no, on/off)",
      })
      .default(fallback)
      .transform((value) => value === "1" || value === "true" || value === "yes" || value === "on"),
  );
}

const portNumber = z.coerce
  .number({ message: "must be a port number" })
  .int({ message: "must be a whole number" })
  .min(0, { message: "must be between 0 and 65535" })
  .max(65535, { message: "must be between 0 and 65535" });

export const configSchema = z
  .object({
    REDIS_URL: redisUrl,
    REDIS_CLUSTER_NODES: redisClusterNodes,
    REDIS_PREFIX: redisPrefix,
    HTTP_PORT: z.preprocess(emptyAsUndefined, portNumber.default(3000)),
    HTTP_HOST: z.preprocess(emptyAsUndefined, z.string().default("0.0.0.0")),
    SESSION_IDLE_HOURS: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ message: "must be a number of hours" })
        .positive({ message: "must be more than 0" })
        .max(24 * 90, { message: "must be at most 2160 (90 days)" })
        .default(48),
    ),
    TELEGRAM_BOT_TOKEN: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, {
          message: "does not look like a bot token from @BotFather (123456:ABC-...)",
        })
        .optional(),
    ),
    TELEGRAM_API_ROOT: optionalUrl(/^https?:$/, "an http(s) URL"),
    TELEGRAM_WEBHOOK_URL: optionalUrl(/^https:$/, "an https:// URL"),
    TELEGRAM_WEBHOOK_SECRET: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,256}$/, {
          message: "must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
        })
        .optional(),
    ),
    WHATSAPP_ENABLED: flag,
    WEB_CHAT_ENABLED: onOff("true"),
    /**
     * Behind a reverse proxy, the client's address is the last one in X-Forwarded-For (the web
     * chat's rate limits count per address); without one, that header is anyone's to forge.
     */
    TRUST_PROXY: onOff("false"),
    WHATSAPP_DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default("./data/whatsapp")),
    CHROMIUM_PATH: z.preprocess(emptyAsUndefined, z.string().default("/usr/bin/chromium")),
    WHATSAPP_PAIRING_PHONE: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^\+?\d{8,15}$/, { message: "must be the office's number with country code, digits only (56912345678)" })
        .transform((phone) => phone.replace(/^\+/, ""))
        .optional(),
    ),
    STAFF_TELEGRAM_CHAT_ID: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^-?\d+$/, { message: "must be a numeric Telegram chat id, such as -1001234567890" })
        .optional(),
    ),
    STAFF_WEBHOOK_URL: optionalUrl(/^https?:$/, "an http(s) URL"),
    STAFF_WEBHOOK_SECRET: z.preprocess(
      emptyAsUndefined,
      z.string().min(32, { message: "must be at least 32 characters (openssl rand -hex 32)" }).optional(),
    ),
    /**
     * Tokens for machines reading the staff side (Prometheus scraping /metrics): `name:token`
     * pairs, comma-separated, one per reader, revoked by removing it.
     */
    STAFF_TOKENS: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^[a-z][a-z0-9._-]{0,31}:[A-Za-z0-9_-]{32,}(,[a-z][a-z0-9._-]{0,31}:[A-Za-z0-9_-]{32,})*$/, {
          message:
            "must be name:token pairs separated by commas, each token at least 32 letters or digits (prometheus:$(openssl rand -hex 32))",
        })
        .optional()
        .transform((value) =>
          (value ? value.split(",") : []).map((pair) => {
            const [name = "", token = ""] = pair.split(":");
            return { name, token };
          }),
        ),
    ),
    STAFF_ENABLED: onOff("true"),
    STAFF_PATH: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^(\/[a-z0-9_-]+)+$/, { message: "must be a path such as /staff (lowercase, no trailing slash)" })
        .default("/staff"),
    ),
    /** Set: the staff area (and /metrics) on a port of its own, apart from the public web chat. */
    STAFF_PORT: z.preprocess(emptyAsUndefined, portNumber.optional()),
    STAFF_ACCOUNTS_FILE: accountsFile,
    STAFF_SESSION_HOURS: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ message: "must be a number of hours" })
        .positive({ message: "must be more than 0" })
        .max(24 * 7, { message: "must be at most 168 (a week)" })
        .default(10),
    ),
    CONTACT_KEY: z.preprocess(
      emptyAsUndefined,
      z.string().min(32, { message: "must be at least 32 characters (openssl rand -hex 32)" }).optional(),
    ),
    CONTACT_GRACE_DAYS: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ message: "must be a number of days" })
        .min(0, { message: "must be 0 or more" })
        .max(365, { message: "must be at most 365" })
        .default(7),
    ),
    CASE_REMINDER_MINUTES: z.preprocess(
      emptyAsUndefined,
      z.coerce
        .number({ message: "must be a number of minutes" })
        .int({ message: "must be a whole number of minutes" })
        .min(0, { message: "must be 0 (no reminders) or more" })
        .max(24 * 60, { message: "must be at most 1440 (a day)" })
        .default(30),
    ),
    OFFICE_FILE: z.preprocess(emptyAsUndefined, z.string().default("office.yaml")),
    ANON_SECRET: z.preprocess(
      emptyAsUndefined,
      z.string().min(32, { message: "must be at least 32 characters (openssl rand -hex 32)" }).optional(),
    ),
    DEFAULT_LANGUAGE: z.preprocess(
      emptyAsUndefined,
      z.enum(LANGUAGES, { message: `must be one of ${LANGUAGES.join(", ")}` }).default("es"),
    ),
    FLOWS_DIR: flowsDir,
    RULES_DIR: z.preprocess(emptyAsUndefined, z.string().default("rules")),
    LOCALES_DIR: localesDir,
    /** `pretty` for a person at a terminal, `json` for a log collector; unset: pretty on a terminal. */
    LOG_FORMAT: z.preprocess(
      emptyAsUndefined,
      z.enum(["pretty", "json"], { message: "must be pretty or json" }).optional(),
    ),
    LOG_LEVEL: z.preprocess(
      emptyAsUndefined,
      z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ),
  })
  .superRefine((config, ctx) => {
    if (config.TELEGRAM_WEBHOOK_URL && !config.TELEGRAM_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["TELEGRAM_WEBHOOK_SECRET"],
        message: "is required when TELEGRAM_WEBHOOK_URL is set, so that forged updates are refused",
      });
    }
    if (config.STAFF_TELEGRAM_CHAT_ID && !config.TELEGRAM_BOT_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: ["TELEGRAM_BOT_TOKEN"],
        message: "is required when STAFF_TELEGRAM_CHAT_ID is set: the bot writes to the staff group",
      });
    }
    if (config.STAFF_WEBHOOK_URL && !config.STAFF_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["STAFF_WEBHOOK_SECRET"],
        message: "is required when STAFF_WEBHOOK_URL is set: it signs every notification (openssl rand -hex 32)",
      });
    }
    if (casesEnabled(config) && !config.CONTACT_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["CONTACT_KEY"],
        message:
          "is required when hand-off to staff is on through the staff group or a webhook (STAFF_TELEGRAM_CHAT_ID or STAFF_WEBHOOK_URL): it encrypts the one way to reach a person who asks for staff (openssl rand -hex 32)",
      });
    }
    oneRedis(config, ctx);
    if (redisLocation(config) && !config.ANON_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["ANON_SECRET"],
        message: `is required when ${config.REDIS_URL ? "REDIS_URL" : "REDIS_CLUSTER_NODES"} is set: it keys the hashes that keep people anonymous (make one with: openssl rand -hex 32)`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

/**
 * Hand-off cases are on when someone on the staff side will see them: the staff group, a webhook,
 * or the dashboard once CONTACT_KEY is set (the key is what lets a case keep a way to reply).
 */
export function casesEnabled(
  config: Pick<Config, "STAFF_TELEGRAM_CHAT_ID" | "STAFF_WEBHOOK_URL" | "CONTACT_KEY"> & { STAFF_ENABLED?: boolean },
): boolean {
  return Boolean(
    config.STAFF_TELEGRAM_CHAT_ID || config.STAFF_WEBHOOK_URL || (config.CONTACT_KEY && config.STAFF_ENABLED !== false),
  );
}

/** A configuration value the program cannot run with; its message is the one line an operator sees. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(configSchema, env);
}

/**
 * What `npm run export` reads: where the responses are and how to label them. The same rules as
 * the bot's for each variable, and nothing else: the export hashes nothing (no ANON_SECRET), and a
 * bot setting it does not use must not stop staff from getting their data.
 */
export const exportConfigSchema = z
  .object({
    REDIS_URL: redisUrl,
    REDIS_CLUSTER_NODES: redisClusterNodes,
    REDIS_PREFIX: redisPrefix,
    FLOWS_DIR: flowsDir,
    LOCALES_DIR: localesDir,
  })
  .superRefine(oneRedis);
export type ExportConfig = z.infer<typeof exportConfigSchema>;

export function loadExportConfig(env: NodeJS.ProcessEnv = process.env): ExportConfig {
  return parseEnv(exportConfigSchema, env);
}

/** What `npm run staff` reads: where the accounts are kept, as the bot reads them. */
export const staffConfigSchema = z
  .object({
    REDIS_URL: redisUrl,
    REDIS_CLUSTER_NODES: redisClusterNodes,
    REDIS_PREFIX: redisPrefix,
    STAFF_ACCOUNTS_FILE: accountsFile,
  })
  .superRefine(oneRedis);

export function loadStaffConfig(env: NodeJS.ProcessEnv = process.env): z.infer<typeof staffConfigSchema> {
  return parseEnv(staffConfigSchema, env);
}

/** The first problem, as one line naming the variable. */
function parseEnv<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const variable = issue?.path.join(".") ?? "configuration";
  throw new ConfigError(`Configuration error: ${variable} ${issue?.message ?? "is invalid"}`);
}
