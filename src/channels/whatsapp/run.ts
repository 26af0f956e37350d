import type { Logger } from "pino";
import qrcode from "qrcode-terminal";
import type { OutboundMessage } from "../../core/engine/messages.js";
import type { Language } from "../../core/i18n/languages.js";
import type { Texts } from "../../core/i18n/texts.js";
import type { KeyValueStore } from "../../core/store/keyvalue.js";
import { type Lease, LeaseKeeper } from "../../core/store/lease.js";
import type { Channel, Receiver } from "../port.js";
import { WhatsAppChannel, type WhatsAppClientPort } from "./channel.js";
import { createWhatsAppClient, describeStartFailure } from "./client.js";

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
}

export const LEASE_TTL_MS = 30_000;
const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 5 * 60_000;

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
  }

  async send(chatId: string, messages: OutboundMessage[], language?: Language): Promise<boolean> {
    if (!this.#ready) return false;
    return this.#ready.push(chatId, messages, language);
  }

  async stop(): Promise<void> {
    await this.#keeper.stop();
    await this.#close();
  }

  async #open(): Promise<void> {
    const { logger } = this.options;
    const client = this.options.makeClient?.() ?? createWhatsAppClient(this.options);
    const channel = new WhatsAppChannel({ ...this.options, client });
    this.#client = client;
    this.#channel = channel;
    client.on("qr", (qr) => qrcode.generate(qr, { small: true }));
    // The code is what the office types on its phone: shown on the terminal, like the QR, not logged.
    client.on("code", (code) => process.stdout.write(`WhatsApp pairing code: ${code}\n`));
    client.on("ready", () => {
      this.#delayMs = FIRST_RETRY_MS;
      this.#ready = channel;
      this.#stopWork = this.options.whileReady?.(channel);
    });
    client.on("disconnected", () => this.#again());
    client.on("auth_failure", () => this.#again());
    try {
      await channel.start();
    } catch (error) {
      logger.error(describeStartFailure(error, this.options.chromiumPath));
      this.#again();
    }
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

  async #close(): Promise<void> {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    const stopWork = this.#stopWork;
    this.#client = undefined;
    this.#channel = undefined;
    this.#ready = undefined;
    this.#stopWork = undefined;
    await stopWork?.().catch(() => undefined);
    await client?.destroy().catch(() => undefined);
  }
}
