import { ByteBuilder } from "../lib/rdb/byte_builder.ts";
import { encodeListpack, type ListpackElement, RdbType } from "../lib/rdb/mod.ts";
import { randomArgument } from "./arguments.ts";
import type { Prng } from "./mutate.ts";

const encoder = new TextEncoder();

const INTEGERS = [0n, 1n, -1n, 127n, 128n, -4096n, 4095n, 2n ** 31n, 2n ** 63n - 1n, -(2n ** 63n)];
const SCORES = ["1", "-2.5", "inf", "-inf", "+inf", "nan", "1e308", "1e309", "0x10", " 1", ""];

/** An element: small or huge text, a number in text, or an integer listpack entry. */
function element(rng: Prng): ListpackElement {
  switch (rng.below(6)) {
    case 0:
      return rng.pick(INTEGERS);
    case 1:
      return encoder.encode(rng.pick(SCORES));
    case 2:
      // Long elements, of digits or not: text decoders must take them without spreading.
      if (rng.chance(0.1)) {
        const long = new Uint8Array(70_000 + rng.below(250_000));
        return long.fill(rng.chance(0.5) ? 0x31 : 0x41 + rng.below(26));
      }
      return rng.bytes(rng.below(300));
    default:
      return randomArgument(rng);
  }
}

function elements(rng: Prng, groups: number, size: number): ListpackElement[] {
  const out: ListpackElement[] = [];
  const count = groups * size + (rng.chance(0.1) ? 1 : 0);
  for (let i = 0; i < count; i++) out.push(element(rng));
  return out;
}

/**
 * A listpack-encoded value (hash, sorted set, set, quicklist, hash with field TTLs) built from
 * random elements, so the decoders see well-formed containers holding odd content; whole-byte
 * mutations of fixture files rarely produce those.
 */
export function syntheticValue(rng: Prng): { type: number; payload: Uint8Array } {
  const out = new ByteBuilder(64);
  const n = rng.below(6);
  switch (rng.below(5)) {
    case 0:
      out.rdbString(encodeListpack(elements(rng, n, 2)));
      return { type: RdbType.HASH_LISTPACK, payload: out.take() };
    case 1:
      out.rdbString(encodeListpack(elements(rng, n, 2)));
      return { type: RdbType.ZSET_LISTPACK, payload: out.take() };
    case 2:
      out.rdbString(encodeListpack(elements(rng, n, 1)));
      return { type: RdbType.SET_LISTPACK, payload: out.take() };
    case 3: {
      const nodes = 1 + rng.below(3);
      out.rdbLength(nodes);
      for (let i = 0; i < nodes; i++) {
        const plain = rng.chance(0.3);
        out.rdbLength(plain ? 1 : 2);
        if (plain) out.rdbString(randomArgument(rng));
        else out.rdbString(encodeListpack(elements(rng, n, 1)));
      }
      return { type: RdbType.LIST_QUICKLIST_2, payload: out.take() };
    }
    default:
      out.bytes(new Uint8Array(8).fill(rng.chance(0.5) ? 0 : 0xff));
      out.rdbString(encodeListpack(elements(rng, n, 3)));
      return { type: RdbType.HASH_LISTPACK_EX, payload: out.take() };
  }
}
