import {
  checkArity,
  commandName,
  commandNames,
  type CommandSpec,
  extractKeys,
  lookupCommand,
  lowerAsciiString,
  planCommand,
  presenceTest,
} from "../lib/commands/mod.ts";
import { decodeReply } from "../lib/resp/mod.ts";
import { refusedCommand } from "../lib/server/command_policy.ts";
import { randomArgument, randomCommand } from "./arguments.ts";
import { type FuzzTarget, InvariantError } from "./engine.ts";
import { mutate, type Prng } from "./mutate.ts";

/**
 * An argument vector as bytes, so that a failing one can be saved and replayed: a 16-bit count,
 * then per argument a 24-bit length and the bytes. Whatever does not parse is cut off.
 */
export function encodeArgs(args: readonly Uint8Array[]): Uint8Array {
  const size = args.reduce((n, a) => n + 3 + a.length, 2);
  const out = new Uint8Array(size);
  out[0] = args.length >> 8;
  out[1] = args.length & 0xff;
  let at = 2;
  for (const arg of args) {
    out[at] = arg.length >> 16;
    out[at + 1] = (arg.length >> 8) & 0xff;
    out[at + 2] = arg.length & 0xff;
    out.set(arg, at + 3);
    at += 3 + arg.length;
  }
  return out;
}

export function decodeArgs(input: Uint8Array): Uint8Array[] {
  const args: Uint8Array[] = [];
  const count = input.length >= 2 ? (input[0] << 8) | input[1] : 0;
  let at = 2;
  for (let i = 0; i < count && at + 3 <= input.length; i++) {
    const length = (input[at] << 16) | (input[at + 1] << 8) | input[at + 2];
    const start = at + 3;
    args.push(input.subarray(start, Math.min(input.length, start + length)));
    at = start + length;
  }
  return args;
}

function generate(rng: Prng): Uint8Array {
  const args = rng.chance(0.97) ? randomCommand(rng) : [randomArgument(rng)];
  // Argument-level edits: drop, duplicate or swap arguments, so option parsing sees odd orders.
  const edits = rng.below(3);
  for (let e = 0; e < edits && args.length > 1; e++) {
    const i = 1 + rng.below(args.length - 1);
    const action = rng.below(3);
    if (action === 0) args.splice(i, 1);
    else if (action === 1) args.splice(i, 0, args[i]);
    else [args[i], args[args.length - 1]] = [args[args.length - 1], args[i]];
  }
  const encoded = encodeArgs(args);
  return rng.chance(0.1) ? mutate(rng, encoded) : encoded;
}

const NAMES = commandNames();

function checkKeysWithin(
  what: string,
  args: readonly Uint8Array[],
  refs: readonly {
    index: number;
    key: Uint8Array;
  }[],
): void {
  let previous = 0;
  for (const { index, key } of refs) {
    if (!Number.isInteger(index) || index < 1 || index >= args.length) {
      throw new InvariantError(`${what}: key index ${index} outside 1..${args.length - 1}`);
    }
    if (key !== args[index]) {
      throw new InvariantError(`${what}: key at ${index} is not args[${index}]`);
    }
    if (index <= previous) {
      throw new InvariantError(`${what}: key indexes not increasing at ${index}`);
    }
    previous = index;
  }
}

function checkSpec(spec: CommandSpec, args: Uint8Array[]): void {
  if (!NAMES.has(spec.name)) throw new InvariantError(`lookup gave unknown name ${spec.name}`);
  const first = lowerAsciiString(args[0]);
  if (spec.name !== first && !spec.name.startsWith(`${first}|`)) {
    throw new InvariantError(`"${first}" looked up as ${spec.name}`);
  }
  if (commandName(args) !== spec.name) {
    throw new InvariantError("commandName disagrees with lookup");
  }
  const fits = checkArity(spec, args.length);
  const expected = spec.arity >= 0 ? args.length === spec.arity : args.length >= -spec.arity;
  if (fits !== expected) throw new InvariantError(`checkArity(${spec.name}, ${args.length})`);
  checkKeysWithin("extractKeys", args, extractKeys(spec, args));
  const plan = planCommand(args, spec);
  checkKeysWithin("planCommand", args, plan.keys);
  if ((plan.keys.length === 0) !== (plan.kind === "keyless")) {
    throw new InvariantError(`plan kind ${plan.kind} with ${plan.keys.length} keys`);
  }
  for (const key of plan.keys) {
    if (key.action !== "copy" && key.action !== "overwrite") {
      throw new InvariantError(`key action ${key.action}`);
    }
  }
  presenceTest(spec.name)?.(new TextEncoder().encode("$-1\r\n"));
}

function checkPolicy(name: string, allowFlush: boolean): void {
  const refusal = refusedCommand(name, { allowFlush });
  if (refusal === undefined) return;
  const reply = decodeReply(refusal);
  if (reply.type !== "error" || !reply.message.startsWith("ERR ")) {
    throw new InvariantError(`refusal of ${name} is not an ERR reply`);
  }
}

/**
 * The network-free command path: lookup, arity, key extraction, the migration plan and the
 * server's command policy. None may throw on any argument vector; keys must be arguments.
 */
export const routerTarget: FuzzTarget = {
  name: "router",
  generate,
  check(input: Uint8Array): void {
    const args = decodeArgs(input);
    const spec = lookupCommand(args);
    if (args.length === 0) {
      if (spec !== undefined) throw new InvariantError("a command found in no arguments");
      return;
    }
    const name = commandName(args);
    if (spec) checkSpec(spec, args);
    else {
      const plan = planCommand(args, undefined);
      if (plan.kind !== "keyless" || plan.keys.length > 0) {
        throw new InvariantError("an unknown command planned with keys");
      }
    }
    checkPolicy(name, (input.length & 1) === 1);
  },
};
