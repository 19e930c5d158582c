/**
 * Builds single-file `remiro` executables with `deno compile`:
 *   deno task compile                      # every target below, into dist/
 *   deno task compile x86_64-unknown-linux-gnu
 * Each target's Deno runtime is downloaded on first use; a target that fails is reported and
 * the others still build. Exit code 1 when any failed.
 */
const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];

/** What the compiled program may do: the proxy, its tools, and the demo (runs redis-server). */
export const COMPILE_FLAGS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  "--allow-sys",
  // SO_REUSEPORT (ReusePort = true) is still behind this flag in Deno 2.
  "--unstable-net",
  // Hooks (--hooks) run in a worker with permissions of its own, still behind this flag.
  "--unstable-worker-options",
  // The worker is loaded by URL at run time: embed it.
  "--include",
  "lib/hooks/hook_worker.ts",
];

async function main(): Promise<number> {
  const wanted = Deno.args.length > 0 ? Deno.args : TARGETS;
  const unknown = wanted.filter((target) => !TARGETS.includes(target));
  if (unknown.length > 0) {
    console.error(`unknown target ${unknown.join(", ")}; known: ${TARGETS.join(", ")}`);
    return 2;
  }
  const failed: string[] = [];
  for (const target of wanted) {
    const output = `dist/remiro-${target}`;
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["compile", ...COMPILE_FLAGS, "--target", target, "--output", output, "main.ts"],
      stdout: "inherit",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(result.stderr).trim();
    if (result.success) {
      console.log(`built ${output}`);
      continue;
    }
    failed.push(target);
    console.error(`${target}: deno compile failed:\n${stderr}`);
  }
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(", ")}`);
    return 1;
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main());
