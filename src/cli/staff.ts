import { randomUUID } from "node:crypto";
import { z } from "zod";
import { RedisAuditLog } from "../core/store/redis/audit.js";
import { closeRedis, openRedis } from "../core/store/redis/client.js";
import { ConfigError, loadStaffConfig, redisLocation } from "../runtime/config.js";
import { accountNameSchema, type StaffAccounts } from "../staff/accounts/account.js";
import { AccountFileError, FileStaffAccounts } from "../staff/accounts/file.js";
import { hashPassword, newPassword } from "../staff/accounts/password.js";
import { RedisStaffAccounts } from "../staff/accounts/redis.js";
import { StaffAudit } from "../staff/audit.js";

/**
 * `npm run staff -- add <name> | password <name> | remove <name> | list`
 * The dashboard's accounts, kept where the bot reads them: in Redis when REDIS_URL is set, else
 * in STAFF_ACCOUNTS_FILE. A new password is made here and shown once: nobody types one into a
 * shell history, and nobody picks a weak one. Every failure is one line and exit 1.
 */
const USAGE = "Usage: npm run staff -- add <name> | password <name> | remove <name> | list";

class StaffCommandError extends Error {
  override name = "StaffCommandError";
}

const commandSchema = z.discriminatedUnion("verb", [
  z.object({ verb: z.literal("add"), name: accountNameSchema }),
  z.object({ verb: z.literal("password"), name: accountNameSchema }),
  z.object({ verb: z.literal("remove"), name: accountNameSchema }),
  z.object({ verb: z.literal("list") }),
  z.object({ verb: z.literal("help") }),
]);
type StaffCommand = z.infer<typeof commandSchema>;

function parseCommand(argv: string[]): StaffCommand {
  const [verb = "help", name, ...rest] = argv;
  if (rest.length > 0) throw new StaffCommandError(`Too many words. ${USAGE}`);
  const parsed = commandSchema.safeParse({ verb: verb === "--help" || verb === "-h" ? "help" : verb, name });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.path[0] === "name")
    throw new StaffCommandError(name === undefined ? `Name the account. ${USAGE}` : `The name ${issue.message}.`);
  throw new StaffCommandError(`Unknown command "${verb}". ${USAGE}`);
}

interface Place {
  accounts: StaffAccounts;
  /** Where the bot keeps its audit log, when this command can reach it (Redis). */
  audit: StaffAudit | undefined;
  where: string;
  close(): Promise<void>;
}

function openPlace(): Place {
  const config = loadStaffConfig();
  const location = redisLocation(config);
  if (location) {
    const redis = openRedis(location);
    return {
      accounts: new RedisStaffAccounts(redis, config.REDIS_PREFIX),
      audit: new StaffAudit(new RedisAuditLog(redis, config.REDIS_PREFIX)),
      where: `Redis (prefix ${config.REDIS_PREFIX})`,
      close: () => closeRedis(redis),
    };
  }
  return {
    accounts: new FileStaffAccounts(config.STAFF_ACCOUNTS_FILE),
    audit: undefined,
    where: config.STAFF_ACCOUNTS_FILE,
    close: async () => {},
  };
}

async function run(command: StaffCommand, place: Place): Promise<string> {
  const { accounts, audit } = place;
  switch (command.verb) {
    case "help":
      return USAGE;
    case "list": {
      const all = await accounts.list();
      if (all.length === 0) return `No staff accounts in ${place.where}. Add one: npm run staff -- add <name>`;
      return all.map((account) => `${account.name} (since ${account.createdAt.slice(0, 10)})`).join("\n");
    }
    case "add":
    case "password": {
      const existing = await accounts.get(command.name);
      if (command.verb === "add" && existing)
        throw new StaffCommandError(
          `"${command.name}" already exists. For a new password: npm run staff -- password ${command.name}`,
        );
      if (command.verb === "password" && !existing)
        throw new StaffCommandError(
          `There is no account "${command.name}". Add it: npm run staff -- add ${command.name}`,
        );
      const password = newPassword();
      await accounts.put({
        name: command.name,
        passwordHash: await hashPassword(password),
        // A new generation ends every session signed in with the old password.
        generation: randomUUID(),
        createdAt: existing?.createdAt ?? new Date().toISOString(),
      });
      await audit?.record("cli", command.verb === "add" ? "account-added" : "account-password-reset", command.name);
      const what =
        command.verb === "add" ? "Account created" : "New password set (signed-in sessions of it have ended)";
      return [
        `${what} in ${place.where}.`,
        `  name:     ${command.name}`,
        `  password: ${password}`,
        "Give the password to the person in private; it is not shown again.",
      ].join("\n");
    }
    case "remove": {
      if (!(await accounts.remove(command.name))) throw new StaffCommandError(`There is no account "${command.name}".`);
      await audit?.record("cli", "account-removed", command.name);
      return `Removed "${command.name}"; its sessions have ended.`;
    }
  }
}

function oneLine(error: unknown): string {
  if (error instanceof StaffCommandError || error instanceof ConfigError || error instanceof AccountFileError)
    return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `The staff command failed: ${message.split("\n")[0]}`;
}

let place: Place | undefined;
try {
  const command = parseCommand(process.argv.slice(2));
  place = openPlace();
  process.stdout.write(`${await run(command, place)}\n`);
} catch (error) {
  process.stderr.write(`${oneLine(error)}\n`);
  process.exitCode = 1;
} finally {
  await place?.close();
}
