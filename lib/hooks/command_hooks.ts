import { commandName, extractKeys, type KeyRef, lookupCommand } from "../commands/mod.ts";
import { type KeySelector, keyToText } from "../rdb/mod.ts";
import { encodeCommand } from "../resp/mod.ts";
import type { ChangeEvent, ChangeKind } from "./hook_types.ts";
import type { HookDecision, HookRunner } from "./hook_runner.ts";
import type { Hooks } from "./hooks.ts";
import type { WireEntry } from "./wire.ts";

/** One command of the source's stream. */
export interface StreamCommand {
  args: Uint8Array[];
  raw: Uint8Array;
  /** Bytes of the command in the stream (for offsets). */
  bytes: number;
}

/** A command after the hooks: its bytes (possibly rewritten), or dropped. */
export interface HookedCommand {
  args: Uint8Array[];
  raw: Uint8Array;
  /** The command's keys after the hooks (for events); empty for keyless commands. */
  keys: Uint8Array[];
  db: number;
  dropped?: "filtered" | "mixed";
}

/** Commands of independent keys: a command with some keys dropped passes with the others. */
const SPLIT_KEYS = new Set(["del", "unlink", "touch", "exists"]);
const SPLIT_PAIRS = new Set(["mset", "msetnx"]);
const DELETES = new Set(["del", "unlink", "getdel"]);
const EXPIRES = new Set(["expire", "pexpire", "expireat", "pexpireat", "persist"]);
const FLUSHES = new Set(["flushdb", "flushall"]);
const encoder = new TextEncoder();

/** What a write command did to its keys, for change events; undefined for non-writes. */
export function changeKindOf(name: string, writes: boolean): ChangeKind | undefined {
  if (DELETES.has(name)) return "delete";
  if (EXPIRES.has(name)) return "expire";
  if (FLUSHES.has(name)) return "flush";
  return writes ? "set" : undefined;
}

/**
 * Runs the keys of stream commands through the hooks, one worker call for a whole batch of
 * commands, and rewrites every key position with the key the transform returned, so that a
 * rename keeps `MSET a 1 b 2`, `DEL a b` or `RENAME a b` consistent. A command whose keys are
 * all dropped is dropped; one with some keys dropped passes with the others when its keys are
 * independent (DEL, UNLINK, TOUCH, MSET), and is otherwise dropped as `mixed`, never
 * half-applied. Keys the selector does not match are dropped before the hooks see them.
 */
export async function hookCommands(
  commands: readonly StreamCommand[],
  startDb: number,
  selector: KeySelector,
  runner: HookRunner | undefined,
): Promise<HookedCommand[]> {
  const parsed: { refs: KeyRef[]; db: number; name: string }[] = [];
  const wire: WireEntry[] = [];
  let db = startDb;
  for (const command of commands) {
    const name = commandName(command.args);
    if (name === "select") db = Number(new TextDecoder().decode(command.args[1]));
    const spec = lookupCommand(command.args);
    const refs = spec ? extractKeys(spec, command.args) : [];
    parsed.push({ refs, db, name });
    for (const ref of refs) {
      if (selector.matches(ref.key)) {
        wire.push({ db, key: ref.key, command: name, source: "stream" });
      }
    }
  }
  const decisions = runner ? await runner.entries(wire, 0) : wire;
  let next = 0;
  return commands.map((command, i) => {
    const { refs, db, name } = parsed[i];
    if (refs.length === 0) return { args: command.args, raw: command.raw, keys: [], db };
    const kept: { ref: KeyRef; key: Uint8Array }[] = [];
    let renamed = false;
    for (const ref of refs) {
      const decision: HookDecision = selector.matches(ref.key) ? decisions[next++] : null;
      if (!decision) continue;
      renamed ||= decision.key !== ref.key;
      kept.push({ ref, key: decision.key });
    }
    const dropped = (why: "filtered" | "mixed") => ({ ...command, keys: [], db, dropped: why });
    if (kept.length === 0) return dropped("filtered");
    if (kept.length === refs.length && !renamed) {
      return { args: command.args, raw: command.raw, keys: kept.map((k) => k.key), db };
    }
    let args: Uint8Array[];
    if (kept.length === refs.length) {
      args = [...command.args];
      for (const { ref, key } of kept) args[ref.index] = key;
    } else if (SPLIT_KEYS.has(name)) {
      args = [command.args[0], ...kept.map((k) => k.key)];
    } else if (SPLIT_PAIRS.has(name)) {
      args = [
        encoder.encode("MSET"),
        ...kept.flatMap((k) => [k.key, command.args[k.ref.index + 1]]),
      ];
    } else return dropped("mixed");
    return { args, raw: encodeCommand(args).slice(), keys: kept.map((k) => k.key), db };
  });
}

/** The change events of one command that reached the receiver. */
export function commandEvents(
  command: HookedCommand,
  offset: number | undefined,
): ChangeEvent[] {
  if (command.dropped || command.args.length === 0) return [];
  const spec = lookupCommand(command.args);
  const name = commandName(command.args);
  const kind = changeKindOf(name, spec?.flags.has("write") ?? false);
  if (!kind) return [];
  if (kind === "flush") {
    return [{ kind, db: command.db, key: "", command: name, source: "stream", offset, index: 0 }];
  }
  // RENAME and MOVE take their first key away; the others are written.
  const moves = name === "rename" || name === "renamenx" || name === "move";
  return command.keys.map((key, index) => ({
    kind: moves && index === 0 ? "delete" as const : kind,
    db: command.db,
    key: keyToText(key),
    command: name,
    source: "stream",
    offset,
    index,
  }));
}

/**
 * Stream commands through the hooks, then their change events to the sinks (positioned at each
 * command's end offset in the source's stream `replid`); resolves once the sinks acknowledged,
 * so the commands can be passed on after what they caused was delivered.
 */
export async function hookStream(
  commands: readonly StreamCommand[],
  endOffset: number,
  replid: string,
  startDb: number,
  selector: KeySelector,
  hooks: Hooks,
): Promise<HookedCommand[]> {
  const hooked = await hookCommands(commands, startDb, selector, hooks.runner);
  if (hooks.delivery?.active) {
    let offset = endOffset - commands.reduce((n, c) => n + c.bytes, 0);
    const events = hooked.flatMap((command, i) =>
      commandEvents(command, offset += commands[i].bytes)
    );
    await hooks.delivery.deliver(events, replid);
  }
  return hooked;
}
