/**
 * ASCII-only lower-casing of one byte: Redis matches command names and option words with
 * strcasecmp, and they are all ASCII.
 */
export function lowerAscii(byte: number): number {
  return byte >= 65 && byte <= 90 ? byte + 32 : byte;
}

/**
 * True when `bytes` spells `lowerWord` (which must be lower-case ASCII) in any letter case,
 * without decoding `bytes` into a string.
 *
 * @example
 * ```ts
 * console.assert(equalsIgnoreCase(new TextEncoder().encode("ReplAce"), "replace"));
 * ```
 */
export function equalsIgnoreCase(bytes: Uint8Array | undefined, lowerWord: string): boolean {
  if (bytes === undefined || bytes.length !== lowerWord.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    if (lowerAscii(bytes[i]) !== lowerWord.charCodeAt(i)) return false;
  }
  return true;
}

/** Lower-cased (ASCII) bytes decoded as Latin-1, for names the table does not know. */
export function lowerAsciiString(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(lowerAscii(bytes[i]));
  return out;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashLower(bytes: Uint8Array): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ lowerAscii(bytes[i]), FNV_PRIME);
  return hash >>> 0;
}

/**
 * A fixed map from ASCII names to values, looked up by the raw bytes of a request argument in
 * any letter case. Every request goes through a command-name lookup, so this one hashes and
 * compares the bytes directly instead of allocating a lower-case string per request.
 *
 * @example
 * ```ts
 * const map = new ByteNameMap([["get", 1], ["set", 2]]);
 * console.assert(map.get(new TextEncoder().encode("SeT")) === 2);
 * ```
 */
export class ByteNameMap<V> {
  /** Number of names. */
  readonly size: number;
  /** The longest name: longer arguments cannot match, so they are not even hashed. */
  #longest = 0;
  readonly #mask: number;
  // Open addressing with linear probing over parallel arrays, kept at most half full.
  readonly #names: (Uint8Array | undefined)[];
  readonly #values: (V | undefined)[];

  /** `entries` names are matched case-insensitively; a repeated name throws. */
  constructor(entries: Iterable<readonly [string, V]>) {
    const list = [...entries];
    let capacity = 8;
    while (capacity < list.length * 2) capacity *= 2;
    this.#mask = capacity - 1;
    this.#names = new Array(capacity).fill(undefined);
    this.#values = new Array(capacity).fill(undefined);
    this.size = list.length;
    for (const [name, value] of list) {
      const bytes = new Uint8Array(name.length);
      for (let i = 0; i < name.length; i++) {
        const code = name.charCodeAt(i);
        if (code > 127) throw new Error(`ByteNameMap: ${JSON.stringify(name)} is not ASCII`);
        bytes[i] = lowerAscii(code);
      }
      if (this.get(bytes) !== undefined) {
        throw new Error(`ByteNameMap: ${JSON.stringify(name)} appears twice`);
      }
      let slot = hashLower(bytes) & this.#mask;
      while (this.#names[slot] !== undefined) slot = (slot + 1) & this.#mask;
      this.#names[slot] = bytes;
      this.#values[slot] = value;
      this.#longest = Math.max(this.#longest, bytes.length);
    }
  }

  /** The value of the name `bytes` spells in any letter case, or undefined. */
  get(bytes: Uint8Array): V | undefined {
    if (bytes.length > this.#longest) return undefined;
    let slot = hashLower(bytes) & this.#mask;
    while (true) {
      const name = this.#names[slot];
      if (name === undefined) return undefined;
      if (sameLower(name, bytes)) return this.#values[slot];
      slot = (slot + 1) & this.#mask;
    }
  }
}

function sameLower(lowerName: Uint8Array, bytes: Uint8Array): boolean {
  if (lowerName.length !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (lowerName[i] !== lowerAscii(bytes[i])) return false;
  return true;
}
