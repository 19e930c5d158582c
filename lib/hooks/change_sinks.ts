import type { Reply } from "../resp/mod.ts";
import type { ChangeEvent } from "./hook_types.ts";
import type { HookRunner } from "./hook_runner.ts";

/** Where change events go; `deliver` resolves once the receiver has acknowledged the batch. */
export interface ChangeSink {
  /** Names the sink in the delivery log and in `remiro_change_events_total{sink}`. */
  readonly name: string;
  deliver(events: readonly ChangeEvent[]): Promise<void>;
  close?(): void;
}

/** A `--on-change` value that names no known sink. */
export class SinkSpecError extends TypeError {
  override name = "SinkSpecError";
}

/** The hooks module's `onChange`. */
export function hookSink(runner: HookRunner): ChangeSink {
  return { name: "hook", deliver: (events) => runner.events(events) };
}

const encoder = new TextEncoder();

/** JSON lines on standard output. */
export function stdoutSink(write: (bytes: Uint8Array) => Promise<unknown>): ChangeSink {
  return {
    name: "stdout",
    deliver: async (events) => {
      await write(encoder.encode(events.map((event) => JSON.stringify(event) + "\n").join("")));
    },
  };
}

/** Retries `attempt` with back-off (100 ms doubling to 5 s) until it succeeds or `closed`. */
async function withRetry(
  what: string,
  attempt: () => Promise<void>,
  log: (message: string) => void,
  closed: () => boolean,
): Promise<void> {
  for (let delay = 100;; delay = Math.min(delay * 2, 5000)) {
    try {
      return await attempt();
    } catch (error) {
      if (closed()) throw error;
      log(`${what}: ${(error as Error).message}; retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * A batch POSTed as a JSON array to `url`; anything but a 2xx answer is retried with back-off,
 * for as long as it takes (the source waits meanwhile: nothing is dropped).
 */
export function webhookSink(url: string, log: (message: string) => void): ChangeSink {
  let closed = false;
  return {
    name: "webhook",
    deliver: (events) =>
      withRetry(
        `webhook ${url}`,
        async () => {
          const response = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(events),
            signal: AbortSignal.timeout(10_000),
          });
          await response.body?.cancel();
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
        },
        log,
        () => closed,
      ),
    close: () => {
      closed = true;
    },
  };
}

/** A connection able to pipeline commands (replicate's SyncClient). */
export interface PipelineLink {
  pipeline(commands: (string | Uint8Array)[][]): Promise<Reply[]>;
  close(): void;
}

/** Each event as `XADD stream * kind … db … key …` on another Redis, one pipeline per batch. */
export function xaddSink(
  link: PipelineLink,
  stream: string,
  log: (message: string) => void,
): ChangeSink {
  let closed = false;
  return {
    name: "xadd",
    deliver: (events) =>
      withRetry(
        `XADD ${stream}`,
        async () => {
          const replies = await link.pipeline(events.map((event) => [
            "XADD",
            stream,
            "*",
            ...Object.entries(event).filter(([, v]) => v !== undefined).flatMap((
              [k, v],
            ) => [k, String(v)]),
          ]));
          const error = replies.find((reply) => reply.type === "error");
          if (error?.type === "error") throw new Error(error.message);
        },
        log,
        () => closed,
      ),
    close: () => {
      closed = true;
      link.close();
    },
  };
}

/** A parsed `--on-change` value. */
export type SinkSpec =
  | { kind: "stdout" }
  | { kind: "webhook"; url: string }
  | { kind: "xadd"; uri: string; stream: string };

/** `stdout`, `webhook=https://…` or `xadd=redis://host:port/stream`. */
export function parseSinkSpec(text: string): SinkSpec {
  if (text === "stdout") return { kind: "stdout" };
  const [kind, ...rest] = text.split("=");
  const value = rest.join("=");
  if (kind === "webhook" && /^https?:\/\//.test(value)) return { kind, url: value };
  if (kind === "xadd") {
    const match = /^(rediss?:\/\/[^/]+)\/(.+)$/.exec(value);
    if (match) return { kind, uri: match[1], stream: decodeURIComponent(match[2]) };
  }
  throw new SinkSpecError(
    `"${text}" is not stdout, webhook=http(s)://… or xadd=redis://host:port/stream`,
  );
}
