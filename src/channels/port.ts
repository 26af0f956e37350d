import type { Hono } from "hono";
import type { Address, ChannelKind, InboundMessage, OutboundMessage } from "../core/engine/messages.js";
import type { Language } from "../core/i18n/languages.js";

/**
 * The one interface every channel implements, like a grammY storage adapter: the rest of the
 * program starts and stops channels, mounts their routes, and pushes messages through them
 * without knowing Telegram, WhatsApp or the web. Each channel folder has the same inner shape:
 * `inbound.ts` (platform update → `InboundMessage`), `render.ts` (`OutboundMessage` → the
 * platform's idiom) and `channel.ts` (this interface).
 */
export interface Channel {
  readonly kind: ChannelKind;
  /** Begins receiving. Slow platforms (a browser to pair) start in the background and return at once. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The channel's HTTP routes on the program's one server, if it has any. */
  routes?(): Hono;
  /**
   * Sends messages nobody asked for just now (staff wrote, a case changed). False when this
   * replica cannot send on the channel now (another replica holds the WhatsApp number).
   */
  send(chatId: string, messages: OutboundMessage[], language?: Language): Promise<boolean>;
}

/** What a channel needs from the engine: a message in, messages out; a chat's keyed hash. */
export interface Receiver {
  handle(inbound: InboundMessage): Promise<{
    messages: OutboundMessage[];
    language: Language | undefined;
    applied: boolean;
  }>;
  chatKey(channel: string, chatId: string): string;
  /** Reads a chat's session ahead of the message about to be handled, in the same round trip as the channel's own. */
  readAhead(channel: string, chatId: string): void;
}

/** The channels running in this process, by kind. */
export class Channels {
  readonly #byKind = new Map<ChannelKind, Channel>();

  add(channel: Channel): void {
    this.#byKind.set(channel.kind, channel);
  }

  get(kind: ChannelKind): Channel | undefined {
    return this.#byKind.get(kind);
  }

  all(): Channel[] {
    return [...this.#byKind.values()];
  }

  /** Pushes to an address; false when no channel here can reach it now. */
  async send(address: Address, messages: OutboundMessage[], language?: Language): Promise<boolean> {
    const channel = this.#byKind.get(address.channel);
    return channel ? channel.send(address.chatId, messages, language) : false;
  }
}
