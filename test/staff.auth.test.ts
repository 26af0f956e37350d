import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Puente, startPuente } from "../src/runtime/app.js";
import { SIGN_IN_LIMITS } from "../src/staff/web/sessions.js";
import { dropPrefix, quiet, REDIS_URL, testConfig, testPrefix } from "./support/puente.js";
import { addAccount, StaffClient } from "./support/staff.js";

/**
 * The staff area's doors, over real HTTP: nothing without a session, no form without its token,
 * sign-in attempts limited, sessions that end (sign-out, expiry, a new password), and the
 * command that makes accounts — on the in-memory default (accounts in a file) and on Redis.
 */
const run = promisify(execFile);

/** Every signed-in route, with a method: none may answer anything but the way to sign in. */
const GUARDED: Array<[string, string]> = [
  ["GET", "/"],
  ["GET", "/cases"],
  ["GET", "/cases/K-1234"],
  ["GET", "/cases/K-1234/conversation"],
  ["GET", "/results"],
  ["GET", "/results/consulta"],
  ["GET", "/results/consulta/print"],
  ["GET", "/results/consulta/report.pdf"],
  ["GET", "/results/consulta/download?format=csv"],
  ["GET", "/notifications"],
  ["GET", "/whatsapp"],
  ["GET", "/audit"],
  ["POST", "/signout"],
  ["POST", "/cases/K-1234/claim"],
  ["POST", "/cases/K-1234/reply"],
  ["POST", "/cases/K-1234/close"],
  ["POST", "/notifications/retry"],
  ["POST", "/whatsapp/relink"],
];

for (const backend of ["memory", "redis"] as const) {
  describe(`the staff area's doors (${backend})`, () => {
    const prefix = testPrefix("staff-auth");
    const accountsFile = join(mkdtempSync(join(tmpdir(), "puente-staff-")), "accounts.json");
    const env = {
      STAFF_ACCOUNTS_FILE: accountsFile,
      ...(backend === "redis" ? { REDIS_URL, REDIS_PREFIX: prefix } : {}),
    };
    let puente: Puente;
    let base: string;

    beforeAll(async () => {
      puente = await startPuente(testConfig({ ...env, HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }), quiet);
      base = `http://127.0.0.1:${puente.port}/staff`;
    });
    afterAll(async () => {
      await puente?.close();
      if (backend === "redis") await dropPrefix(prefix);
    });

    it("answers every signed-in route without a session with the way to sign in, and nothing else", async () => {
      const visitor = new StaffClient(base);
      for (const [method, path] of GUARDED) {
        const response = method === "GET" ? await visitor.get(path) : await visitor.post(path, {}, false);
        const body = await response.text();
        if (method === "GET") {
          expect(response.status, path).toBe(303);
          expect(response.headers.get("location"), path).toBe("/staff/signin");
        } else expect(response.status, path).toBe(401);
        expect(body, path).not.toContain("K-1234</");
      }
    });

    it("refuses a forged cookie as if there were none", async () => {
      const forger = new StaffClient(base);
      forger.cookies.set("puente_staff", randomBytes(32).toString("base64url"));
      expect((await forger.get("/cases")).status).toBe(303);
      forger.cookies.set("puente_staff", "../../etc/passwd");
      expect((await forger.get("/audit")).status).toBe(303);
      expect((await forger.post("/cases/K-1234/close", { _csrf: "x" }, false)).status).toBe(401);
    });

    it("signs in with a cookie the page's scripts cannot read, and out again for good", async () => {
      const ana = await addAccount(puente.stores.accounts, "ana");
      const staff = new StaffClient(base);
      const signedIn = await staff.signIn(ana.name, ana.password);
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get("location")).toBe("/staff/cases");
      const cookie = signedIn.headers.getSetCookie().find((line) => line.startsWith("puente_staff="));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).toMatch(/Path=\/staff/);
      expect(cookie).not.toMatch(/Secure/);
      const inbox = await staff.page("/cases");
      expect(inbox.status).toBe(200);
      expect(inbox.html).toContain(">ana<");
      expect(inbox.html).toContain(puente.texts.t("es", "staff:web.nav.results"));

      const stolen = staff.cookies.get("puente_staff") ?? "";
      expect((await staff.post("/signout")).status).toBe(303);
      const thief = new StaffClient(base);
      thief.cookies.set("puente_staff", stolen);
      expect((await thief.get("/cases")).status).toBe(303);
    });

    it("marks the cookie Secure behind an HTTPS proxy it trusts", async () => {
      const proxied = await startPuente(
        testConfig({ ...env, HTTP_PORT: "0", HTTP_HOST: "127.0.0.1", TRUST_PROXY: "true" }),
        quiet,
      );
      try {
        const bea = await addAccount(proxied.stores.accounts, "bea");
        const staff = new StaffClient(`http://127.0.0.1:${proxied.port}/staff`, { "x-forwarded-proto": "https" });
        const signedIn = await staff.signIn(bea.name, bea.password);
        expect(signedIn.headers.getSetCookie().find((line) => line.startsWith("puente_staff="))).toMatch(/Secure/);
      } finally {
        await proxied.close();
      }
    });

    it("refuses a wrong password, then every attempt on that name for a while, the right one too", async () => {
      const carla = await addAccount(puente.stores.accounts, "carla");
      const guesser = new StaffClient(base, { "x-forwarded-for": "203.0.113.9" });
      const wrong = await guesser.signIn("carla", "not-the-password");
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain(puente.texts.t("es", "staff:web.signIn.wrong"));
      expect(guesser.cookies.has("puente_staff")).toBe(false);
      expect((await guesser.signIn("nobody-here", "x")).status).toBe(401);
      for (let attempt = 2; attempt <= SIGN_IN_LIMITS.name.points; attempt++)
        expect((await guesser.signIn("carla", `guess-${attempt}`)).status).toBe(401);
      const limited = await new StaffClient(base).signIn(carla.name, carla.password);
      expect(limited.status).toBe(429);
      expect(await limited.text()).toContain("Demasiados intentos");

      const audit = await signedInAs(base, puente, "eva").then((eva) => eva.page("/audit"));
      expect(audit.html).toContain("carla");
      expect(audit.html).toContain(puente.texts.t("es", "staff:web.audit.actions.sign-in-refused"));
    });

    it("refuses a form without the session's token, with another's, or from another site", async () => {
      const staff = await signedInAs(base, puente, "fede");
      await staff.page("/notifications");
      const missing = await staff.post("/notifications/retry", { queue: "staff", id: "x" }, false);
      expect(missing.status).toBe(403);
      const other = await signedInAs(base, puente, "gabi");
      const foreign = await staff.post(
        "/notifications/retry",
        { queue: "staff", id: "x", _csrf: other.csrf ?? "" },
        false,
      );
      expect(foreign.status).toBe(403);
      const crossSite = await fetch(`${base}/signout`, {
        method: "POST",
        headers: {
          cookie: `puente_staff=${staff.cookies.get("puente_staff")}`,
          "content-type": "application/x-www-form-urlencoded",
          origin: "https://evil.example",
        },
        body: new URLSearchParams({ _csrf: staff.csrf ?? "" }),
        redirect: "manual",
      });
      expect(crossSite.status).toBe(403);
      // Still signed in: none of those did anything.
      expect((await staff.page("/cases")).status).toBe(200);
      const signInForm = await new StaffClient(base).post("/signin", { name: "fede", password: "x" }, false);
      expect(signInForm.status).toBe(403);
    });
  });
}

