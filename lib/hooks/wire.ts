import type { ChangeEvent, HookSource } from "./hook_types.ts";

/** An entry as the host holds it: the bytes of an RDB entry or a DUMP, or a stream key. */
export interface WireEntry {
  db: number;
  key: Uint8Array;
  /** The RDB type byte; absent for keys of stream commands. */
  type?: number;
  /** The value's RDB encoding (after the type byte); absent for keys of stream commands. */
  payload?: Uint8Array;
  expiresAt?: number;
  command?: string;
  source: HookSource;
}

/** Per entry: 0 unchanged, null dropped, the changed entry, or the hook's failure. */
export type WireResult = 0 | null | WireEntry | { error: string };

/** Numbers per entry in {@link Packed.numbers}: db, key length, type, payload length, expiry. */
const FIELDS = 5;
const SOURCES: HookSource[] = ["snapshot", "stream", "copy"];

/**
 * A batch of entries as two transferable buffers and a few strings: posting a thousand small
 * objects to a worker costs more than the hooks themselves.
 */
export interface Packed {
  bytes: Uint8Array;
  /** {@link FIELDS} numbers per entry; -1 for absent type and payload, NaN for no expiry. */
  numbers: Float64Array;
  /** Per entry: index into SOURCES. */
  sources: Uint8Array;
  /** Command names, for stream keys (undefined elsewhere). */
  commands?: (string | undefined)[];
}

/** Messages to the worker. */
export type ToWorker =
  | { op: "init"; module: string }
  | ({ op: "entries"; id: number; rdbVersion: number } & Packed)
  | { op: "events"; id: number; events: ChangeEvent[] };

/** Messages from the worker. */
export type FromWorker =
  | { op: "ready"; exports: string[] }
  | { op: "failed"; error: string }
  | ({ op: "results"; id: number } & PackedResults)
  | { op: "delivered"; id: number; errors: (string | null)[] };

/**
 * Entries in one buffer: keys and payloads are views into the parser's big chunks, and a view
 * posted to a worker would copy its whole buffer; one packed buffer is posted instead.
 */
export function packEntries(entries: readonly WireEntry[]): Packed {
  let size = 0;
  for (const entry of entries) size += entry.key.length + (entry.payload?.length ?? 0);
  const packer = new EntryPacker(size, entries.length);
  for (const entry of entries) packer.add(entry);
  return packer.take();
}

/**
 * Packs entries as they come: their bytes are copied at once, so the parser's chunks they point
 * into are not kept alive (and promoted by the garbage collector) until a batch is full.
 */
export class EntryPacker {
  #bytes: Uint8Array;
  #numbers: Float64Array;
  #sources: Uint8Array;
  #commands: (string | undefined)[] | undefined;
  #at = 0;
  #count = 0;

  constructor(bytes = 64 * 1024, entries = 1024) {
    this.#bytes = new Uint8Array(Math.max(bytes, 1));
    this.#numbers = new Float64Array(Math.max(entries, 1) * FIELDS);
    this.#sources = new Uint8Array(Math.max(entries, 1));
  }

  get count(): number {
    return this.#count;
  }

  add(entry: WireEntry): void {
    const size = entry.key.length + (entry.payload?.length ?? 0);
    if (this.#at + size > this.#bytes.length) {
      this.#bytes = grown(this.#bytes, Math.max(this.#bytes.length * 2, this.#at + size));
    }
    if (this.#count === this.#sources.length) {
      this.#sources = grown(this.#sources, this.#count * 2);
      this.#numbers = grown(this.#numbers, this.#count * 2 * FIELDS);
    }
    this.#bytes.set(entry.key, this.#at);
    this.#at += entry.key.length;
    if (entry.payload) {
      this.#bytes.set(entry.payload, this.#at);
      this.#at += entry.payload.length;
    }
    const i = this.#count++;
    const n = i * FIELDS;
    const numbers = this.#numbers;
    numbers[n] = entry.db;
    numbers[n + 1] = entry.key.length;
    numbers[n + 2] = entry.type ?? -1;
    numbers[n + 3] = entry.payload?.length ?? -1;
    numbers[n + 4] = entry.expiresAt ?? NaN;
    this.#sources[i] = SOURCES.indexOf(entry.source);
    if (entry.command !== undefined) (this.#commands ??= [])[i] = entry.command;
  }

  /** The entries added since the last take, in buffers of their own. */
  take(): Packed {
    const packed = {
      bytes: this.#bytes.slice(0, this.#at),
      numbers: this.#numbers.slice(0, this.#count * FIELDS),
      sources: this.#sources.slice(0, this.#count),
      commands: this.#commands,
    };
    this.#at = this.#count = 0;
    this.#commands = undefined;
    return packed;
  }
}

function grown<T extends Uint8Array | Float64Array>(array: T, length: number): T {
  const larger = new (array.constructor as new (length: number) => T)(length);
  larger.set(array);
  return larger;
}

/** The entries of {@link packEntries}, as views into its buffer. */
export function unpackEntries({ bytes, numbers, sources, commands }: Packed): WireEntry[] {
  let at = 0;
  const entries: WireEntry[] = [];
  for (let i = 0; i < sources.length; i++) {
    const n = i * FIELDS;
    const key = bytes.subarray(at, at += numbers[n + 1]);
    const payloadLength = numbers[n + 3];
    const payload = payloadLength < 0 ? undefined : bytes.subarray(at, at += payloadLength);
    const expiresAt = numbers[n + 4];
    entries.push({
      db: numbers[n],
      key,
      type: numbers[n + 2] < 0 ? undefined : numbers[n + 2],
      payload,
      expiresAt: Number.isNaN(expiresAt) ? undefined : expiresAt,
      command: commands?.[i],
      source: SOURCES[sources[i]],
    });
  }
  return entries;
}

/** Results as codes (0 unchanged, 1 dropped, 2 see `others`) and the few that carry data. */
export interface PackedResults {
  codes: Uint8Array;
  others: Record<number, WireEntry | { error: string }>;
}

export function packResults(results: readonly WireResult[]): PackedResults {
  const codes = new Uint8Array(results.length);
  const others: PackedResults["others"] = {};
  results.forEach((result, i) => {
    if (result === 0) return;
    if (result === null) codes[i] = 1;
    else {
      codes[i] = 2;
      others[i] = result;
    }
  });
  return { codes, others };
}

export function unpackResults({ codes, others }: PackedResults): WireResult[] {
  const results: WireResult[] = new Array(codes.length);
  for (let i = 0; i < codes.length; i++) {
    results[i] = codes[i] === 0 ? 0 : codes[i] === 1 ? null : others[i];
  }
  return results;
}
