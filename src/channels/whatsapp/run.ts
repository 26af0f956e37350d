import type { Logger } from "pino";
import qrcode from "qrcode-terminal";
import type { OutboundMessage } from "../../core/engine/messages.js";
import type { Language } from "../../core/i18n/languages.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { KeyValueStore } from "../../core/store/keyvalue.js";
import { type Lease, LeaseKeeper } from "../../core/store/lease.js";
import type { Channel, Receiver } from "../port.js";
import { WhatsAppChannel, type WhatsAppClientPort } from "./channel.js";
import { createWhatsAppClient, describeStartFailure, removeSavedSession, startFailureKind } from "./client.js";
import type { HeldLinkState, LinkFailure, RelinkRequest, WhatsAppLinkBoard } from "./link.js";

export interface WhatsAppRunOptions {
  dataDir: string;
  chromiumPath: string;
  pairingPhone?: string;
  engine: Receiver;
  texts: Texts;
  facts: KeyValueStore;
  lease: Lease;
  defaultLanguage: Language;
  logger: Logger;
  /** The lease's ttl, the same the lease was made with. */
  leaseTtlMs?: number;
  /** Makes the client; the real whatsapp-web.js one unless a test gives another. */
  makeClient?: () => WhatsAppClientPort;
  /**
   * Work only the replica holding the number can do (sending what other replicas queued): started
   * once the number is ready here, stopped when this replica lets it go.
   */
  whileReady?: (channel: WhatsAppChannel) => () => Promise<void>;
  /**
   * Where this replica, while it holds the number, tells the staff dashboard how the link goes
   * (on every replica) and hears when staff ask to link again.
   */
  link?: WhatsAppLinkBoard;
}

export const LEASE_TTL_MS = 30_000;
const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 5 * 60_000;
/** Unlinking asks the WhatsApp Web page; a page that hangs must not hold up a fresh pairing. */
const LOGOUT_WAIT_MS = 15_000;
/** Disconnect reasons that mean the phone removed this device from its linked devices. */
const UNLINKED_FROM_PHONE = new Set(["LOGOUT", "UNPAIRED", "UNPAIRED_IDLE"]);

/**
 * Runs the office's WhatsApp number where this replica holds its lease, and only there. A start
 * that fails, a lost connection or an authentication failure is logged in one line and tried
 * again later, longer each time; whatever WhatsApp does, the rest of the bot keeps running.
 */
export class WhatsAppRunner implements Channel {
  readonly kind = "whatsapp" as const;
  #keeper: LeaseKeeper;
  #client: WhatsAppClientPort | undefined;
  #channel: WhatsAppChannel | undefined;
  #ready: WhatsAppChannel | undefined;
  #stopWork: (() => Promise<void>) | undefined;
  #retry: NodeJS.Timeout | undefined;
  #delayMs = FIRST_RETRY_MS;
  /** What this replica, while holding the number, says about the link. */
  #link: HeldLinkState = starting();
  #linkTimer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;
  /** So a Redis that stays down is logged once, not on every round. */
  #publishFailing = false;

