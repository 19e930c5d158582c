import assert from "node:assert/strict";
import type { Redis } from "ioredis";
import { waitFor } from "./redis.ts";

/** A change event as a JSON line of a sink or a printing hook. */
export interface PrintedEvent {
  kind: string;
  key: string;
  source: string;
  offset: number;
  index: number;
}

/** A process whose standard output carries change events as JSON lines. */
export interface EventPrinter {
  child: Deno.ChildProcess;
  out: { stderr: string };
  events(): PrintedEvent[];
}

/** Starts `deno ARGS`, collecting standard error and parsing events from standard output. */
export function spawnPrinter(args: string[]): EventPrinter {
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .spawn();
  const out = { stderr: "" };
  child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (out.stderr += chunk) }),
  ).catch(() => {});
  // Parsed as they arrive: events are many, and re-reading all of them per poll is slow.
  const parsed: PrintedEvent[] = [];
  let rest = "";
  child.stdout.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write: (chunk) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        for (const line of lines) if (line.startsWith("{")) parsed.push(JSON.parse(line));
      },
    }),
  ).catch(() => {});
  return { child, out, events: () => parsed };
}

/**
 * Waits until `printer` has printed more than `count` events, kills it with SIGKILL (the crash
 * the delivery log must survive), and returns what its delivery log had recorded for `sink`
 * and the events it printed.
 */
export async function killAfterEvents(
  printer: EventPrinter,
  count: number,
  log: string,
  sink: string,
): Promise<{ logged: { offset: number; index: number }; printed: PrintedEvent[] }> {
  await waitFor(() => printer.events().length > count, {
    timeoutMs: 15_000,
    message: "stream events flowing",
  }).catch((error) => {
    throw new Error(`${error.message}\n${printer.out.stderr}`);
  });
  printer.child.kill("SIGKILL");
  await printer.child.status;
  const logged = JSON.parse(await Deno.readTextFile(log)).sinks[sink];
  return { logged, printed: printer.events() };
}

/**
 * Writes `${prefix}${n}` for n up to `count` (each fifth with a TTL, each seventh deleting the
 * key before it) until stopped; `written()` is how many were.
 */
export function writeKeys(redis: Redis, prefix: string, count: number) {
  let running = true;
  let n = 0;
  const done = (async () => {
    while (running && n < count) {
      await redis.set(`${prefix}${n}`, n);
      if (n % 5 === 0) await redis.expire(`${prefix}${n}`, 1000);
      if (n % 7 === 0) await redis.del(`${prefix}${n - 1}`);
      n++;
    }
  })();
  return {
    done,
    written: () => n,
    [Symbol.asyncDispose]: async () => {
      running = false;
      await done.catch(() => {});
    },
  };
}

/**
 * Checks the events of a run killed with -9 (`first`) and of its restart (`second`) against
 * the position the delivery log held: nothing logged is delivered again, only the one batch
 * acknowledged but not yet logged may be delivered twice, and each of the `written` writes of
 * {@link writeKeys} (as the sink names its key) has its events exactly once. Returns the kinds
 * of distinct events per `kind key`.
 */
export function assertDeliveredOnce(
  first: readonly PrintedEvent[],
  second: readonly PrintedEvent[],
  logged: { offset: number; index: number },
  written: number,
  keyOf: (n: number) => string,
): (kind: string, key: string) => number {
  const atOrBefore = (e: { offset: number; index: number }) =>
    e.offset < logged.offset || (e.offset === logged.offset && e.index <= logged.index);
  assert.equal(second.filter(atOrBefore).length, 0, "nothing logged is delivered again");
  // What the first run delivered after its last logged position is the one batch that was
  // acknowledged but not yet logged when it was killed: the only events delivered twice.
  const unlogged = new Set(first.filter((e) => !atOrBefore(e)).map((e) => JSON.stringify(e)));
  assert.ok(unlogged.size <= 500, `${unlogged.size} events after the logged position`);
  const seen = new Map<string, number>();
  for (const event of [...first, ...second]) {
    const id = JSON.stringify(event);
    seen.set(id, (seen.get(id) ?? 0) + (unlogged.has(id) ? 0.5 : 1));
  }
  for (const [id, count] of seen) assert.equal(count, 1, `${id} delivered ${count} times`);
  // How many distinct events there were of each kind for each key.
  const byKey = new Map<string, number>();
  for (const id of seen.keys()) {
    const event = JSON.parse(id);
    const name = `${event.kind} ${event.key}`;
    byKey.set(name, (byKey.get(name) ?? 0) + 1);
  }
  const kinds = (kind: string, key: string) => byKey.get(`${kind} ${key}`) ?? 0;
  for (let i = 0; i < written; i++) {
    assert.equal(kinds("set", keyOf(i)), 1, `set ${keyOf(i)}`);
    if (i % 5 === 0) assert.equal(kinds("expire", keyOf(i)), 1, `expire ${keyOf(i)}`);
    if (i % 7 === 0 && i > 0) {
      assert.equal(kinds("delete", keyOf(i - 1)), 1, `delete ${keyOf(i - 1)}`);
    }
  }
  return kinds;
}
