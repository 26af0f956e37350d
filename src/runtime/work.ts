import type { Logger } from "pino";
import type { z } from "zod";
import type { WhatsAppChannel } from "../channels/whatsapp/channel.js";
import type { Cases } from "../core/cases/cases.js";
import { personJobSchema, staffJobSchema, webhookJobSchema, whatsappJobSchema } from "../core/cases/jobs.js";
import { type Engine, RECOVER_AFTER_MS } from "../core/engine/engine.js";
import type { Office } from "../core/office/office.js";
import type { JobInfo, JobQueue, JobWorker, QueueName } from "../core/store/jobs.js";
import type { StaffGroupNotifier } from "../staff/telegram/notifier.js";
import type { StaffWebhook } from "../staff/webhook/webhook.js";

export interface WorkDeps {
  engine: Engine;
  cases: Cases | undefined;
  jobs: JobQueue;
  office: Office;
  notifier: StaffGroupNotifier | undefined;
  webhook: StaffWebhook | undefined;
  /** Remind staff of cases nobody took for this long (0: never). */
  reminderMs: number;
  logger: Logger;
  /** How often to look for effects a crash left behind. */
  recoverEveryMs?: number;
  /** How often upkeep runs (reminders, purging contacts). */
  sweepEveryMs?: number;
}

const RECOVER_EVERY_MS = 15_000;
const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * The background work of one replica: the job queues it serves, the upkeep that runs once across
 * replicas (a repeatable job), and the recovery of effects a crash left behind. Returns a stop.
 */
export function startWork(deps: WorkDeps): () => Promise<void> {
  const { engine, cases, jobs, notifier, webhook, logger } = deps;
  const workers: JobWorker[] = [];
  const serve = <T>(queue: QueueName, schema: z.ZodType<T>, run: (job: T, info: JobInfo) => Promise<void>) =>
    workers.push(
      jobs.work(queue, async (payload, info) => {
        const job = schema.safeParse(payload);
        // A job no version of this program can read will never succeed: dropped, said once.
        if (!job.success) {
          logger.error({ queue, job: info.id }, "unreadable job dropped");
          return;
        }
        await run(job.data, info);
      }),
    );
  if (cases) {
    serve("person", personJobSchema, async (job) => {
      const current = await cases.get(job.caseId);
      const address = current && cases.contact(current);
      if (!address) return; // deleted their data, or the contact was purged: nobody to tell
      await engine.deliver(address, job.event);
    });
    if (notifier) serve("staff", staffJobSchema, (job) => notifier.run(job));
    if (webhook) serve("webhook", webhookJobSchema, (job, info) => webhook.deliver(job, info));
    workers.push(jobs.work("upkeep", () => sweep({ ...deps, staffGroup: notifier !== undefined })));
    jobs
      .every("upkeep", "sweep", deps.sweepEveryMs ?? SWEEP_EVERY_MS, { type: "sweep" })
      .catch((error: unknown) => logger.error({ err: (error as Error).message }, "upkeep could not be scheduled"));
  }
  let recovering = false;
  const timer = setInterval(async () => {
    if (recovering) return;
    recovering = true;
    try {
      await engine.recover(RECOVER_AFTER_MS);
      await cases?.recover(RECOVER_AFTER_MS);
    } catch (error) {
      logger.debug({ err: (error as Error).message }, "recovery of unsettled effects failed; will try again");
    } finally {
      recovering = false;
    }
  }, deps.recoverEveryMs ?? RECOVER_EVERY_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await Promise.all(workers.map((worker) => worker.close()));
  };
}

/** Purges contacts past their grace period; reminds staff, during office hours, of cases nobody took. */
export async function sweep(
  deps: Pick<WorkDeps, "cases" | "jobs" | "office" | "reminderMs"> & { staffGroup: boolean; now?: () => Date },
): Promise<void> {
  const { cases, jobs, office, reminderMs, staffGroup } = deps;
  if (!cases) return;
  await cases.purgeDue();
  if (reminderMs <= 0 || !staffGroup || !office.isOpen(deps.now?.() ?? new Date())) return;
  const due = await cases.dueForReminder(reminderMs);
  if (due.length > 0)
    await jobs.add("staff", `reminder-${Date.now()}`, { type: "reminder", caseIds: due.map((current) => current.id) });
}

/** The WhatsApp queue, served where the number runs: messages for people, media for staff. */
export function serveWhatsApp(
  channel: WhatsAppChannel,
  deps: Pick<WorkDeps, "cases" | "jobs" | "notifier" | "logger">,
): () => Promise<void> {
  const { cases, jobs, notifier, logger } = deps;
  const worker = jobs.work("whatsapp", async (payload, info) => {
    const job = whatsappJobSchema.safeParse(payload);
    if (!job.success || !cases) {
      logger.error({ queue: "whatsapp", job: info.id }, "unreadable job dropped");
      return;
    }
    const current = await cases.get(job.data.caseId);
    const address = current && cases.contact(current);
    if (!current || !address) return;
    if (job.data.type === "push") {
      await channel.push(address.chatId, job.data.messages, job.data.lng);
      return;
    }
    const file = await channel.media(address.chatId, job.data.ref);
    await notifier?.media(current, file, job.data.what);
  });
  return () => worker.close();
}
