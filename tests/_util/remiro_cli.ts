/** Path of main.ts, for tests that spawn the CLI themselves. */
export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Runs `remiro ARGS` as its own process and collects exit code and output. */
export async function runRemiro(
  args: string[],
): Promise<{ code: number; stderr: string; stdout: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** A `remiro` proxy running as its own process. */
export interface RemiroProcess extends AsyncDisposable {
  readonly child: Deno.ChildProcess;
  /** The client port, read from the start-up line. */
  readonly port: number;
  /** The metrics port. */
  readonly instru: number;
  /** Everything the process wrote to standard error so far. */
  stderr(): string;
  /** Sends a signal. */
  signal(signal: Deno.Signal): void;
  /** Resolves with the exit code; throws if the process does not exit within `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number>;
}

/**
 * Starts `remiro -c CONFIG -p PORT -i <free port> ARGS` (PORT 0: a free one) and reads both ports from its start-up
 * lines. The metrics port has to be chosen up front; if something took it meanwhile, it starts
 * again. Standard error keeps being collected, so a chatty process never blocks on a full pipe.
 */
export async function startRemiro(
  config: string,
  args: string[] = [],
  port = 0,
): Promise<RemiroProcess> {
  const { freePort } = await import("../../lib/redis_process/mod.ts");
  for (let attempt = 1;; attempt++) {
    const instru = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--unstable-net",
        MAIN,
        "-c",
        config,
        "-p",
        `${port}`,
        "-i",
        `${instru}`,
        ...args,
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let text = "";
    let started: () => void = () => {};
    const startedOrEnded = new Promise<void>((resolve) => started = resolve);
    const collecting = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        text += decoder.decode(chunk, { stream: true });
        if (/metrics and health on/.test(text)) started();
      }
      started();
    })();
    await startedOrEnded;
    const bound = text.match(/remiro listening on [^:]+:(\d+)/)?.[1];
    if (bound && /metrics and health on/.test(text)) {
      let exitedCode: number | undefined;
      const status = child.status.then((s) => exitedCode = s.code);
      return {
        child,
        port: Number(bound),
        instru,
        stderr: () => text,
        signal: (signal) => {
          if (exitedCode === undefined) child.kill(signal);
        },
        async exited(timeoutMs = 20_000) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`remiro did not exit within ${timeoutMs} ms:\n${text}`)),
              timeoutMs,
            );
          });
          try {
            const code = await Promise.race([status, timeout]);
            await collecting;
            return code;
          } finally {
            clearTimeout(timer);
          }
        },
        async [Symbol.asyncDispose]() {
          if (exitedCode === undefined) child.kill("SIGKILL");
          await status;
          await collecting;
        },
      };
    }
    await child.status;
    await collecting;
    if (attempt >= 3 || !/cannot listen/.test(text)) {
      throw new Error(`remiro did not start:\n${text}`);
    }
  }
}

/** Writes a config file for the duration of `fn`. */
export async function withConfigFile<T>(
  text: string,
  fn: (path: string) => Promise<T>,
): Promise<T> {
  const path = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(path, text);
    return await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

/** `deno run` arguments of `remiro replicate --mode live --live-source replication`, with -v. */
export function liveReplicationArgs(
  source: { port: number },
  target: { port: number },
  ...extra: string[]
): string[] {
  return [
    ...["run", "--allow-all", MAIN, "replicate", "-v", "--mode", "live"],
    ...["--live-source", "replication", "--source", `redis://127.0.0.1:${source.port}`],
    ...["--target", `redis://127.0.0.1:${target.port}`, ...extra],
  ];
}
