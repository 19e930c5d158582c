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
