import { globToRegExp } from "../util/mod.ts";

type KeyMatcher = (key: Uint8Array) => boolean;

const GLOB_SPECIAL = /[*?[\\]/;

/**
 * One pattern as a matcher. The common shapes, `prefix*` and a plain key, compare bytes;
 * others run Redis's glob as a RegExp over one character per byte.
 */
function compile(pattern: Uint8Array): KeyMatcher {
  const text = latin1(pattern);
  const star = text.indexOf("*");
  if (!GLOB_SPECIAL.test(text)) {
    return (key) => key.length === pattern.length && startsWith(key, pattern);
  }
  if (star === text.length - 1 && !GLOB_SPECIAL.test(text.slice(0, star))) {
    const prefix = pattern.subarray(0, star);
    return (key) => startsWith(key, prefix);
  }
  const regex = globToRegExp(text);
  return (key) => regex.test(latin1(key));
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/**
 * The keys a user may touch: Redis glob patterns (`app:*`, `user:?`, `[ab]:*`), matched on the
 * key's bytes as Redis's stringmatchlen does. `*` or `allkeys` admits every key; no pattern
 * admits none.
 */
export class KeyPatterns {
  readonly allKeys: boolean;
  #matchers: readonly KeyMatcher[];

  constructor(patterns: readonly string[]) {
    this.allKeys = patterns.some((p) => p === "*" || p.toLowerCase() === "allkeys");
    const encoder = new TextEncoder();
    this.#matchers = this.allKeys ? [] : patterns.map((p) => compile(encoder.encode(p)));
  }

  matches(key: Uint8Array): boolean {
    if (this.allKeys) return true;
    for (const matcher of this.#matchers) if (matcher(key)) return true;
    return false;
  }
}

/** One character per byte, so `?` is one byte, as in Redis. */
function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  return text;
}
