import {
  buildRdb,
  decodeDump,
  encodeDump,
  filterRdb,
  forEachRecord,
  RdbEntry,
  RdbParser,
  type RdbParserOptions,
  type RdbRecord,
  RdbSyntaxError,
  summarizeRdb,
} from "../lib/rdb/mod.ts";
import { type FuzzTarget, InvariantError } from "./engine.ts";
import { chunks, mutate, Prng } from "./mutate.ts";
import { syntheticValue } from "./rdb_synthetic.ts";

// Flags in the first input byte; the rest is an RDB file or a DUMP payload.
const DUMP = 1;
const VERIFY_CHECKSUM = 2;
const SMALL_LARGE_VALUES = 4;
const ASYNC = 8;

interface Fixture {
  version: number;
  whole: Uint8Array;
  /** Records other than entries and EOF (aux fields, SELECTDB, functions ...). */
  others: Uint8Array[];
  entries: RdbEntry[];
}

const FIXTURES = new URL("../tests/fixtures/rdb/", import.meta.url);
const FIXTURE_FILES = ["2.8.24", "6.2.16", "7.0.15", "7.4.1"].map((v) => `redis-${v}.rdb`);

function splitFixture(whole: Uint8Array): Fixture {
  const parser = new RdbParser();
  parser.push(whole);
  parser.end();
  const fixture: Fixture = { version: 0, whole, others: [], entries: [] };
  for (let record = parser.next(); record; record = parser.next()) {
    if (record.kind === "entry") fixture.entries.push(record.entry);
    else if (record.kind !== "header" && record.kind !== "eof") fixture.others.push(record.raw);
  }
  fixture.version = parser.version;
  return fixture;
}

/** A small file: the fixture's header, a few of its other records, a few of its keys. */
function smallRdb(rng: Prng, fixture: Fixture): Uint8Array {
  return buildRdb((writer) => {
    const others = rng.below(3);
    for (let i = 0; i < others; i++) writer.raw(rng.pick(fixture.others));
    const keys = 1 + rng.below(6);
    for (let i = 0; i < keys; i++) writer.raw(rng.pick(fixture.entries).raw);
  }, { version: fixture.version });
}

function generateRdb(rng: Prng, fixtures: Fixture[], flags: number): Uint8Array {
  const fixture = rng.pick(fixtures);
  // Whole fixtures are ~250 KB, so they are a small share of the cases.
  const base = rng.chance(0.003) ? fixture.whole : smallRdb(rng, fixture);
  const donors = [rng.pick(rng.pick(fixtures).entries).raw, smallRdb(rng, rng.pick(fixtures))];
  const body = rng.chance(0.9) ? mutate(rng, base, donors) : base;
  const input = new Uint8Array(body.length + 1);
  input[0] = flags;
  input.set(body, 1);
  return input;
}

function generateDump(rng: Prng, fixtures: Fixture[], flags: number): Uint8Array {
  const fixture = rng.pick(fixtures);
  const entry = rng.chance(0.25) ? syntheticValue(rng) : rng.pick(fixture.entries);
  const body = new Uint8Array(entry.payload.length + 1);
  body[0] = entry.type;
  body.set(entry.payload, 1);
  let dump: Uint8Array;
  if (rng.chance(0.85)) {
    // Mutate the value and seal it with a correct checksum, so the decoder gets past the CRC.
    const donor = rng.pick(rng.pick(fixtures).entries).payload;
    const mutated = rng.chance(0.8) ? mutate(rng, body, [donor]) : body;
    // Listpack types need a version that has them.
    const version = Math.max(fixture.version, 11);
    dump = encodeDump({ type: mutated[0] ?? 0, payload: mutated.subarray(1) }, version);
  } else {
    dump = mutate(rng, encodeDump({ type: entry.type, payload: entry.payload }, fixture.version));
  }
  const input = new Uint8Array(dump.length + 1);
  input[0] = flags | DUMP;
  input.set(dump, 1);
  return input;
}

function optionsFor(flags: number): RdbParserOptions {
  return {
    verifyChecksum: (flags & VERIFY_CHECKSUM) !== 0,
    largeValueBytes: (flags & SMALL_LARGE_VALUES) !== 0 ? 48 : undefined,
  };
}

function expectSyntaxError(error: unknown): RdbSyntaxError {
  if (error instanceof RdbSyntaxError) return error;
  throw error;
}

/** Decodes an entry and checks that its DUMP form decodes back to the same parts. */
function decodeEntry(entry: RdbEntry, version: number): string {
  try {
    entry.decode();
  } catch (error) {
    return expectSyntaxError(error).message;
  }
  const dumped = decodeDump(entry.dump(version));
  if (dumped.type !== entry.type || dumped.payload.length !== entry.payload.length) {
    throw new InvariantError(`DUMP of entry at ${entry.payloadOffset} does not round-trip`);
  }
  return "ok";
}

