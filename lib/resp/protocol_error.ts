/**
 * Malformed RESP. On the request side the message is Redis's own text without the `ERR `
 * prefix (e.g. `Protocol error: invalid multibulk length`), so a server can answer
 * `-ERR <message>` and close the connection exactly like Redis does. On the reply side it
 * names what could not be parsed and where.
 *
 * @example
 * ```ts ignore
 * try {
 *   commands = decoder.push(chunk);
 * } catch (error) {
 *   if (!(error instanceof ProtocolError)) throw error;
 *   for (const args of error.commands) execute(args);
 *   reply(encodeError(`ERR ${error.message}`));
 *   close();
 * }
 * ```
 */
export class ProtocolError extends SyntaxError {
  /**
   * Commands that were complete before the malformed bytes in the same pushed chunk. Redis
   * runs those before it answers the protocol error, so a server that wants to behave the same
   * runs them first; empty for reply-side errors.
   */
  commands: Uint8Array[][] = [];

  /**
   * @param message the error text (for requests: Redis's text without the `ERR ` prefix)
   * @param offset byte offset in the stream where the problem was found, when known
   */
  constructor(message: string, readonly offset?: number) {
    super(message);
    this.name = "ProtocolError";
  }
}
