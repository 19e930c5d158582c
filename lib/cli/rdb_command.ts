import { parseArgs } from "node:util";
import {
  bytesJson,
  dataTypeOf,
  entryJson,
  filterRdb,
  forEachRecord,
  keyToText,
  type RdbRecord,
  RdbSyntaxError,
  summarizeRdb,
} from "../rdb/mod.ts";
import { globToRegExp, printableKey } from "../util/mod.ts";
import type { Output } from "./main.ts";
import { parseRegex } from "./parse_regex.ts";
import { UsageError } from "./usage_error.ts";

export const RDB_USAGE = `Usage: remiro rdb info FILE
       remiro rdb keys FILE [--match GLOB] [--regex REGEX]
       remiro rdb json FILE [--match GLOB] [--regex REGEX]
       remiro rdb filter --regex REGEX [--exclude REGEX] IN OUT

Reads Redis RDB snapshots of any version (Redis 2.x to 8.0) without loading them.

  info     version, AUX fields, keys per database and type, expiries, largest keys
  keys     one line per key: database, type, key
  json     one JSON object per key: db, key, type, expiresAt (ms), value
  filter   write OUT with only the keys whose name matches --regex and not --exclude;
           entries are copied byte for byte, OUT loads in redis-server
`;

/** Lines are handed to the output in batches: millions of keys are common. */
class LineBatcher {
  #lines: string[] = [];
  constructor(readonly output: Output) {}
  add(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length >= 1000) this.flush();
  }
  flush(): void {
    if (this.#lines.length) this.output.out(this.#lines.join("\n"));
    this.#lines = [];
  }
}

async function openInput(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path);
  } catch (error) {
    throw new UsageError(`cannot open ${path}: ${(error as Error).message}`);
  }
}

/** Runs `remiro rdb ...`; resolves with the exit code (1 for a corrupt file, 2 for bad usage). */
export async function runRdbCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      match: { type: "string" },
      regex: { type: "string" },
      exclude: { type: "string" },
      help: { type: "boolean" },
    },
  });
  const [verb, ...files] = positionals;
  if (values.help || verb === undefined) {
    output.out(RDB_USAGE);
    return values.help ? 0 : 2;
  }
  const selector = values.match === undefined
    ? parseRegex(values.regex, "--regex")
    : globToRegExp(values.match);
  const wantFiles = verb === "filter" ? 2 : 1;
  if (files.length !== wantFiles) {
    throw new UsageError(`rdb ${verb} takes ${wantFiles === 2 ? "IN and OUT" : "one FILE"}`);
  }
  try {
    switch (verb) {
      case "info":
        await info(files[0], output);
        return 0;
      case "keys":
      case "json":
        await listKeys(files[0], verb, selector, output);
        return 0;
      case "filter":
        if (values.regex === undefined) throw new UsageError("rdb filter needs --regex");
        await filter(
          files[0],
          files[1],
          selector!,
          parseRegex(values.exclude, "--exclude"),
          output,
        );
        return 0;
      default:
        throw new UsageError(`unknown rdb command "${verb}"`);
    }
  } catch (error) {
    if (!(error instanceof RdbSyntaxError)) throw error;
    output.err(`remiro: ${error.message}`);
    return 1;
  }
}

async function info(path: string, output: Output): Promise<void> {
  using file = await openInput(path);
  const summary = await summarizeRdb(file.readable);
  const lines = [`${path}: RDB version ${summary.version}, ${summary.fileBytes} bytes`];
  for (const [name, value] of Object.entries(summary.aux)) lines.push(`  aux ${name} = ${value}`);
  if (summary.functions) lines.push(`  function libraries: ${summary.functions}`);
  if (summary.moduleAux) lines.push(`  module aux records: ${summary.moduleAux}`);
  let total = 0;
  for (const [db, s] of [...summary.dbs].sort((a, b) => a[0] - b[0])) {
    total += s.keys;
    const types = Object.entries(s.types).map(([t, n]) => `${t} ${n}`).join(", ");
    lines.push(`  db ${db}: ${s.keys} keys (${s.withExpiry} with expiry): ${types}`);
  }
  lines.push(`  total: ${total} keys`);
  if (summary.largest.length) lines.push("  largest values (encoded bytes):");
  for (const k of summary.largest) {
    lines.push(
      `    ${String(k.bytes).padStart(10)}  ${k.type.padEnd(6)}  db ${k.db}  ${
        printableKey(k.key)
      }`,
    );
  }
  output.out(lines.join("\n"));
}

async function listKeys(
  path: string,
  verb: "keys" | "json",
  selector: RegExp | undefined,
  output: Output,
): Promise<void> {
  using file = await openInput(path);
  const lines = new LineBatcher(output);
  await forEachRecord(file.readable, (record) => {
    if (record.kind !== "entry" && record.kind !== "largevalue") return;
    const key = record.kind === "entry" ? record.entry.key : record.key;
    if (selector && !selector.test(keyToText(key))) return;
    if (verb === "json") {
      lines.add(record.kind === "entry" ? entryJson(record.entry) : largeValueJson(record));
    } else {
      const { db, type } = record.kind === "entry" ? record.entry : record;
      lines.add(`${db}\t${dataTypeOf(type)}\t${printableKey(key)}`);
    }
  });
  lines.flush();
}

/** A value too large to decode is listed with its size instead. */
function largeValueJson(record: Extract<RdbRecord, { kind: "largevalue" }>): string {
  return JSON.stringify({
    db: record.db,
    key: bytesJson(record.key),
    type: dataTypeOf(record.type),
    expiresAt: record.expiresAt ?? null,
    value: null,
    notDecoded: `${record.valueBytes} bytes`,
  });
}

/** Writes OUT through a temporary file renamed at the end, so a failure leaves no half file. */
async function filter(
  input: string,
  outPath: string,
  include: RegExp,
  exclude: RegExp | undefined,
  output: Output,
): Promise<void> {
  using file = await openInput(input);
  const temporary = `${outPath}.tmp-${Deno.pid}`;
  const out = await Deno.open(temporary, { write: true, create: true, truncate: true });
  try {
    const write = (chunk: Uint8Array) => {
      for (let at = 0; at < chunk.length;) at += out.writeSync(chunk.subarray(at));
    };
    const stats = await filterRdb(file.readable, write, { include, exclude });
    out.close();
    await Deno.rename(temporary, outPath);
    output.err(
      `${outPath}: kept ${stats.kept} of ${stats.keys} keys, ${stats.bytesOut} of ${stats.bytesIn} bytes`,
    );
  } catch (error) {
    try {
      out.close();
    } catch { /* already closed */ }
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
