const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

/**
 * The part of a key that is hashed: the text between the first `{` and the next `}` when it is
 * not empty (a hash tag, as Redis Cluster and twemproxy's `hash_tag: "{}"` read it), else the
 * whole key.
 */
export function hashTag(key: Uint8Array): Uint8Array {
  const open = key.indexOf(OPEN);
  if (open >= 0) {
    const close = key.indexOf(CLOSE, open + 1);
    if (close > open + 1) return key.subarray(open + 1, close);
  }
  return key;
}

/** `hash=` in bytes. */
const PREFIX = new TextEncoder().encode("hash=");

function startsWithPrefix(arg: Uint8Array): boolean {
  if (arg.length < PREFIX.length) return false;
  for (let i = 0; i < PREFIX.length; i++) if (arg[i] !== PREFIX[i]) return false;
  return true;
}

/** A command with its `hash=KEY` override taken off. */
export interface HashOverride {
  /** The arguments to send (without the override; an escaped value unescaped). */
  args: Uint8Array[];
  /** The key that chooses the node, when the command carried one. */
  key?: Uint8Array;
}

/**
 * Reads the ring's routing override: when the last argument (not the command name) starts
 * with `hash=` (lower case, exactly), the rest of it is the key that chooses the node and the
 * argument is not sent. A value that really starts with `hash=` is written with one more `=`
 * (`hash==x` is sent as `hash=x`, `hash===x` as `hash==x`), and is then not an override.
 */
export function takeHashOverride(args: Uint8Array[]): HashOverride {
  if (args.length < 2) return { args };
  const last = args[args.length - 1];
  if (!startsWithPrefix(last)) return { args };
  if (last[PREFIX.length] === 0x3d) {
    const unescaped = [...args];
    // "hash==x" loses its first "=" after "hash": rebuild it as "hash" + "=x".
    unescaped[args.length - 1] = concat(PREFIX.subarray(0, 4), last.subarray(PREFIX.length));
    return { args: unescaped };
  }
  return { args: args.slice(0, -1), key: last.subarray(PREFIX.length) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
