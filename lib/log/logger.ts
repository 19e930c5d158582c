/** How much a log line matters; lines below the logger's level are not written. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** `text`: one human-readable line per event; `json`: one JSON object per line. */
export type LogFormat = "text" | "json";

/** Structured details of an event. Never put a password or a stored value in them. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** One event, as kept for the status page's list of recent errors. */
export interface LogEntry {
  /** ISO 8601 time. */
  time: string;
  level: LogLevel;
  message: string;
  fields: LogFields;
}

/** What the proxy's parts log through. */
export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Options of {@linkcode Logger}. */
export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go (standard error by default). */
  write?: (line: string) => void;
  /** Identical lines within this many milliseconds are counted instead of written (5000). */
  repeatWindowMs?: number;
  /** How many recent warnings and errors {@linkcode Logger.recent} keeps (50). */
  keepRecent?: number;
  now?: () => number;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The levels, lowest first, for argument parsing. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

interface Repeat {
  since: number;
  suppressed: number;
}

/**
 * Writes one line per event in text or JSON, drops lines below its level, and collapses bursts
 * of the same line (a dead upstream under load fails thousands of requests a second, and one
 * line with a count says as much). Keeps the latest warnings and errors for the status page.
 *
 * @example
 * ```ts
 * import { Logger } from "./logger.ts";
 * const lines: string[] = [];
 * const log = new Logger({ format: "json", write: (line) => lines.push(line) });
 * log.info("config reloaded", { upstreamsChanged: true });
 * log.debug("not written at the default level");
 * console.assert(lines.length === 1 && JSON.parse(lines[0]).msg === "config reloaded");
 * ```
 */
export class Logger implements Log {
  #rank: number;
  #format: LogFormat;
  #write: (line: string) => void;
  #windowMs: number;
  #keep: number;
  #now: () => number;
  #repeats = new Map<string, Repeat>();
  #recent: LogEntry[] = [];

  constructor(options: LoggerOptions = {}) {
    this.#rank = RANK[options.level ?? "info"];
    this.#format = options.format ?? "text";
    this.#write = options.write ?? ((line) => console.error(line));
    this.#windowMs = options.repeatWindowMs ?? 5000;
    this.#keep = options.keepRecent ?? 50;
    this.#now = options.now ?? Date.now;
  }

  /** True when lines of `level` are written: lets callers skip building costly ones. */
  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.#rank;
  }

  debug(message: string, fields: LogFields = {}): void {
    this.#log("debug", message, fields);
  }

  info(message: string, fields: LogFields = {}): void {
    this.#log("info", message, fields);
  }

  warn(message: string, fields: LogFields = {}): void {
    this.#log("warn", message, fields);
  }

  error(message: string, fields: LogFields = {}): void {
    this.#log("error", message, fields);
  }

  /** The latest warnings and errors, oldest first (written or not). */
  recent(): readonly LogEntry[] {
    return this.#recent;
  }

  #log(level: LogLevel, message: string, fields: LogFields): void {
    const now = this.#now();
    const entry = { time: new Date(now).toISOString(), level, message, fields };
    if (RANK[level] >= RANK.warn) {
      this.#recent.push(entry);
      if (this.#recent.length > this.#keep) this.#recent.shift();
    }
    if (RANK[level] < this.#rank) return;
    const key = `${level} ${message} ${JSON.stringify(fields)}`;
    const repeat = this.#repeats.get(key);
    if (repeat && now - repeat.since < this.#windowMs) {
      repeat.suppressed++;
      return;
    }
    this.#repeats.set(key, { since: now, suppressed: 0 });
    if (this.#repeats.size > 1000) this.#forgetOld(now);
    const suppressed = repeat?.suppressed ?? 0;
    const written = suppressed === 0
      ? entry
      : { ...entry, fields: { ...fields, repeated: suppressed } };
    this.#write(this.#format === "json" ? jsonLine(written) : textLine(written));
  }

  #forgetOld(now: number): void {
    for (const [key, repeat] of this.#repeats) {
      if (now - repeat.since >= this.#windowMs) this.#repeats.delete(key);
    }
  }
}

function jsonLine(entry: LogEntry): string {
  return JSON.stringify({
    time: entry.time,
    level: entry.level,
    msg: entry.message,
    ...entry.fields,
  });
}

function textLine(entry: LogEntry): string {
  let line = `${entry.time} ${entry.level.toUpperCase()} ${entry.message}`;
  for (const [name, value] of Object.entries(entry.fields)) {
    if (value === undefined) continue;
    const text = String(value);
    line += /^[^\s"=]+$/.test(text) ? ` ${name}=${text}` : ` ${name}=${JSON.stringify(text)}`;
  }
  return line;
}
