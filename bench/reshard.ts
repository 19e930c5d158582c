/**
 * `deno task bench reshard`: the time for a replica to complete a full sync of a
 * million-key master directly, and through `remiro reshard` (a process of its own, started
 * with the sync so its own upstream sync is included), passing every key and half of them.
 * Alternating order over several rounds; medians and ratios printed and written as JSON.
 *
 *   deno task bench reshard [--keys 1000000] [--rounds 3] [--quick] [--json FILE]
 */
import { freePort, RedisServer, sendCommands } from "../lib/redis_process/mod.ts";
import { keyspaceBenchArgs, median } from "./bench_args.ts";
import { makeRdb } from "./rdb.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function info(port: number): Promise<string> {
  const [reply] = await sendCommands("127.0.0.1", port, [["INFO", "replication"]]);
  return new TextDecoder().decode(reply);
}

/** Seconds from REPLICAOF until the replica reports its link up (snapshot loaded). */
export async function syncSeconds(masterPort: number): Promise<{ seconds: number; keys: number }> {
  await using replica = await RedisServer.start();
  const started = performance.now();
  await sendCommands("127.0.0.1", replica.port, [["REPLICAOF", "127.0.0.1", String(masterPort)]]);
  while (!/master_link_status:up/.test(await info(replica.port))) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = (performance.now() - started) / 1000;
  const [size] = await sendCommands("127.0.0.1", replica.port, [["DBSIZE"]]);
  return { seconds, keys: Number(new TextDecoder().decode(size).slice(1)) };
}

async function viaProxy(
  masterPort: number,
  regex: string,
): Promise<{ seconds: number; keys: number }> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "reshard",
      "--master-port",
      String(masterPort),
      "--proxy-port",
      String(port),
      regex,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    // Wait for the listener only: the proxy's own sync with the master is part of the time.
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("listening")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`remiro reshard exited: ${text}`);
      text += value;
    }
    reader.releaseLock();
    return await syncSeconds(port);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

export async function benchReshard(args: string[]): Promise<void> {
  const { keys, rounds, json } = keyspaceBenchArgs(args, "reshard");
  const dir = await Deno.makeTempDir({ prefix: "remiro-bench-reshard-" });
  try {
    await makeRdb(keys, `${dir}/master.rdb`);
    await using master = await RedisServer.start({
      rdb: await Deno.readFile(`${dir}/master.rdb`),
      args: ["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"],
    });
    const samples: Record<string, number[]> = {
      direct: [],
      "proxy, all keys": [],
      "proxy, half": [],
    };
    const kept: Record<string, number> = {};
    for (let round = 0; round < rounds; round++) {
      const steps: [string, () => Promise<{ seconds: number; keys: number }>][] = [
        ["direct", () => syncSeconds(master.port)],
        ["proxy, all keys", () => viaProxy(master.port, ".")],
        ["proxy, half", () => viaProxy(master.port, "[02468]$")],
      ];
      for (const [name, run] of round % 2 ? steps.reverse() : steps) {
        const result = await run();
        samples[name].push(result.seconds);
        kept[name] = result.keys;
      }
    }
    const direct = median(samples.direct);
    const report = {
      date: new Date().toISOString(),
      keys,
      rounds,
      results: Object.entries(samples).map(([name, s]) => ({
        name,
        seconds: Number(median(s).toFixed(3)),
        replicaKeys: kept[name],
        vsDirect: Number((median(s) / direct).toFixed(2)),
      })),
    };
    console.log(`full sync of ${keys} keys, median of ${rounds} rounds (time / direct time):`);
    for (const r of report.results) {
      console.log(
        `  ${r.name.padEnd(16)} ${
          r.seconds.toFixed(3)
        } s  ${r.vsDirect}x  (${r.replicaKeys} keys on the replica)`,
      );
    }
    await Deno.writeTextFile(json, JSON.stringify(report, null, 2) + "\n");
    console.log(`written to ${json}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
