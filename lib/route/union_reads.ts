import { type CommandSpec, presenceTest } from "../commands/mod.ts";
import { type Copier, CopyFailed } from "../migrate/mod.ts";
import { encodeCommand, encodeInteger, integerValue, isErrorFrame } from "../resp/mod.ts";
import { distinctKeys, keyString } from "../util/key_string.ts";
import type { RouteContext } from "./router.ts";
import type { Target } from "./target.ts";
import type { MigrationSource } from "./migration_source.ts";

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
  source: MigrationSource;
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
  const sentAt = copier.changes.now();
  /** The keys of `keys` that exist on `target`, by name. */
  const existing = async (target: MigrationSource, keys: Uint8Array[]) => {
    const replies = await Promise.all(target.callAll(db, keys.map((key) => ["EXISTS", key])));
    const error = replies.find(isErrorFrame);
    if (error) throw new CopyFailed(error, "EXISTS refused");
    return new Set(keys.filter((_, i) => integerValue(replies[i]) === 1).map(name));
  };
  const name = (key: Uint8Array) => keyString(0, key);
  const keys = distinctKeys(args.slice(1));
  try {
    const found = await existing(destination, keys);
    const onSource = await existing(source, keys.filter((key) => !found.has(name(key))));
    // Missing on both: a key moved meanwhile is on the destination now.
    const moved = keys.filter((key) =>
      !found.has(name(key)) && !onSource.has(name(key)) &&
      copier.changes.changedSince(copier.keyName(db, key), sentAt)
    );
    const union = new Set([...found, ...onSource, ...await existing(destination, moved)]);
    return encodeInteger(args.slice(1).filter((key) => union.has(name(key))).length);
  } catch (error) {
    if (error instanceof CopyFailed) return error.reply;
    throw error;
  }
}
