import { spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { REDIS_URL } from "./support/puente.js";

/**
 * `npm run bench:side-by-side` at its smallest: Puente and the grammY conversations peer each walk a
 * 3-question survey (Puente the consultation too), every reply and every stored response is checked
 * by the benchmark itself (a wrong one fails the run), the table and the aims are printed, and the
 * keys it made are gone afterwards. Its figures are read by people, in BENCHMARKS.md.
 */
describe("npm run bench:side-by-side", () => {
  it("runs both bots through the same survey with every reply as expected, prints the table, and cleans up", async () => {
    const run = spawnSync(
      "npm",
      [
        "run",
        "--silent",
        "bench:side-by-side",
        "--",
        ...["--people", "3", "--questions", "3", "--warmup", "1", "--probe", "2", "--sequential", "1"],
        ...[
          "--open-loop-seconds",
          "1",
          "--open-loop-rate",
          "20",
          "--open-loop-people",
          "10",
          "--open-loop-questions",
          "3",
        ],
      ],
      { encoding: "utf8", timeout: 120_000, env: { ...process.env, REDIS_URL } },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/^puente side-by-side benchmark/m);

    // Each run checked every reply and every stored response: as many responses as people who finished.
    const checked = [
      ...out.matchAll(/^checked +(\d+) people went through (\S+), every reply as expected; (\d+) responses stored/gm),
    ];
    expect(checked.map((line) => line[2])).toEqual(["survey3", "survey3", "consulta"]);
    for (const [, people, , responses] of checked) {
      expect(Number(people)).toBeGreaterThan(0);
      expect(responses).toBe(people);
    }
    expect(out).toMatch(/^== Puente, survey3: 3 people at once, 5 messages each$/m);
    expect(out).toMatch(/^== grammY conversations, survey3: 3 people at once, 4 messages each$/m);

    // The table, a row per bot and survey, the ratios, the open loop and the aims.
    expect(out).toMatch(/^\| survey \| bot \| msgs\/person \| msgs\/s \|/m);
    expect(out).toMatch(/^\| survey3 \| Puente \| 5 \| [\d ]+ \|/m);
    expect(out).toMatch(/^\| survey3 \| grammY conversations \| 4 \| [\d ]+ \|/m);
    expect(out).toMatch(/^\| survey3 \| \*\*Puente ÷ peer\*\* \|/m);
    expect(out).toMatch(/^\| consulta \| Puente \| 30 \|/m);
    expect(out).toMatch(/^\| survey3 \| Puente \| 20 \| 1 \| 10 \|/m);
    expect(out).toMatch(/^\| survey3 \| grammY conversations \| 20 \| 1 \| 10 \|/m);
    expect(out).toMatch(/^\| aim \| measured \| met \|$/m);

    // Nothing left behind, as the run says and as Redis says.
    const cleanup = /^cleanup +deleted \d+ keys under (puente-sbs:[0-9a-f]+):\*, 0 left$/m.exec(out);
    expect(cleanup).not.toBeNull();
    const redis = new Redis(REDIS_URL);
    try {
      const left: string[] = [];
      for (const pattern of [`${cleanup?.[1]}:*`, `{${cleanup?.[1]}:*`]) {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
          left.push(...keys);
          cursor = next;
        } while (cursor !== "0");
      }
      expect(left).toEqual([]);
    } finally {
      await redis.quit();
    }
  }, 150_000);
});
