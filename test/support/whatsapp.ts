import { EventEmitter } from "node:events";
import type WAWebJS from "whatsapp-web.js";
import type { WhatsAppClientPort, WhatsAppMessage } from "../../src/channels/whatsapp/channel.js";

/** The real Client must fit the port the channel uses: if whatsapp-web.js changes, this stops compiling. */
const realClientFits = (client: WAWebJS.Client): WhatsAppClientPort => client;
void realClientFits;

/**
 * A WhatsApp client in memory: people's messages go in, the bot's messages are recorded, media a
 * person sent can be fetched again by id (as WhatsApp Web keeps it). Starting shows a QR; a test
 * then links it, fails it or unlinks it as WhatsApp would.
 */
export class FakeWhatsAppClient extends EventEmitter implements WhatsAppClientPort {
  readonly sent: Array<{ chatId: string; text: string; at: number }> = [];
  readonly media = new Map<string, { data: string; mimetype: string; filename?: string }>();
  initialized = false;
  destroyed = false;
  loggedOut = false;
  info: { wid: { user: string; server: string } } | undefined;

  constructor(readonly pairingQr = "2@fake-qr-code") {
    super();
  }

  async initialize(): Promise<void> {
    this.initialized = true;
    this.emit("qr", this.pairingQr);
  }

  /** The phone scanned the QR: this number is now linked. */
  link(number = "56912345678"): void {
    this.info = { wid: { user: number, server: "c.us" } };
    this.emit("ready");
  }

  /** WhatsApp refused the saved session. */
  refuse(message = "session restore failed"): void {
    this.emit("auth_failure", message);
  }

  /** The connection went; LOGOUT when the phone removed this device. */
  drop(reason: WAWebJS.WAState | "LOGOUT" = "LOGOUT"): void {
    this.emit("disconnected", reason);
  }

  async logout(): Promise<void> {
    this.loggedOut = true;
  }

  async sendMessage(chatId: string, content: string): Promise<unknown> {
    this.sent.push({ chatId, text: content, at: performance.now() });
    return {};
  }

  async getMessageById(messageId: string): Promise<Pick<WAWebJS.Message, "hasMedia" | "downloadMedia">> {
    const media = this.media.get(messageId);
    return {
      hasMedia: media !== undefined,
      downloadMedia: async () => media as WAWebJS.MessageMedia,
    };
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
  }

  to(chatId: string): string[] {
    return this.sent.filter((m) => m.chatId === chatId).map((m) => m.text);
  }
}

let serial = 0;

/** A message as whatsapp-web.js gives it, from a person's chat. */
export const waMessage = (from: string, body: string, extra: Partial<WhatsAppMessage> = {}): WhatsAppMessage => ({
  id: { id: `3EB0${(++serial).toString(16).padStart(16, "0").toUpperCase()}` },
  from,
  body,
  type: "chat" as WAWebJS.MessageTypes,
  fromMe: false,
  isStatus: false,
  timestamp: Math.floor(Date.now() / 1000),
  ...extra,
});
