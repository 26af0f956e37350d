import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebReply } from "../src/channels/web/channel.js";
import { lastPrompt } from "../src/core/engine/messages.js";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { FAST_POLICIES, until } from "./support/handoff.js";
import { CASES_ON, dropPrefix, quiet, REDIS_URL, TEST_CONTACT_KEY, testConfig, testPrefix } from "./support/puente.js";
import { addAccount, StaffClient } from "./support/staff.js";
import { WebChatClient } from "./support/web.js";

/**
 * Cases on the dashboard, with only the dashboard as the staff side (CONTACT_KEY set, no staff
 * group, no webhook): a person on the web chat asks for someone, staff find the case in the inbox,
 * take it, write, and close it; the person reads each step on the open page.
 */
describe("cases on the dashboard", () => {
  const prefix = testPrefix("staff-cases");
  let puente: Puente;
  let base: string;
  let events: EventReader;

  beforeAll(async () => {
    puente = await startPuente(
      testConfig({
        REDIS_URL,
        REDIS_PREFIX: prefix,
        CONTACT_KEY: TEST_CONTACT_KEY,
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
      }),
      quiet,
      { policies: FAST_POLICIES },
    );
    base = `http://127.0.0.1:${puente.port}`;
  });
  afterAll(async () => {
    events?.stop();
    await puente?.close();
    await dropPrefix(prefix);
  });

  const t = (key: string, values?: Record<string, string | number>) => puente.texts.t("es", key, values);

  it("takes, answers and closes a web chat person's case, and the person reads each step", async () => {
    const person = new WebChatClient(base);
    let reply: WebReply = await person.say("/persona");
    const tap = (label: string) => {
      const choice = lastPrompt(reply.messages)?.choices.find((c) => c.label === label);
      if (!choice) throw new Error(`no choice "${label}" in ${JSON.stringify(reply.messages)}`);
      return person.say({ kind: "choice", token: choice.token });
    };
    reply = await tap(t("persona:topic.options.housing"));
    events = new EventReader(base, person.cookie ?? "");
    reply = await tap(t("common:answer.yes"));
    await until(() => /K-\d{4}/.test(events.text), "the case's code on the page");
    const code = /K-\d{4}/.exec(events.text)?.[0] ?? "";

    const staff = new StaffClient(`${base}/staff`);
    const ana = await addAccount(puente.stores.accounts, "ana");
    await staff.signIn(ana.name, ana.password);
    const inbox = await staff.page("/cases?status=open");
    expect(inbox.html).toContain(code);
    expect(inbox.html).toContain(t("staff:kind.talk"));
    expect(inbox.html).toContain(t("staff:channel.web"));
    const elsewhere = await staff.page("/cases?lng=ht");
    expect(elsewhere.html).not.toContain(code);

    const casePage = await staff.page(`/cases/${code}`);
    expect(casePage.html).toContain(t("persona:topic.options.housing"));
    expect((await staff.post(`/cases/${code}/claim`)).headers.get("location")).toBe(
      `/staff/cases/${code}?done=claimed`,
    );
    await until(() => events.text.includes(t("common:handoff.claimed").slice(0, 30)), "told the case was taken");

    await staff.page(`/cases/${code}`);
    const wrote = await staff.post(`/cases/${code}/reply`, { text: "Hola, soy Ana. ¿Arrienda o es allegada?" });
    expect(wrote.headers.get("location")).toBe(`/staff/cases/${code}?done=replied`);
    await until(() => events.text.includes("¿Arrienda o es allegada?"), "the reply on the page");

    await person.say("Soy allegada, con dos niños");
    const conversation = await staff.page(`/cases/${code}/conversation`);
    expect(conversation.html).toContain("Soy allegada, con dos niños");
    expect(conversation.html).toContain("¿Arrienda o es allegada?");

    const emptyReply = await staff.post(`/cases/${code}/reply`, { text: "   " });
    expect(emptyReply.headers.get("location")).toBe(`/staff/cases/${code}?problem=empty`);

    await staff.page(`/cases/${code}`);
    expect((await staff.post(`/cases/${code}/close`)).headers.get("location")).toBe(`/staff/cases/${code}?done=closed`);
    await until(() => events.text.includes(t("common:handoff.closed").slice(0, 30)), "told the case was closed");
    const closed = await staff.page(`/cases/${code}`);
    expect(closed.html).toContain(t("staff:web.cases.statuses.closed"));
    expect(closed.html).toContain(t("staff:web.cases.actions.claimed"));
    expect(closed.html).toContain(t("staff:web.cases.actions.closed"));
    const again = await staff.post(`/cases/${code}/close`);
    expect(again.headers.get("location")).toBe(`/staff/cases/${code}?problem=closed`);

    const audit = await staff.page("/audit");
    for (const action of ["case-claimed", "case-replied", "case-closed"])
      expect(audit.html).toContain(t(`staff:web.audit.actions.${action}`));
    expect(audit.html).toContain(code);
  });

  it("says a case that does not exist is not found, and a made-up code never reaches the store", async () => {
    const staff = new StaffClient(`${base}/staff`);
    const bea = await addAccount(puente.stores.accounts, "bea");
    await staff.signIn(bea.name, bea.password);
    expect((await staff.page("/cases/K-0000")).status).toBe(404);
    expect((await staff.page("/cases/%3Cscript%3E")).status).toBe(404);
    await staff.page("/cases");
    expect((await staff.post("/cases/K-0000/claim")).headers.get("location")).toBe(
      "/staff/cases/K-0000?problem=not-found",
    );
  });
});