describe("sessions that end by themselves, and accounts from the command line", () => {
  const accountsFile = join(mkdtempSync(join(tmpdir(), "puente-staff-")), "accounts.json");
  let puente: Puente;
  let base: string;

  beforeAll(async () => {
    puente = await startPuente(
      testConfig({
        STAFF_ACCOUNTS_FILE: accountsFile,
        STAFF_SESSION_HOURS: "0.0005",
        HTTP_PORT: "0",
        HTTP_HOST: "127.0.0.1",
      }),
      quiet,
    );
    base = `http://127.0.0.1:${puente.port}/staff`;
  });
  afterAll(() => puente?.close());

  const staffCommand = (...args: string[]) =>
    run("npm", ["run", "--silent", "staff", "--", ...args], {
      env: { ...process.env, STAFF_ACCOUNTS_FILE: accountsFile, REDIS_URL: "" },
    });

  it("npm run staff -- add makes an account whose password signs in; a new password ends its sessions", async () => {
    const added = await staffCommand("add", "hugo");
    const password = /password: (\S+)/.exec(added.stdout)?.[1] ?? "";
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect((await staffCommand("list")).stdout).toContain("hugo");
    await expect(staffCommand("add", "hugo")).rejects.toMatchObject({
      stderr: expect.stringContaining("already exists"),
    });
    await expect(staffCommand("add", "Hugo Díaz")).rejects.toMatchObject({
      stderr: expect.stringContaining("lowercase"),
    });

    const staff = new StaffClient(base);
    expect((await staff.signIn("hugo", password)).status).toBe(303);
    expect((await staff.get("/cases")).status).toBe(200);
    await staffCommand("password", "hugo");
    expect((await staff.get("/cases")).status).toBe(303);
    await staffCommand("remove", "hugo");
    expect((await new StaffClient(base).signIn("hugo", password)).status).toBe(401);
  });

  it("serves the staff area on a port of its own when STAFF_PORT is set, and /metrics to signed-in staff", async () => {
    const apart = await startPuente(
      testConfig({ STAFF_ACCOUNTS_FILE: accountsFile, STAFF_PORT: "0", HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }),
      quiet,
    );
    try {
      expect(apart.staffPort).not.toBe(apart.port);
      expect((await fetch(`http://127.0.0.1:${apart.port}/staff/signin`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${apart.port}/`)).status).toBe(200);
      const staffBase = `http://127.0.0.1:${apart.staffPort}/staff`;
      expect((await fetch(`${staffBase}/signin`)).status).toBe(200);
      expect((await fetch(`${staffBase}/metrics`)).status).toBe(401);
      const staff = await signedInAs(staffBase, apart, "juan");
      const metrics = await staff.get("/metrics");
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain("puente_messages_in_total");
    } finally {
      await apart.close();
    }
  });

  it("has no staff area at all with STAFF_ENABLED=false", async () => {
    const off = await startPuente(
      testConfig({ STAFF_ACCOUNTS_FILE: accountsFile, STAFF_ENABLED: "false", HTTP_PORT: "0", HTTP_HOST: "127.0.0.1" }),
      quiet,
    );
    try {
      for (const path of ["/staff/signin", "/staff/cases", "/staff/metrics"])
        expect((await fetch(`http://127.0.0.1:${off.port}${path}`)).status, path).toBe(404);
    } finally {
      await off.close();
    }
  });

  it("ends a session once its time is over", async () => {
    const staff = await signedInAs(base, puente, "ines");
    expect((await staff.get("/cases")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await staff.get("/cases")).status).toBe(303);
  });
});

async function signedInAs(base: string, puente: Puente, name: string): Promise<StaffClient> {
  const account = await addAccount(puente.stores.accounts, name);
  const staff = new StaffClient(base);
  const response = await staff.signIn(account.name, account.password);
  if (response.status !== 303) throw new Error(`could not sign in as ${name}: ${response.status}`);
  await staff.page("/cases");
  return staff;
}
