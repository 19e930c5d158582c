import { RdbParser, type RdbParserOptions, type RdbRecord } from "./rdb_parser.ts";

/** Where RDB bytes come from: a stream, any async iterable of chunks, or one buffer. */
export type RdbSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array;

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
  const parser = new RdbParser(options);
  if (source instanceof Uint8Array) {
    parser.push(source);
    parser.end();
    yield* drain(parser);
    return;
  }
  const iterable = source instanceof ReadableStream ? source.values() : source;
  const iterator = iterable[Symbol.asyncIterator]();
  try {
    while (!parser.done) {
      const result = await iterator.next();
      if (result.done) parser.end();
      else parser.push(result.value);
      yield* drain(parser);
      if (result.done) break;
    }
  } finally {
    await iterator.return?.();
  }
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
  const parser = new RdbParser(options);
  const feed = (chunk: Uint8Array | undefined) => {
    if (chunk) parser.push(chunk);
    else parser.end();
    for (let record = parser.next(); record; record = parser.next()) visit(record);
  };
  if (source instanceof Uint8Array) {
    feed(source);
    feed(undefined);
    return;
  }
  const iterable = source instanceof ReadableStream ? source.values() : source;
  const iterator = iterable[Symbol.asyncIterator]();
  try {
    while (!parser.done) {
      const result = await iterator.next();
      feed(result.done ? undefined : result.value);
      if (result.done) break;
    }
  } finally {
    await iterator.return?.();
  }
}

function* drain(parser: RdbParser): Generator<RdbRecord> {
  for (let record = parser.next(); record; record = parser.next()) yield record;
}