  constructor(private readonly options: WhatsAppRunOptions) {
    this.#keeper = new LeaseKeeper(options.lease, {
      ttlMs: options.leaseTtlMs ?? LEASE_TTL_MS,
      onAcquired: () => {
        options.logger.info("whatsapp: this replica holds the number");
        void this.#open();
      },
      onLost: () => {
        options.logger.warn("whatsapp: lost the number's lease; closing the session here");
        void this.#close();
      },
      onError: (error) => options.logger.error({ err: (error as Error).message }, "whatsapp: lease problem"),
    });
  }

  /** The latest pairing QR, while the number waits to be paired. */
  get qr(): string | undefined {
    return this.#channel?.qr;
  }

  /** The latest pairing code, when pairing by phone number. */
  get pairingCode(): string | undefined {
    return this.#channel?.pairingCode;
  }

  /** Starts trying for the number in the background: a browser and a pairing never hold up the rest. */
  async start(): Promise<void> {
    this.#keeper.start();
    this.#scheduleRound();
  }

  async send(chatId: string, messages: OutboundMessage[], language?: Language): Promise<boolean> {
    if (!this.#ready) return false;
    return this.#ready.push(chatId, messages, language);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#linkTimer);
    await this.#round;
    // While the lease is still ours, so no next holder can have written its own state yet.
    if (this.#keeper.holding) await this.options.link?.withdraw(this.options.lease.holder).catch(() => undefined);
    await this.#keeper.stop();
    await this.#close();
  }

  async #open(): Promise<void> {
    // Already open: a retry and a request to link again may both reopen; one browser is enough.
    if (this.#client) return;
    const { logger } = this.options;
    const client = this.options.makeClient?.() ?? (await createWhatsAppClient(this.options));
    // Loading the library takes a moment: a stop, or another open, may have come meanwhile.
    if (this.#client || this.#stopped) return;
    const channel = new WhatsAppChannel({ ...this.options, client });
    this.#client = client;
    this.#channel = channel;
    this.#show(client, starting());
    client.on("qr", (qr) => qrcode.generate(qr, { small: true }));
    // The code is what the office types on its phone: shown on the terminal, like the QR, not logged.
    client.on("code", (code) => process.stdout.write(`WhatsApp pairing code: ${code}\n`));
    client.on("qr", (qr) => this.#show(client, { state: "waiting", at: now(), qr }));
    client.on("code", (code) => this.#show(client, { state: "waiting", at: now(), code }));
    client.on("ready", () => {
      // A session closed meanwhile (lease lost, linked again) must not start work nobody stops.
      if (this.#client !== client) return;
      this.#delayMs = FIRST_RETRY_MS;
      this.#ready = channel;
      this.#stopWork = this.options.whileReady?.(channel);
      this.#show(client, linked(client));
    });
    client.on("disconnected", (reason) =>
      this.#fail(client, UNLINKED_FROM_PHONE.has(reason) ? "logged-out" : "disconnected"),
    );
    client.on("auth_failure", () => this.#fail(client, "auth"));
    try {
      await channel.start();
    } catch (error) {
      // Closed while starting: the close made it fail, there is nothing to retry.
      if (this.#client !== client) return;
      logger.error(describeStartFailure(error, this.options.chromiumPath));
      this.#fail(client, startFailureKind(error));
    }
  }

  /** The session failed: says why on the dashboard and tries again later. */
  #fail(client: WhatsAppClientPort, reason: LinkFailure): void {
    if (this.#client !== client) return;
    this.#show(client, { state: "failed", at: now(), reason });
    this.#again();
  }

  /** A new state of the current session, written at once; an old session's events are ignored. */
  #show(client: WhatsAppClientPort, state: HeldLinkState): void {
    if (this.#client !== client) return;
    this.#link = state;
    void this.#publish();
  }

  async #publish(): Promise<void> {
    const { link, lease, logger } = this.options;
    if (!link || this.#stopped || !this.#keeper.holding) return;
    try {
      await link.publish(lease.holder, this.#link);
      this.#publishFailing = false;
    } catch (error) {
      if (!this.#publishFailing) logger.warn({ err: (error as Error).message }, "whatsapp: link state not written");
      this.#publishFailing = true;
    }
  }

  /** Rounds at the lease's pace, on their own timer: the keeper knows nothing of the dashboard. */
  #scheduleRound(): void {
    const link = this.options.link;
    if (!link || this.#stopped) return;
    this.#linkTimer = setTimeout(() => {
      this.#round = this.#linkRound(link).finally(() => {
        this.#round = undefined;
        this.#scheduleRound();
      });
    }, link.everyMs).unref();
  }

  /** Writes the state again (so it lasts while this replica lives) and links again if staff asked. */
  async #linkRound(link: WhatsAppLinkBoard): Promise<void> {
    if (!this.#keeper.holding) return;
    await this.#publish();
    let request: RelinkRequest | undefined;
    try {
      request = await link.takeRelink();
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, "whatsapp: could not read a request to link again");
      return;
    }
    if (request && this.#keeper.holding) await this.#relink();
  }

  /**
   * Unlinks this device and forgets its saved session, then starts a fresh pairing at once: its
   * QR (or code) then shows on the dashboard. Who asked is in the staff audit log.
   */
  async #relink(): Promise<void> {
    this.options.logger.warn("whatsapp: staff asked to link the number again; unlinking this device");
    this.#link = starting();
    await this.#publish();
    await this.#close(true);
    this.#delayMs = FIRST_RETRY_MS;
    // Not awaited: a browser start must not hold up the rounds that keep the state fresh.
    if (this.#keeper.holding && !this.#stopped) void this.#open();
  }

  /** Closes this session and opens a new one after a pause that doubles up to five minutes. */
  #again(): void {
    if (this.#retry || !this.#keeper.holding) return;
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#delayMs * 2, LONGEST_RETRY_MS);
    this.options.logger.warn({ inSeconds: Math.round(delay / 1000) }, "whatsapp: will try again");
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#close().then(() => (this.#keeper.holding ? this.#open() : undefined));
    }, delay);
    this.#retry.unref();
  }

  /** Closes this session; `forget` also unlinks it on WhatsApp's side and deletes it from disk. */
  async #close(forget = false): Promise<void> {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    const stopWork = this.#stopWork;
    this.#client = undefined;
    this.#channel = undefined;
    this.#ready = undefined;
    this.#stopWork = undefined;
    await stopWork?.().catch(() => undefined);
    const { logger } = this.options;
    if (forget && client) {
      // A session never paired, or a page that did not load, cannot unlink: it is forgotten below anyway.
      await within(client.logout(), LOGOUT_WAIT_MS).catch((error: unknown) =>
        logger.warn({ err: (error as Error).message }, "whatsapp: could not unlink on WhatsApp's side"),
      );
    }
    await client?.destroy().catch(() => undefined);
    if (forget) {
      await removeSavedSession(this.options).catch((error: unknown) =>
        logger.error({ err: (error as Error).message }, "whatsapp: the saved session could not be deleted"),
      );
    }
  }
}

const now = (): string => new Date().toISOString();

function starting(): HeldLinkState {
  return { state: "starting", at: now() };
}

/** Linked, with at most the last four digits of the number (none when WhatsApp gave an alias, not the number). */
function linked(client: WhatsAppClientPort): HeldLinkState {
  const wid = client.info?.wid;
  const number = wid?.server === "c.us" ? wid.user : undefined;
  const lastDigits = number && /^\d+$/.test(number) ? number.slice(-4) : undefined;
  return { state: "linked", since: now(), ...(lastDigits ? { lastDigits } : {}) };
}

/** The work's outcome, or a rejection once it has taken longer than `ms`. */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
