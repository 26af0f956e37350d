import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createWhatsAppClient, describeStartFailure, type WhatsAppClient } from "../src/channels/whatsapp/client.js";

/**
 * The real whatsapp-web.js in Debian's headless Chromium, started as far as it gets: online, to the
 * pairing QR; offline (as in CI), to a navigation error that must read as one line an operator can
 * act on. Either way the browser is closed and no Chromium is left running.
 */
const CHROMIUM = "/usr/bin/chromium";
/** Our own deadline, under the test's: the library navigates without a timeout, so a hang must end here. */
const START_DEADLINE = 75_000;

type StartOutcome = { kind: "qr"; qr: string } | { kind: "failed"; error: unknown };

const tempDirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "puente-wa-"));
  tempDirs.push(dir);
  return dir;
};

/** Processes whose command line mentions text (Chromium's carries its --user-data-dir, under the temp dir). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

async function waitForNoProcesses(text: string, ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  let left = processesMentioning(text);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = processesMentioning(text);
  }
  return left;
}

/** Starts the client; settles on the first of: a QR, a rejected initialize(), auth_failure, disconnected. */
function start(client: WhatsAppClient): Promise<StartOutcome> {
  return new Promise<StartOutcome>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`neither a QR nor a failure within ${START_DEADLINE} ms`)),
      START_DEADLINE,
    );
    const settle = (outcome: StartOutcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    client.on("qr", (qr: string) => settle({ kind: "qr", qr }));
    client.on("auth_failure", (message: string) => settle({ kind: "failed", error: message }));
    client.on("disconnected", (reason: unknown) => settle({ kind: "failed", error: reason }));
    client.initialize().catch((error: unknown) => settle({ kind: "failed", error }));
  });
}

afterEach(async () => {
  for (const dir of tempDirs.splice(0)) {
    // A Chromium left behind by a failed test must not outlive it (the assertion has already failed).
    for (const pid of processesMentioning(dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe.skipIf(!existsSync(CHROMIUM))("WhatsApp with the real library and Debian's Chromium", () => {
  it("reaches the pairing QR, or fails with one clear line about WhatsApp Web or the network", async () => {
    const dataDir = tempDir();
    const client = await createWhatsAppClient({ dataDir, chromiumPath: CHROMIUM, clientId: "test" });
    let outcome: StartOutcome | undefined;
    try {
      outcome = await start(client);
      // LocalAuth keeps the Chromium profile under the data dir given.
      expect(existsSync(join(dataDir, "session-test"))).toBe(true);
      if (outcome.kind === "qr") {
        expect(typeof outcome.qr).toBe("string");
        expect(outcome.qr.trim().length).toBeGreaterThan(0);
      } else {
        // Chromium itself started (the failure is past the launch), so the line is about the network.
        expect(client.pupBrowser).toBeDefined();
        const line = describeStartFailure(outcome.error, CHROMIUM);
        expect(line).not.toContain("\n");
        expect(line).toMatch(/WhatsApp Web|network/i);
        expect(line).not.toMatch(/Chromium/);
      }
    } finally {
      await client.destroy();
    }
    expect(await waitForNoProcesses(dataDir, 10_000)).toEqual([]);
    // What happened, for whoever reads the test output.
    console.info(
      outcome.kind === "qr"
        ? "WhatsApp start: QR reached"
        : `WhatsApp start: ${describeStartFailure(outcome.error, CHROMIUM)}`,
    );
  }, 90_000);
});

describe("WhatsApp start failures", () => {
  it("says in one line that there is no Chromium at a wrong path", async () => {
    const dataDir = tempDir();
    const missing = join(dataDir, "no-such-chromium");
    const client = await createWhatsAppClient({ dataDir, chromiumPath: missing });
    let error: unknown;
    try {
      await client.initialize();
    } catch (caught) {
      error = caught;
    } finally {
      await client.destroy();
    }
    expect(error).toBeInstanceOf(Error);
    const line = describeStartFailure(error, missing);
    expect(line).not.toContain("\n");
    expect(line).toContain(`no Chromium at ${missing}`);
    expect(line).toContain("CHROMIUM_PATH");
  }, 30_000);

  it.each([
    [
      "net::ERR_INTERNET_DISCONNECTED at https://web.whatsapp.com/",
      /^WhatsApp Web .*ERR_INTERNET_DISCONNECTED.*network/,
    ],
    ["net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com/", /^WhatsApp Web .*ERR_NAME_NOT_RESOLVED.*network/],
    [
      "Failed to launch the browser process:  Code: 1\n\nstderr:\n\n\nTROUBLESHOOTING: https://pptr.dev/troubleshooting\n",
      /failed to start \(Failed to launch the browser process: Code: 1\).*CHROMIUM_PATH/,
    ],
    [
      "The browser is already running for /data/whatsapp/session. Use a different `userDataDir` or stop the running browser first.",
      /already using this session's data dir/,
    ],
    ["Navigation timeout of 30000 ms exceeded", /^WhatsApp Web did not load in time .*network/],
    ["LOGOUT", /^WhatsApp Web disconnected \(LOGOUT\).*pair again/],
    ["Unable to restore the session\nat line 2", /^WhatsApp Web could not start: Unable to restore the session;/],
  ])("turns %j into one actionable line", (message, expected) => {
    const error = message === "LOGOUT" ? message : new Error(message);
    const line = describeStartFailure(error, CHROMIUM);
    expect(line).not.toContain("\n");
    expect(line).toMatch(expected);
  });
});
