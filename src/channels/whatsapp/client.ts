import { existsSync } from "node:fs";
import { join } from "node:path";
// whatsapp-web.js is CommonJS (`module.exports = { Client, LocalAuth, … }`, typed with `export =`):
// from ESM, take the default import and destructure; type names come through a type-only import.
import wwebjs, { type Client as WhatsAppClient } from "whatsapp-web.js";

const { Client, LocalAuth } = wwebjs;

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

/** A WhatsApp Web client in headless Debian Chromium, its session saved under dataDir. Not started: call initialize(). */
export function createWhatsAppClient(options: WhatsAppClientOptions): WhatsAppClient {
  return new Client({
    authStrategy: new LocalAuth({ dataPath: options.dataDir, clientId: options.clientId }),
    // The library's default keeps its WhatsApp Web page cache in ./.wwebjs_cache of the working directory.
    webVersionCache: { type: "local", path: join(options.dataDir, "web-cache") },
    puppeteer: { executablePath: options.chromiumPath, headless: true, args: CHROMIUM_ARGS },
    ...(options.pairingPhone ? { pairWithPhoneNumber: { phoneNumber: options.pairingPhone } } : {}),
  });
}

/** Chromium's network error codes that mean "this machine cannot reach the site". */
const NETWORK_ERROR =
  /net::ERR_(NAME_NOT_RESOLVED|INTERNET_DISCONNECTED|NAME_RESOLUTION_FAILED|CONNECTION_[A-Z_]+|ADDRESS_UNREACHABLE|NETWORK_[A-Z_]+|TIMED_OUT|PROXY_[A-Z_]+|TUNNEL_CONNECTION_FAILED|SSL_[A-Z_]+|CERT_[A-Z_]+)/;

const firstLine = (text: string): string =>
  text
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .find((line) => line.length > 0) ?? "";

/**
 * One line an operator can act on, for a WhatsApp start that failed: initialize() rejected, or
 * the client emitted "auth_failure" (a message) or "disconnected" (a reason such as "LOGOUT").
 */
export function describeStartFailure(error: unknown, chromiumPath: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "";

  if (/Browser was not found at the configured executablePath|spawn \S+ ENOENT|Could not find Chrome/i.test(message)) {
    return existsSync(chromiumPath)
      ? `WhatsApp: Chromium at ${chromiumPath} could not be run (${firstLine(message)}); check CHROMIUM_PATH.`
      : `WhatsApp: no Chromium at ${chromiumPath}; install Debian's chromium package or set CHROMIUM_PATH.`;
  }
  if (/The browser is already running for/i.test(message)) {
    return "WhatsApp: another Chromium is already using this session's data dir (WHATSAPP_DATA_DIR); stop the other instance of Puente first.";
  }
  if (/Failed to launch the browser process|while waiting for the WS endpoint/i.test(message)) {
    return `WhatsApp: Chromium at ${chromiumPath} failed to start (${firstLine(message)}); check CHROMIUM_PATH and that Chromium runs on this machine.`;
  }
  const network = NETWORK_ERROR.exec(message);
  if (network) {
    return `WhatsApp Web (https://web.whatsapp.com) could not be reached: ${network[0]}; check this machine's network, DNS or proxy.`;
  }
  // A "disconnected" reason: the library's WAState names, or LOGOUT / NAVIGATION.
  if (/^[A-Z_]+$/.test(message)) {
    return `WhatsApp Web disconnected (${message}); if the phone unlinked this device, delete the session in WHATSAPP_DATA_DIR and pair again by QR.`;
  }
  if (name === "TimeoutError" || /timed? ?out|timeout/i.test(message)) {
    return `WhatsApp Web did not load in time (${firstLine(message)}); check this machine's network, or retry.`;
  }
  // An "auth_failure" message, or anything else the page reported.
  return `WhatsApp Web could not start: ${firstLine(message) || "unknown error"}; if it persists, delete the session in WHATSAPP_DATA_DIR and pair again by QR.`;
}
