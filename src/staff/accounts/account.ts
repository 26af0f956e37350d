import { z } from "zod";

/**
 * A staff account of the dashboard: a sign-in name, the password's hash, and a generation that
 * changes with every new password or removal, so sessions signed in before it stop working.
 */
export const accountNameSchema = z.string().regex(/^[a-z][a-z0-9._-]{1,31}$/, {
  message: "must be 2-32 lowercase letters, digits, . _ or -, starting with a letter (ana, j.perez)",
});

export const staffAccountSchema = z.object({
  name: accountNameSchema,
  passwordHash: z.string().min(1),
  generation: z.string().min(1),
  createdAt: z.string().datetime(),
});
export type StaffAccount = z.infer<typeof staffAccountSchema>;

/**
 * Where accounts are kept: in Redis when the bot uses Redis (every replica sees them), else in a
 * file beside the bot's data, so `npm run staff` and a bot on its in-memory default agree.
 */
export interface StaffAccounts {
  get(name: string): Promise<StaffAccount | undefined>;
  put(account: StaffAccount): Promise<void>;
  /** False when there was no such account. */
  remove(name: string): Promise<boolean>;
  list(): Promise<StaffAccount[]>;
  close(): Promise<void>;
}
