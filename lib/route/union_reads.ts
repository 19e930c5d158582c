import { type CommandSpec, presenceTest } from "../commands/mod.ts";
import type { Copier } from "../migrate/mod.ts";
import { encodeCommand, encodeInteger, integerValue, isErrorFrame } from "../resp/mod.ts";
import { keyString } from "../util/key_string.ts";
import type { RouteContext } from "./router.ts";
import type { Target } from "./target.ts";

/**
 * Reads about keys rather than of their values. In migration mode they answer for the union
 * of the two servers without copying anything: asking whether a key exists, or its type or
 * TTL, must not move data (a monitoring script running TYPE over every key would otherwise
 * migrate the whole database through the proxy).
 */
export const UNION_READS: ReadonlySet<string> = new Set([
  "exists",
  "type",
  "ttl",
  "pttl",
  "expiretime",
  "pexpiretime",
]);

/** The two servers of a migration and the copier whose change log tells moves apart. */
export interface UnionReadSources {
  source: Target;
  destination: Target;
  copier: Copier;
}

/**
 * Answers a command of {@linkcode UNION_READS}: the destination's answer for keys it holds,
 * the source's for the others. A key the proxy moved or deleted on the source after the
 * destination was asked is asked of the destination again.
 */
export function readUnion(
  servers: UnionReadSources,
  args: Uint8Array[],
  spec: CommandSpec,
  context: RouteContext,
): Promise<Uint8Array> {
  if (spec.name === "exists") return existsUnion(servers, args, context);
  return keyInfoUnion(servers, args, spec.name, context);
}

async function keyInfoUnion(
  { source, destination, copier }: UnionReadSources,
  args: Uint8Array[],
  command: string,
  context: RouteContext,
): Promise<Uint8Array> {
  const { db, protocol } = context;
  const present = presenceTest(command)!;
  const frame = encodeCommand(args);
  const sentAt = copier.changes.now();
  const onDestination = await destination.send(db, command, frame, protocol);
  if (present(onDestination)) return onDestination;
  const onSource = await source.send(db, command, frame, protocol);
  if (present(onSource)) return onSource;
  if (copier.changes.changedSince(copier.keyName(db, args[1]), sentAt)) {
    return destination.send(db, command, frame, protocol);
  }
  return onDestination;
}

/** EXISTS counts a key once per time it is named, like Redis. */
async function existsUnion(
  { source, destination, copier }: UnionReadSources,
  args: Uint8Array[],
  context: RouteContext,
): Promise<Uint8Array> {
  const { db } = context;
  const keys = uniqueKeys(args.slice(1));
  const sentAt = copier.changes.now();
  const exists = (target: Target, names: Uint8Array[]) =>
    Promise.all(target.callAll(db, names.map((key) => ["EXISTS", key])));
  const onDestination = await exists(destination, keys);
  const error = onDestination.find(isErrorFrame);
  if (error) return error;
  const found = new Set(keys.filter((_, i) => integerValue(onDestination[i]) === 1));
  const missing = keys.filter((key) => !found.has(key));
  if (missing.length > 0) {
    const onSource = await exists(source, missing);
    const moved: Uint8Array[] = [];
    missing.forEach((key, i) => {
      if (integerValue(onSource[i]) === 1) found.add(key);
      else if (copier.changes.changedSince(copier.keyName(db, key), sentAt)) moved.push(key);
    });
    const again = await exists(destination, moved);
    moved.forEach((key, i) => {
      if (integerValue(again[i]) === 1) found.add(key);
    });
  }
  let count = 0;
  const byName = new Map(keys.map((key) => [keyString(0, key), key]));
  for (const arg of args.slice(1)) if (found.has(byName.get(keyString(0, arg))!)) count++;
  return encodeInteger(count);
}

/** The distinct keys, as the first occurrence of each. */
function uniqueKeys(keys: Uint8Array[]): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  for (const key of keys) {
    const name = keyString(0, key);
    if (!seen.has(name)) seen.set(name, key);
  }
  return [...seen.values()];
}
