/**
 * One line per event, as text or JSON, with levels; the latest warnings and errors are kept
 * for the status page.
 *
 * @module
 */
export {
  type Log,
  LOG_LEVELS,
  type LogEntry,
  type LogFields,
  type LogFormat,
  Logger,
  type LoggerOptions,
  type LogLevel,
} from "./logger.ts";
