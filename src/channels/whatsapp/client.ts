import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Client as WhatsAppClient } from "whatsapp-web.js";

export type { WhatsAppClient };

export interface WhatsAppClientOptions {
  /** Where the paired session (Chromium profile) is kept; losing it means pairing again by QR. */
  dataDir: string;
  /** Debian's Chromium: puppeteer never downloads a browser in this project (see .puppeteerrc.cjs). */
  chromiumPath: string;
  /** Distinguishes sessions when several numbers share one dataDir. */
  clientId?: string;
  /** Pair by an eight-character code typed on the phone instead of scanning a QR. */
  pairingPhone?: string;
}

/**
 * Chromium in a container: no user namespaces for its sandbox (the container is the sandbox),
 * no GPU, a small /dev/shm, and none of the background traffic a desktop browser makes
 * (updates, sync, first-run pages) that would only slow a start or fail offline.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

/**
 * A WhatsApp Web client in headless Debian Chromium, its session saved under dataDir. Not started:
 * call initialize(). The library (with puppeteer) is loaded on the first call, not with the program:
 * it is a fifth of a running Puente's heap, and an office on Telegram alone never needs it.
 */
export async function createWhatsAppClient(options: WhatsAppClientOptions): Promise<WhatsAppClient> {
  // CommonJS (`module.exports = { Client, LocalAuth, … }`, typed with `export =`): its default export.
  const { Client, LocalAuth } = (await import("whatsapp-web.js")).default;
  return new Client({
    authStrategy: new LocalAuth({ dataPath: options.dataDir, clientId: options.clientId }),
    // The library's default keeps its WhatsApp Web page cache in ./.wwebjs_cache of the working directory.
    webVersionCache: { type: "local", path: join(options.dataDir, "web-cache") },
    puppeteer: { executablePath: options.chromiumPath, headless: true, args: CHROMIUM_ARGS },
    ...(options.pairingPhone ? { pairWithPhoneNumber: { phoneNumber: options.pairingPhone } } : {}),
  });
}

/**
 * Where LocalAuth keeps the paired session (its Chromium profile), named as LocalAuth names it:
 * removing it means the next start pairs again from scratch.
 */
export function savedSessionDir(options: Pick<WhatsAppClientOptions, "dataDir" | "clientId">): string {
  return join(options.dataDir, options.clientId ? `session-${options.clientId}` : "session");
}

/** Forgets the paired session on this machine; the page cache (web-cache) stays, it holds nobody's login. */
export async function removeSavedSession(options: Pick<WhatsAppClientOptions, "dataDir" | "clientId">): Promise<void> {
  await rm(savedSessionDir(options), { recursive: true, force: true, maxRetries: 4 });
}

/** Chromium's network error codes that mean "this machine cannot reach the site". */
const NETWORK_ERROR =
  /net::ERR_(NAME_NOT_RESOLVED|INTERNET_DISCONNECTED|NAME_RESOLUTION_FAILED|CONNECTION_[A-Z_]+|ADDRESS_UNREACHABLE|NETWORK_[A-Z_]+|TIMED_OUT|PROXY_[A-Z_]+|TUNNEL_CONNECTION_FAILED|SSL_[A-Z_]+|CERT_[A-Z_]+)/;

const firstLine = (text: string): string =>
  text
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .find((line) => line.length > 0) ?? "";

const NO_BROWSER = /Browser was not found at the configured executablePath|spawn \S+ ENOENT|Could not find Chrome/i;
const BROWSER_BUSY = /The browser is already running for/i;
const BROWSER_FAILED = /Failed to launch the browser process|while waiting for the WS endpoint/i;
/** A "disconnected" reason: the library's WAState names, or LOGOUT / NAVIGATION. */
const DISCONNECT_REASON = /^[A-Z_]+$/;
const TIMED_OUT = /timed? ?out|timeout/i;

/** What kind of trouble a failed start was, for whoever must act on it (the office or the operator). */
export type StartFailureKind = "browser" | "busy" | "network" | "disconnected" | "timeout" | "other";

/** The kind of a start failure, read the same way as describeStartFailure reads it. */
export function startFailureKind(error: unknown): StartFailureKind {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "";
  if (NO_BROWSER.test(message)) return "browser";
  // Before a failed launch: Chromium reports a busy profile as a launch that failed.
  if (BROWSER_BUSY.test(message)) return "busy";
  if (BROWSER_FAILED.test(message)) return "browser";
  if (NETWORK_ERROR.test(message)) return "network";
  if (DISCONNECT_REASON.test(message)) return "disconnected";
  if (name === "TimeoutError" || TIMED_OUT.test(message)) return "timeout";
  return "other";
}

/**
 * One line an operator can act on, for a WhatsApp start that failed: initialize() rejected, or
 * the client emitted "auth_failure" (a message) or "disconnected" (a reason such as "LOGOUT").
 */
export function describeStartFailure(error: unknown, chromiumPath: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "";

  if (NO_BROWSER.test(message)) {
    return existsSync(chromiumPath)
      ? `WhatsApp: Chromium at ${chromiumPath} could not be run (${firstLine(message)}); check CHROMIUM_PATH.`
      : `WhatsApp: no Chromium at ${chromiumPath}; install Debian's chromium package or set CHROMIUM_PATH.`;
  }
  if (BROWSER_BUSY.test(message)) {
    return "WhatsApp: another Chromium is already using this session's data dir (WHATSAPP_DATA_DIR); stop the other instance of Puente first.";
  }
  if (BROWSER_FAILED.test(message)) {
    return `WhatsApp: Chromium at ${chromiumPath} failed to start (${firstLine(message)}); check CHROMIUM_PATH and that Chromium runs on this machine.`;
  }
  const network = NETWORK_ERROR.exec(message);
  if (network) {
    return `WhatsApp Web (https://web.whatsapp.com) could not be reached: ${network[0]}; check this machine's network, DNS or proxy.`;
  }
  if (DISCONNECT_REASON.test(message)) {
    return `WhatsApp Web disconnected (${message}); if the phone unlinked this device, delete the session in WHATSAPP_DATA_DIR and pair again by QR.`;
  }
  if (name === "TimeoutError" || TIMED_OUT.test(message)) {
    return `WhatsApp Web did not load in time (${firstLine(message)}); check this machine's network, or retry.`;
  }
  // An "auth_failure" message, or anything else the page reported.
  return `WhatsApp Web could not start: ${firstLine(message) || "unknown error"}; if it persists, delete the session in WHATSAPP_DATA_DIR and pair again by QR.`;
}
