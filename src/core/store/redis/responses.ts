import type { Redis } from "ioredis";
import {
  type ResponseListing,
  type ResponseStore,
  type StoredResponse,
  type SubmitOutcome,
  storedResponseSchema,
} from "../responses.js";
import { call } from "./client.js";

/**
 * Responses in Redis: a stream per flow (`<prefix>:r:<flow>`) and the set of participants' keyed
 * hashes (`<prefix>:p:<flow>`), written by one script so a double tap or a redelivered message
 * can never store two responses. A stream id normally carries the exact millisecond of writing;
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

type RedisWithSubmit = Redis & {
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
    redis: Redis,
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

  #stream(flow: string): string {
    return `${this.prefix}:r:${flow}`;
  }

  #participants(flow: string): string {
    return `${this.prefix}:p:${flow}`;
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
