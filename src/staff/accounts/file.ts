import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { type StaffAccount, type StaffAccounts, staffAccountSchema } from "./account.js";

const accountFileSchema = z.object({ accounts: z.array(staffAccountSchema) });

/** A file that cannot be read as accounts: named, so the operator can fix or remove it. */
export class AccountFileError extends Error {
  override name = "AccountFileError";
}

/**
 * Accounts in a JSON file (mode 600), read on every sign-in so an account added while the bot
 * runs works at once; written whole to a temporary file and renamed, so a crash never leaves half.
 */
export class FileStaffAccounts implements StaffAccounts {
  constructor(readonly path: string) {}

  async get(name: string): Promise<StaffAccount | undefined> {
    return (await this.list()).find((account) => account.name === name);
  }

  async put(account: StaffAccount): Promise<void> {
    const others = (await this.list()).filter((existing) => existing.name !== account.name);
    await this.#write([...others, account]);
  }

  async remove(name: string): Promise<boolean> {
    const accounts = await this.list();
    const kept = accounts.filter((account) => account.name !== name);
    if (kept.length === accounts.length) return false;
    await this.#write(kept);
    return true;
  }

  async list(): Promise<StaffAccount[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AccountFileError(`${this.path} is not valid JSON: fix it or remove it and add the accounts again`);
    }
    const result = accountFileSchema.safeParse(parsed);
    if (!result.success)
      throw new AccountFileError(`${this.path} does not hold staff accounts: fix it or remove it and add them again`);
    return result.data.accounts;
  }

  async close(): Promise<void> {}

  async #write(accounts: StaffAccount[]): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ accounts }, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }
}
