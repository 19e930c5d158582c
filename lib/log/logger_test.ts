import assert from "node:assert/strict";
import { Logger, type LoggerOptions } from "./logger.ts";

function capture(options: LoggerOptions = {}) {
  const lines: string[] = [];
  let now = Date.parse("2026-12-01T10:00:00.000Z");
  const logger = new Logger({ write: (line) => lines.push(line), now: () => now, ...options });
  return { logger, lines, advance: (ms: number) => now += ms };
}

Deno.test("Logger writes text lines with quoted fields where needed", () => {
  const { logger, lines } = capture();
  logger.info("client connected", { client: 7, addr: "127.0.0.1:5000", note: "two words" });
  assert.deepEqual(lines, [
    '2026-12-01T10:00:00.000Z INFO client connected client=7 addr=127.0.0.1:5000 note="two words"',
  ]);
});

Deno.test("Logger writes one JSON object per line", () => {
  const { logger, lines } = capture({ format: "json" });
  logger.warn("upstream error", { target: "source", error: "connection refused" });
  assert.deepEqual(JSON.parse(lines[0]), {
    time: "2026-12-01T10:00:00.000Z",
    level: "warn",
    msg: "upstream error",
    target: "source",
    error: "connection refused",
  });
});

Deno.test("Logger drops lines below its level", () => {
  const { logger, lines } = capture({ level: "warn" });
  logger.debug("a");
  logger.info("b");
  logger.warn("c");
  logger.error("d");
  assert.deepEqual(lines.map((l) => l.split(" ").slice(1).join(" ")), ["WARN c", "ERROR d"]);
  assert.equal(logger.enabled("info"), false);
  assert.equal(logger.enabled("error"), true);
});

Deno.test("Logger collapses a burst of one line and reports how many it held back", () => {
  const { logger, lines, advance } = capture({ repeatWindowMs: 1000 });
  for (let i = 0; i < 100; i++) logger.warn("upstream error", { target: "source" });
  logger.warn("another line");
  assert.equal(lines.length, 2);
  advance(1000);
  logger.warn("upstream error", { target: "source" });
  assert.match(lines[2], /WARN upstream error target=source repeated=99$/);
});

Deno.test("Logger keeps the latest warnings and errors, written or not", () => {
  const { logger } = capture({ level: "error", keepRecent: 2 });
  logger.info("not kept");
  logger.warn("first");
  logger.warn("second");
  logger.error("third", { code: 1 });
  assert.deepEqual(
    logger.recent().map((e) => [e.level, e.message, e.fields]),
    [["warn", "second", {}], ["error", "third", { code: 1 }]],
  );
});
