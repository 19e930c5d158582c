/// <reference lib="deno.worker" />
/**
 * The worker a hooks module runs in, with only the permissions the user granted. It turns
 * packed entries into {@link HookEntry} objects (values decoded only when read), runs `filter`
 * and `transform`, and answers with what changed; `onChange` gets events.
 */
import { dataTypeOf, encodeValue, keyToText, type RdbValue } from "../rdb/mod.ts";
import { RdbEntry } from "../rdb/rdb_entry.ts";
import type {
  ChangeEvent,
  HookEntry,
  HooksModule,
  HookSource,
  TransformResult,
} from "./hook_types.ts";
import {
  type FromWorker,
  packResults,
  type ToWorker,
  unpackEntries,
  type WireEntry,
  type WireResult,
} from "./wire.ts";

const encoder = new TextEncoder();
let hooks: HooksModule = {};

/** The entry a hook sees; tracks whether its value was read or replaced. */
class Entry implements HookEntry {
  db: number;
  key: Uint8Array | string;
  expiresAt?: number;
  readonly command?: string;
  readonly source: HookSource;
  /** The value was read or set since the last reset: a transform may have changed it. */
  touched = false;
  #value: RdbValue | undefined;
  #decoded = false;

  constructor(readonly wire: WireEntry) {
    this.db = wire.db;
    this.key = wire.key;
    this.expiresAt = wire.expiresAt;
    this.command = wire.command;
    this.source = wire.source;
  }

  get keyText(): string {
    return typeof this.key === "string" ? this.key : keyToText(this.key);
  }

  get type() {
    return this.wire.type === undefined ? undefined : dataTypeOf(this.wire.type);
  }

  get value(): RdbValue | undefined {
    this.touched = true;
    const { wire } = this;
    if (!this.#decoded && wire.type !== undefined && wire.payload) {
      this.#value = new RdbEntry(wire.db, wire.key, wire.type, wire.payload, 0, wire.payload)
        .decode();
    }
    this.#decoded = true;
    return this.#value;
  }

  set value(value: RdbValue | undefined) {
    this.touched = true;
    this.#decoded = true;
    this.#value = value;
  }

  toJSON() {
    const { db, keyText: key, type, expiresAt, command, source } = this;
    return { db, key, type, expiresAt, command, source };
  }
}

const bytesOf = (key: Uint8Array | string) => typeof key === "string" ? encoder.encode(key) : key;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What the transform's result means for the host. */
function resultOf(entry: Entry, out: HookEntry, rdbVersion: number): WireResult {
  const { wire } = entry;
  const key = bytesOf(out.key);
  const valueChanged = out !== entry || entry.touched;
  const value = valueChanged && wire.type !== undefined ? out.value : undefined;
  const same = sameBytes(key, wire.key) && out.db === wire.db &&
    out.expiresAt === wire.expiresAt && value === undefined;
  if (same) return 0;
  const changed: WireEntry = { ...wire, db: out.db, key: key.slice(), expiresAt: out.expiresAt };
  if (value) {
    const encoded = encodeValue(value, rdbVersion);
    changed.type = encoded.type;
    changed.payload = encoded.payload.slice();
  } else if (wire.payload) changed.payload = wire.payload.slice();
  return changed;
}

const failure = (error: unknown) => ({
  error: error instanceof Error ? error.message : String(error),
});

/** What transform returned, as a result. */
function transformed(entry: Entry, out: TransformResult, rdbVersion: number): WireResult {
  if (out === null || out === false) return null;
  return resultOf(entry, out ?? entry, rdbVersion);
}

function transform(entry: Entry, rdbVersion: number): WireResult | Promise<WireResult> {
  if (!hooks.transform) return 0;
  entry.touched = false;
  const out = hooks.transform(entry);
  return out instanceof Promise
    ? out.then((value) => transformed(entry, value, rdbVersion), failure)
    : transformed(entry, out, rdbVersion);
}

/**
 * Runs filter then transform on one entry. Sync hooks stay sync: a promise per entry would be
 * most of what an identity hook costs.
 */
function run(wire: WireEntry, rdbVersion: number): WireResult | Promise<WireResult> {
  const entry = new Entry(wire);
  try {
    const keep = hooks.filter ? hooks.filter(entry) : true;
    if (keep instanceof Promise) {
      return keep.then((kept) => (kept ? transform(entry, rdbVersion) : null), failure);
    }
    return keep ? transform(entry, rdbVersion) : null;
  } catch (error) {
    return failure(error);
  }
}

async function deliver(events: ChangeEvent[]): Promise<(string | null)[]> {
  const errors: (string | null)[] = [];
  for (const event of events) {
    try {
      await hooks.onChange?.(event);
      errors.push(null);
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return errors;
}

const reply = (message: FromWorker) => self.postMessage(message);

self.onmessage = async ({ data }: MessageEvent<ToWorker>) => {
  switch (data.op) {
    case "init":
      try {
        hooks = await import(data.module);
        const names = ["filter", "transform", "onChange"] as const;
        for (const name of names) {
          if (hooks[name] !== undefined && typeof hooks[name] !== "function") {
            throw new TypeError(`the export "${name}" is not a function`);
          }
        }
        reply({ op: "ready", exports: names.filter((name) => hooks[name]) });
      } catch (error) {
        reply({ op: "failed", error: error instanceof Error ? error.message : String(error) });
      }
      return;
    case "entries": {
      const results: WireResult[] = [];
      for (const wire of unpackEntries(data)) {
        const result = run(wire, data.rdbVersion);
        results.push(result instanceof Promise ? await result : result);
      }
      const packed = packResults(results);
      self.postMessage({ op: "results", id: data.id, ...packed } satisfies FromWorker, [
        packed.codes.buffer as ArrayBuffer,
      ]);
      return;
    }
    case "events":
      reply({ op: "delivered", id: data.id, errors: await deliver(data.events) });
  }
};