/**
 * What parsing the pieces gave: record kinds, decode outcomes and the error, in order; large
 * values count their bytes, since how they are cut into chunks depends on the pieces.
 */
function parsePieces(pieces: Uint8Array[], options: RdbParserOptions): string {
  const parser = new RdbParser(options);
  const seen: string[] = [];
  let valueBytes = 0;
  const visit = (record: RdbRecord) => {
    if (record.kind === "valuechunk") {
      valueBytes += record.raw.length;
      if (record.last) seen.push(`value ${valueBytes}`);
    } else if (record.kind === "entry") {
      seen.push(`entry ${decodeEntry(record.entry, parser.version)}`);
    } else seen.push(record.kind);
  };
  try {
    for (const piece of pieces) {
      parser.push(piece);
      for (let r = parser.next(); r; r = parser.next()) visit(r);
      if (parser.done) return seen.join("\n");
    }
    parser.end();
    for (let r = parser.next(); r; r = parser.next()) visit(r);
    if (!parser.done) throw new InvariantError("input ended without an error or an EOF record");
  } catch (error) {
    seen.push(`error ${expectSyntaxError(error).message}`);
  }
  return seen.join("\n");
}

async function countEntriesAsync(pieces: Uint8Array[], options: RdbParserOptions): Promise<string> {
  let entries = 0;
  try {
    await forEachRecord(source(pieces), (record) => {
      if (record.kind === "entry") entries++;
    }, options);
  } catch (error) {
    return `${entries} ${expectSyntaxError(error).message}`;
  }
  return `${entries}`;
}

function checkRdb(body: Uint8Array, flags: number): Promise<void> | void {
  const rng = Prng.fromBytes(body);
  const options = optionsFor(flags);
  const whole = parsePieces([body], options);
  const pieces = chunks(rng, body);
  const split = parsePieces(pieces, options);
  if (whole !== split) {
    throw new InvariantError(
      `one chunk gave "${whole.slice(-200)}" but pieces "${split.slice(-200)}"`,
    );
  }
  if ((flags & ASYNC) !== 0) return checkAsync(whole, pieces, options);
}

/** forEachRecord must see the entries, and the error, that the sync parser saw. */
async function checkAsync(
  whole: string,
  pieces: Uint8Array[],
  options: RdbParserOptions,
): Promise<void> {
  const lines = whole.split("\n");
  const entries = lines.filter((line) => line.startsWith("entry ")).length;
  const last = lines[lines.length - 1];
  const error = last.startsWith("error ") ? last.slice(6) : undefined;
  const expected = error ? `${entries} ${error}` : `${entries}`;
  const got = await countEntriesAsync(pieces, options);
  if (got !== expected) throw new InvariantError(`forEachRecord gave ${got}, not ${expected}`);
  // The whole-file passes built on it: a summary, and a filter that keeps some of the keys.
  await expectErrorIf(error, summarizeRdb(source(pieces), options));
  await expectErrorIf(
    error,
    filterRdb(source(pieces), () => {}, { ...options, include: /^[a-m]/ }),
  );
}

async function* source(pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* pieces;
}

/** Resolves if `pass` ends with `error` (or succeeds when that is undefined). */
async function expectErrorIf(error: string | undefined, pass: Promise<unknown>): Promise<void> {
  let message: string | undefined;
  try {
    await pass;
  } catch (thrown) {
    message = expectSyntaxError(thrown).message;
  }
  if (message !== error) throw new InvariantError(`error "${message}", not "${error}"`);
}

function checkDump(dump: Uint8Array): void {
  let decoded;
  try {
    decoded = decodeDump(dump);
  } catch (error) {
    expectSyntaxError(error);
    return;
  }
  const entry = new RdbEntry(0, new Uint8Array(0), decoded.type, decoded.payload, 1, dump);
  try {
    entry.decode();
  } catch (error) {
    expectSyntaxError(error);
  }
}

/**
 * The RDB parser (sync push parser, and forEachRecord for some inputs) on mutated fixtures, and
 * DUMP payloads: results or RdbSyntaxError only, the same in any chunking.
 */
export async function createRdbTarget(): Promise<FuzzTarget> {
  const fixtures = await Promise.all(
    FIXTURE_FILES.map(async (name) => splitFixture(await Deno.readFile(new URL(name, FIXTURES)))),
  );
  return {
    name: "rdb",
    generate(rng: Prng): Uint8Array {
      let flags = rng.chance(0.3) ? VERIFY_CHECKSUM : 0;
      if (rng.chance(0.2)) flags |= SMALL_LARGE_VALUES;
      if (rng.chance(0.02)) flags |= ASYNC;
      return rng.chance(0.35)
        ? generateDump(rng, fixtures, flags)
        : generateRdb(rng, fixtures, flags);
    },
    check(input: Uint8Array): Promise<void> | void {
      if (input.length === 0) return;
      const flags = input[0];
      const body = input.subarray(1);
      if ((flags & DUMP) !== 0) return checkDump(body);
      return checkRdb(body, flags);
    },
  };
}
