import { createHmac } from "node:crypto";
import type { Logger } from "pino";
import type { Case } from "../../core/cases/case.js";
import type { Cases } from "../../core/cases/cases.js";
import type { WebhookJob } from "../../core/cases/jobs.js";
import type { JobInfo } from "../../core/store/jobs.js";

/**
 * Case events POSTed to the office's own system (`STAFF_WEBHOOK_URL`), signed so the receiver
 * can check they come from Puente:
 *
 *   X-Puente-Signature: sha256=<hex HMAC-SHA256 of "<X-Puente-Timestamp>.<body>" with STAFF_WEBHOOK_SECRET>
 *
 * The body never holds a way to reach the person. `delivery` stays the same across retries, so a
 * receiver can drop a repeat. Anything but a 2xx within 10 s is a failure, tried again later.
 */
export interface StaffWebhookOptions {
  url: string;
  secret: string;
  cases: Cases;
  logger: Logger;
  timeoutMs?: number;
  now?: () => Date;
}

export class StaffWebhook {
  constructor(private readonly options: StaffWebhookOptions) {}

  async deliver(job: WebhookJob, info: JobInfo): Promise<void> {
    const current = await this.options.cases.get(job.caseId);
    if (!current) return;
    const now = this.options.now?.() ?? new Date();
    const body = JSON.stringify({ event: job.event, delivery: info.id, at: job.at, case: publicCase(current) });
    const timestamp = String(Math.floor(now.getTime() / 1000));
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Puente-Webhook/1",
          "x-puente-event": job.event,
          "x-puente-delivery": info.id,
          "x-puente-timestamp": timestamp,
          "x-puente-signature": `sha256=${signature(this.options.secret, timestamp, body)}`,
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      throw new Error(`the staff webhook could not be reached: ${(error as Error).message}`);
    }
    if (!response.ok) throw new Error(`the staff webhook answered ${response.status}`);
  }
}

/** The signature a receiver recomputes to check a delivery. */
export function signature(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** A case as the office's system receives it: everything staff see, nothing to reach the person with. */
export function publicCase(current: Case) {
  return {
    id: current.id,
    code: current.code,
    kind: current.kind,
    status: current.status,
    language: current.lng,
    channel: current.channel,
    summary: current.summary,
    opened_at: current.openedAt,
    claimed_at: current.claimedAt ?? null,
    claimed_by: current.claimedBy?.name ?? null,
    closed_at: current.closedAt ?? null,
    closed_by:
      current.closedBy === undefined
        ? null
        : typeof current.closedBy === "string"
          ? current.closedBy
          : current.closedBy.name,
  };
}
