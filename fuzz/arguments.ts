import { commandNames, lookupCommand } from "../lib/commands/mod.ts";
import { INTERESTING_NUMBERS, type Prng } from "./mutate.ts";

const encoder = new TextEncoder();

/** Every real command as its leading words: ["get"], ["config", "get"], ... */
export const COMMAND_WORDS: readonly (readonly string[])[] = [...commandNames()].map((name) =>
  name.split("|")
);

/** Option words that change how commands are parsed or where their keys are. */
const OPTION_WORDS = [
  "STORE",
  "BY",
  "LIMIT",
  "GET",
  "KEYS",
  "STREAMS",
  "COUNT",
  "BLOCK",
  "EX",
  "PX",
  "EXAT",
  "PXAT",
  "KEEPTTL",
  "NX",
  "XX",
  "GT",
  "LT",
  "CH",
  "INCR",
  "REPLACE",
  "COPY",
  "AUTH",
  "AUTH2",
  "WEIGHTS",
  "AGGREGATE",
  "WITHSCORES",
  "MATCH",
  "TYPE",
  "STOREDIST",
  "FROMMEMBER",
  "FROMLONLAT",
  "BYRADIUS",
  "BYBOX",
  "ASC",
  "DESC",
  "ALPHA",
  "IDLE",
  "FREQ",
  "ABSTTL",
  "LEFT",
  "RIGHT",
  "IFEQ",
  "*",
  "$",
  ">",
  "+",
  "-",
  "0-0",
].map((w) => encoder.encode(w));

function asciiCase(rng: Prng, word: string): Uint8Array {
  const bytes = encoder.encode(word);
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 97 && bytes[i] <= 122 && rng.chance(0.5)) bytes[i] -= 32;
  }
  return bytes;
}

/** One random argument: a number, an option word, an empty or binary string, a key-like name. */
export function randomArgument(rng: Prng): Uint8Array {
  switch (rng.below(8)) {
    case 0:
    case 1:
      return rng.pick(INTERESTING_NUMBERS);
    case 2:
    case 3:
      return rng.pick(OPTION_WORDS);
    case 4:
      return new Uint8Array(0);
    case 5:
      return rng.bytes(rng.below(rng.chance(0.9) ? 12 : 300));
    case 6:
      return asciiCase(rng, rng.pick(COMMAND_WORDS)[0]);
    default:
      return encoder.encode(`key:${rng.below(20)}`);
  }
}

/** How many arguments to add: often what the arity asks for, so that commands get past it. */
function extraCount(rng: Prng, args: Uint8Array[]): number {
  if (rng.chance(0.05)) return rng.below(300);
  const arity = lookupCommand(args)?.arity;
  if (arity === undefined || rng.chance(0.4)) return rng.below(9);
  const least = Math.abs(arity) - args.length;
  return Math.max(0, arity > 0 ? least : least + rng.below(5));
}

/** A real command (in random letter case, sometimes with its subcommand) and random arguments. */
export function randomCommand(rng: Prng): Uint8Array[] {
  const words = rng.pick(COMMAND_WORDS);
  const args = (rng.chance(0.9) ? words : words.slice(0, 1)).map((w) => asciiCase(rng, w));
  const extra = extraCount(rng, args);
  for (let i = 0; i < extra; i++) args.push(randomArgument(rng));
  return args;
}
