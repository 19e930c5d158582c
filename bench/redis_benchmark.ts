/** One redis-benchmark test result. */
export interface BenchResult {
  rps: number;
  p50: number;
  p99: number;
}

/** Options of {@linkcode redisBenchmark}. */
export interface BenchOptions {
  tests: string;
  requests: number;
  clients: number;
  pipeline: number;
  keyspace: number;
  dataSize?: number;
}

/** Runs redis-benchmark against a port; results per test name ("SET", "GET"). */
export async function redisBenchmark(
  port: number,
  options: BenchOptions,
): Promise<Map<string, BenchResult>> {
  const out = await new Deno.Command("redis-benchmark", {
    args: [
      "-p",
      `${port}`,
      "-t",
      options.tests,
      "-n",
      `${options.requests}`,
      "-c",
      `${options.clients}`,
      "-P",
      `${options.pipeline}`,
      "-r",
      `${options.keyspace}`,
      "-d",
      `${options.dataSize ?? 3}`,
      "-q",
      "--csv",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const results = new Map<string, BenchResult>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n").slice(1)) {
    const cells = line.split(",").map((c) => c.replaceAll('"', ""));
    if (cells.length >= 7) {
      results.set(cells[0], {
        rps: Number(cells[1]),
        p50: Number(cells[4]),
        p99: Number(cells[6]),
      });
    }
  }
  if (results.size === 0) {
    throw new Error(
      `redis-benchmark on port ${port} gave no results: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return results;
}
