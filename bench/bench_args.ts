import { parseArgs } from "node:util";

/** The median of `values` (the upper one of an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** `--keys N --rounds N --quick --json FILE` of the keyspace benchmarks (rdb, reshard). */
export function keyspaceBenchArgs(
  args: string[],
  name: string,
): { keys: number; rounds: number; json: string } {
  const { values } = parseArgs({
    args,
    options: {
      keys: { type: "string", default: "1000000" },
      rounds: { type: "string", default: "3" },
      quick: { type: "boolean", default: false },
      json: { type: "string", default: `bench/${name}_results.json` },
    },
  });
  return {
    keys: values.quick ? 100_000 : Number(values.keys),
    rounds: Number(values.rounds),
    json: values.json!,
  };
}
