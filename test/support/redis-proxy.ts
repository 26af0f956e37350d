import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";

/**
 * What the proxy does to the traffic between Puente and Redis, switched at run time:
 * - `pass`: forwards at once;
 * - `delay`: each chunk, either way, goes `ms` later (order kept);
 * - `stall`: holds every byte, either way, until the mode changes, then lets it all through in
 *   order: commands sent meanwhile run late, replies arrive late (a congested or paused link);
 * - `drop`: resets every connection and every new one at once (Redis down, or restarting);
 * - `blackhole`: accepts and holds like a stall, but what it held is never delivered: leaving it
 *   resets every connection (a partition that ends with the connections timed out).
 */
export type ProxyMode =
  | { kind: "pass" }
  | { kind: "delay"; ms: number }
  | { kind: "stall" }
  | { kind: "drop" }
  | { kind: "blackhole" };

interface Held {
  chunk: Buffer;
  due: number;
}

/** One direction of one connection: chunks leave in the order they came, each when due. */
class Pipe {
  readonly #queue: Held[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: Socket,
    private readonly holding: () => boolean,
  ) {}

  push(chunk: Buffer, delayMs: number): void {
    const last = this.#queue.at(-1)?.due ?? 0;
    this.#queue.push({ chunk, due: Math.max(Date.now() + delayMs, last) });
    this.pump();
  }

  pump(): void {
    if (this.#timer || this.holding()) return;
    while (this.#queue.length > 0) {
      const next = this.#queue[0] as Held;
      const wait = next.due - Date.now();
      if (wait > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.#queue.shift();
      if (!this.to.destroyed) this.to.write(next.chunk);
    }
  }

  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
  }
}

interface Link {
  client: Socket;
  upstream: Socket;
  pipes: Pipe[];
}

/**
 * A TCP proxy on 127.0.0.1 in front of a real Redis, for fault tests: `url` goes where REDIS_URL
 * would, `set` changes what happens to the traffic (see `ProxyMode`), and `stallWhenSent` holds
 * everything from the moment a command carrying some text is sent, so that exact command runs late.
 */
export class RedisProxy {
  #mode: ProxyMode = { kind: "pass" };
  readonly #links = new Set<Link>();
  readonly #server: Server;
  #trigger: { text: string; ms: number; fired: () => void } | undefined;
  /** Connections reset by `drop` and `blackhole`, and connections refused: to check a fault bit. */
  resets = 0;

  /** `target`: the real Redis, as a redis:// URL (its password and database carry over to `url`). */
  constructor(readonly target = "redis://127.0.0.1:6379") {
    this.#server = createServer((client) => this.#accept(client));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, "127.0.0.1", () => resolve());
    });
  }

  /** Where Puente is to find Redis: the target's URL, at the proxy's address. */
  get url(): string {
    const { address, port } = this.#server.address() as AddressInfo;
    const url = new URL(this.target);
    url.hostname = address;
    url.port = String(port);
    return url.toString();
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  set(mode: ProxyMode): void {
    const before = this.#mode;
    this.#mode = mode;
    if (mode.kind === "drop" || (before.kind === "blackhole" && mode.kind !== "blackhole")) this.#resetAll();
    else if (!this.#holding()) for (const link of this.#links) for (const pipe of link.pipes) pipe.pump();
  }

  /**
   * Holds all traffic for `ms` from the moment a command containing `text` is sent (that command
   * included), then lets it through: the command runs, but its reply comes `ms` late. Resolves
   * once the stall is over.
   */
  stallWhenSent(text: string, ms: number): Promise<void> {
    return new Promise((fired) => {
      this.#trigger = { text, ms, fired };
    });
  }

  /** Forgets a `stallWhenSent` that has not started. */
  disarm(): void {
    this.#trigger = undefined;
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    this.#trigger = undefined;
    this.#resetAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #holding(): boolean {
    return this.#mode.kind === "stall" || this.#mode.kind === "blackhole";
  }

  #delay(): number {
    return this.#mode.kind === "delay" ? this.#mode.ms : 0;
  }

  #accept(client: Socket): void {
    client.on("error", () => undefined);
    if (this.#mode.kind === "drop") {
      this.resets++;
      client.destroy();
      return;
    }
    const { hostname, port } = new URL(this.target);
    const upstream = connect(Number(port || 6379), hostname);
    upstream.on("error", () => undefined);
    const holding = () => this.#holding();
    const toRedis = new Pipe(upstream, holding);
    const toClient = new Pipe(client, holding);
    const link: Link = { client, upstream, pipes: [toRedis, toClient] };
    this.#links.add(link);
    client.on("data", (chunk: Buffer) => {
      this.#fire(chunk);
      toRedis.push(chunk, this.#delay());
    });
    upstream.on("data", (chunk: Buffer) => toClient.push(chunk, this.#delay()));
    const end = () => this.#reset(link);
    client.on("close", end);
    upstream.on("close", end);
  }

  /** A chunk carrying the awaited text starts the stall before it is forwarded. */
  #fire(chunk: Buffer): void {
    const trigger = this.#trigger;
    if (!trigger || !chunk.includes(trigger.text)) return;
    this.#trigger = undefined;
    const before = this.#mode;
    this.set({ kind: "stall" });
    setTimeout(() => {
      if (this.#mode.kind === "stall") this.set(before);
      trigger.fired();
    }, trigger.ms);
  }

  #reset(link: Link): void {
    if (!this.#links.delete(link)) return;
    for (const pipe of link.pipes) pipe.clear();
    link.client.destroy();
    link.upstream.destroy();
  }

  #resetAll(): void {
    for (const link of [...this.#links]) {
      this.resets++;
      this.#reset(link);
    }
  }
}
