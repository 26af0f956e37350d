import { z } from "zod";
import type { AuditLog } from "../core/store/audit.js";

/**
 * What staff did on the staff side, for anyone on staff to read: signing in and out, refused
 * sign-ins, case actions from the dashboard, downloads and printed reports, retried
 * notifications, relinking WhatsApp, accounts added or removed from the command line.
 * Case actions are also in each case's own audit trail.
 */
export const staffActionSchema = z.enum([
  "signed-in",
  "sign-in-refused",
  "signed-out",
  "case-claimed",
  "case-replied",
  "case-closed",
  "results-viewed",
  "results-downloaded",
  "report-printed",
  "notification-retried",
  "whatsapp-relinked",
  "account-added",
  "account-password-reset",
  "account-removed",
]);
export type StaffAction = z.infer<typeof staffActionSchema>;

export const staffAuditEntrySchema = z.object({
  at: z.string().datetime(),
  /** The account name, or `cli` for the command line. */
  by: z.string().max(64),
  action: staffActionSchema,
  /** What it was done to: a case code, a flow and format, an account name. Never a person's data. */
  target: z.string().max(200).optional(),
});
export type StaffAuditEntry = z.infer<typeof staffAuditEntrySchema>;

export class StaffAudit {
  constructor(
    private readonly log: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(by: string, action: StaffAction, target?: string): Promise<void> {
    const entry: StaffAuditEntry = { at: this.now().toISOString(), by, action, ...(target ? { target } : {}) };
    await this.log.append(JSON.stringify(entry));
  }

  async latest(limit: number): Promise<StaffAuditEntry[]> {
    return (await this.log.latest(limit)).flatMap((stored) => {
      try {
        const parsed = staffAuditEntrySchema.safeParse(JSON.parse(stored));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }
}