/** The web chat's event stream, read as it comes: everything pushed to the person's page. */
class EventReader {
  text = "";
  readonly #abort = new AbortController();

  constructor(base: string, cookie: string) {
    void this.#read(base, cookie);
  }

  async #read(base: string, cookie: string): Promise<void> {
    try {
      const response = await fetch(`${base}/api/chat/events`, { headers: { cookie }, signal: this.#abort.signal });
      const decoder = new TextDecoder();
      for await (const chunk of response.body ?? []) this.text += decoder.decode(chunk as Uint8Array, { stream: true });
    } catch {
      // Stopped.
    }
  }

  stop(): void {
    this.#abort.abort();
  }
}

describe("failed notifications on the dashboard", () => {
  let puente: Puente;
  let base: string;

  beforeAll(async () => {
    // The office's webhook points at a port nobody listens on: every delivery fails.
    puente = await startPuente(testConfig({ ...CASES_ON, HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }), quiet, {
      policies: FAST_POLICIES,
    });
    base = `http://127.0.0.1:${puente.port}`;
  });
  afterAll(() => puente?.close());

  it("lists a notification that failed for good, with why, and tries it again by hand", async () => {
    const t = (key: string) => puente.texts.t("es", key);
    const person = new WebChatClient(base);
    let reply: WebReply = await person.say("/persona");
    for (const label of [t("persona:topic.options.housing"), t("common:answer.yes")]) {
      const choice = lastPrompt(reply.messages)?.choices.find((c) => c.label === label);
      reply = await person.say({ kind: "choice", token: choice?.token ?? "" });
    }
    await until(async () => (await puente.stores.jobs.failed("webhook", 10)).length > 0, "the webhook to fail", 30_000);

    const staff = new StaffClient(`${base}/staff`);
    const ana = await addAccount(puente.stores.accounts, "ana");
    await staff.signIn(ana.name, ana.password);
    const page = await staff.page("/notifications");
    expect(page.html).toContain(t("staff:web.notifications.queues.webhook"));
    const [failed] = await puente.stores.jobs.failed("webhook", 10);
    expect(page.html).toContain(failed?.id ?? "none");
    expect(page.html).toContain(">8<");

    const retried = await staff.post("/notifications/retry", { queue: "webhook", id: failed?.id ?? "" });
    expect(retried.headers.get("location")).toBe("/staff/notifications?result=retried");
    expect((await puente.stores.jobs.failed("webhook", 10)).map((job) => job.id)).not.toContain(failed?.id);
    const again = await staff.post("/notifications/retry", { queue: "webhook", id: "no-such-job" });
    expect(again.headers.get("location")).toBe("/staff/notifications?result=gone");
    const audit = await staff.page("/audit");
    expect(audit.html).toContain(t("staff:web.audit.actions.notification-retried"));
    // Tried again, it fails again for good: back on the list.
    await until(async () => (await puente.stores.jobs.failed("webhook", 10)).length > 0, "the retry to fail", 30_000);
  });
});
