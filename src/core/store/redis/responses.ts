import {
  type ResponseListing,
  type ResponseStore,
  type StoredResponse,
  type SubmitOutcome,
  storedResponseSchema,
} from "../responses.js";
import type { RedisClient } from "./client.js";
import { call } from "./client.js";

/**
 * Responses in Redis: a stream per flow (`<prefix>:r:{<flow>}`) and the set of participants' keyed
 * hashes (`<prefix>:p:{<flow>}`), written by one script so a double tap or a redelivered message
 * can never store two responses. The flow in braces is a hash tag: on Redis Cluster both keys of
 * a flow are in one slot, as a script's keys must be. A stream id normally carries the exact millisecond of writing;
 * here it is the submission day's midnight (UTC) and a sequence, so the stream keeps no time.
 */
const SUBMIT = `
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
local day = tonumber(ARGV[2])
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if last then
  local lastDay = tonumber(string.match(last[1], '^(%d+)-'))
  if lastDay > day then day = lastDay end
end
redis.call('XADD', KEYS[1], tostring(day) .. '-*', 'response', ARGV[3])
return 1`;

type RedisWithSubmit = RedisClient & {
  puenteSubmitResponse(
    stream: string,
    participants: string,
    participant: string,
    dayMs: string,
    response: string,
  ): Promise<number>;
};

export class RedisResponseStore implements ResponseStore {
  readonly #redis: RedisWithSubmit;

  constructor(
    redis: RedisClient,
    readonly prefix: string,
  ) {
    redis.defineCommand("puenteSubmitResponse", { numberOfKeys: 2, lua: SUBMIT });
    this.#redis = redis as RedisWithSubmit;
  }

  async submit(response: StoredResponse, participant: string): Promise<SubmitOutcome> {
    const dayMs = String(Date.parse(`${response.date}T00:00:00Z`));
    const stored = await call(() =>
      this.#redis.puenteSubmitResponse(
        this.#stream(response.flow),
        this.#participants(response.flow),
        participant,
        dayMs,
        JSON.stringify(response),
      ),
    );
    return stored === 1 ? "stored" : "duplicate";
  }

  async hasTakenPart(flow: string, participant: string): Promise<boolean> {
    return (await call(() => this.#redis.sismember(this.#participants(flow), participant))) === 1;
  }

  async forget(flow: string, participant: string): Promise<void> {
    await call(() => this.#redis.srem(this.#participants(flow), participant));
  }

  async list(flow: string): Promise<ResponseListing> {
    const entries = await call(() => this.#redis.xrange(this.#stream(flow), "-", "+"));
    const listing: ResponseListing = { responses: [], unreadable: [] };
    for (const [id, fields] of entries) {
      const response = readEntry(fields);
      if (response) listing.responses.push(response);
      else listing.unreadable.push(id);
    }
    return listing;
  }

  /**
   * Moves a flow's keys from their names before hash tags (`<prefix>:r:<flow>`, `<prefix>:p:<flow>`)
   * to today's, where only the old ones exist; returns the flows moved. (Versions before hash tags
   * never ran on a cluster, so old keys are only ever on one Redis, where a rename crosses no slot.)
   */
  async adoptUntagged(flows: readonly string[]): Promise<string[]> {
    const moved: string[] = [];
    for (const flow of flows) {
      const pairs = [
        [`${this.prefix}:r:${flow}`, this.#stream(flow)],
        [`${this.prefix}:p:${flow}`, this.#participants(flow)],
      ] as const;
      let any = false;
      for (const [old, now] of pairs) {
        if ((await call(() => this.#redis.exists(old))) === 0) continue;
        if ((await call(() => this.#redis.renamenx(old, now))) === 1) any = true;
        else throw new ResponseKeysError(old, now);
      }
      if (any) moved.push(flow);
    }
    return moved;
  }

  #stream(flow: string): string {
    return `${this.prefix}:r:{${flow}}`;
  }

  #participants(flow: string): string {
    return `${this.prefix}:p:{${flow}}`;
  }
}

/** The response in a stream entry's `response` field, or undefined when there is none that fits. */
function readEntry(fields: string[]): StoredResponse | undefined {
  const at = fields.findIndex((name, index) => index % 2 === 0 && name === "response");
  const json = at === -1 ? undefined : fields[at + 1];
  if (json === undefined) return undefined;
  try {
    const parsed = storedResponseSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Responses are under both an old key name and today's: someone must merge them by hand. */
export class ResponseKeysError extends Error {
  override name = "ResponseKeysError";
  constructor(old: string, now: string) {
    super(
      `Responses are kept under both ${old} (an older version's name) and ${now}: this version reads only ${now}. Merge them (or rename the old one away) with redis-cli; nothing was changed.`,
    );
  }
}
