/**
 * A truncated or corrupt RDB file or DUMP payload. The message says what was expected and the
 * absolute byte offset where the problem was found, e.g.
 * `Cannot parse RDB: unknown type byte 0x1a at offset 812`.
 *
 * @example
 * ```ts ignore
 * try {
 *   for await (const record of parseRdb(file.readable)) use(record);
 * } catch (error) {
 *   if (error instanceof RdbSyntaxError) console.error(error.message, error.offset);
 *   else throw error;
 * }
 * ```
 */
export class RdbSyntaxError extends SyntaxError {
  override name = "RdbSyntaxError";

  /**
   * @param problem what was wrong, e.g. `unknown type byte 0x1a`
   * @param offset absolute byte offset in the input where it was found
   */
  constructor(problem: string, readonly offset: number) {
    super(`Cannot parse RDB: ${problem} at offset ${offset}`);
  }
}
