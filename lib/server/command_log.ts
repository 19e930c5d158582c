import { printableKey } from "../util/key_string.ts";
import type { SessionOptions } from "./session_options.ts";

/** Commands whose arguments may carry a password: never logged, even with --log-arguments. */
const SECRET_ARGUMENTS: ReadonlySet<string> = new Set(["auth", "hello", "migrate", "config|set"]);

/**
 * The fields of a debug line for one client command: its name, and with `"arguments"` its
 * arguments too, except for commands that may carry a password.
 */
export function commandLogFields(
  client: number,
  name: string,
  args: Uint8Array[],
  mode: "names" | "arguments",
): Record<string, string | number> {
  const fields: Record<string, string | number> = { client, name };
  if (mode === "arguments") {
    const skip = name.includes("|") ? 2 : 1;
    fields.args = SECRET_ARGUMENTS.has(name) || name.startsWith("acl|")
      ? "(redacted)"
      : args.slice(skip).map(printableKey).join(" ");
  }
  return fields;
}

/** Logs a client command at debug level when command logging is on (`-v`, `--log-arguments`). */
export function logCommand(
  options: Pick<SessionOptions, "commandLog" | "log">,
  client: number,
  name: string,
  args: Uint8Array[],
): void {
  const mode = options.commandLog;
  if (mode !== undefined) options.log?.debug("command", commandLogFields(client, name, args, mode));
}

/** "client" for "client|setname"; the name itself for commands without subcommands. */
export function parentName(name: string): string {
  const bar = name.indexOf("|");
  return bar < 0 ? name : name.slice(0, bar);
}

/** `host:port` (`[v6]:port`) of a socket address, as CLIENT LIST shows it. */
export function addressText(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  return "path" in addr ? `${addr.path}:0` : "unknown";
}
