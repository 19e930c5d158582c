/**
 * A config file that cannot be used: missing, unreadable, not TOML, or with a bad value.
 *
 * The message is one line that names the file, the key (dotted, as `Source.Addr`) when there
 * is one, and the problem, so it can be shown to an operator as it is.
 *
 * @example
 * ```ts
 * import { ConfigError } from "./config_error.ts";
 *
 * const error = new ConfigError("config.toml", "Source.Addr", "required");
 * error.message; // "Cannot load config config.toml: Source.Addr: required"
 * ```
 */
export class ConfigError extends Error {
  override name = "ConfigError";

  /**
   * @param file the config file's path as the user gave it
   * @param key the dotted key the problem is about, or undefined for the whole file
   * @param problem what is wrong, without the file or key
   * @param options `cause`: the error behind this one, if any
   */
  constructor(
    readonly file: string,
    readonly key: string | undefined,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    const where = key === undefined ? "" : `${key}: `;
    // Start-up failures are printed as one log line, so no part may break it.
    super(`Cannot load config ${file}: ${where}${problem}`.replace(/\s*[\r\n]+\s*/g, " "), options);
  }
}
