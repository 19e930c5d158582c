import { RdbParser, type RdbParserOptions, type RdbRecord } from "./rdb_parser.ts";

/** Where RDB bytes come from: a stream, any async iterable of chunks, or one buffer. */
export type RdbSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array;

async function* chunksOf(source: RdbSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) yield source;
  else yield* source;
}

/**
 * Yields the records of an RDB file one at a time, from the header to the EOF record, reading
 * the source only as fast as records are consumed. Bytes after the EOF record (an AOF tail)
 * are not read. Throws {@link RdbSyntaxError} on corrupt or truncated input.
 *
 * @example
 * ```ts ignore
 * using file = await Deno.open("dump.rdb");
 * for await (const record of parseRdb(file.readable)) {
 *   if (record.kind === "entry") console.log(record.entry.keyText, record.entry.dataType);
 * }
 * ```
 */
export async function* parseRdb(
  source: RdbSource,
  options?: RdbParserOptions,
): AsyncGenerator<RdbRecord> {
  for await (const records of chunkedRecords(source, options)) yield* records;
}

/**
 * Calls `visit` for every record, synchronously per chunk read: the fast path for whole-file
 * passes such as filtering, with no promise per record.
 */
export async function forEachRecord(
  source: RdbSource,
  visit: (record: RdbRecord) => void,
  options?: RdbParserOptions,
): Promise<void> {
  for await (const records of chunkedRecords(source, options)) {
    for (const record of records) visit(record);
  }
}

/** The records completed by each chunk read, one array per chunk. */
async function* chunkedRecords(
  source: RdbSource,
  options?: RdbParserOptions,
): AsyncGenerator<RdbRecord[]> {
  const parser = new RdbParser(options);
  for await (const chunk of chunksOf(source)) {
    parser.push(chunk);
    yield* drain(parser);
    if (parser.done) return;
  }
  parser.end();
  yield* drain(parser);
}

/**
 * The records the parser can complete now, as one array; when it fails part-way, the records
 * before the corruption still come out first (how far a file was good must not depend on how it
 * was split into chunks), then the error.
 */
function* drain(parser: RdbParser): Generator<RdbRecord[]> {
  const records: RdbRecord[] = [];
  try {
    for (let record = parser.next(); record; record = parser.next()) records.push(record);
  } catch (error) {
    if (records.length > 0) yield records;
    throw error;
  }
  yield records;
}
