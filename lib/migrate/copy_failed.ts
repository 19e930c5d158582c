/**
 * A key could not be copied to the destination because a server answered with an error
 * (for example RESTORE refusing a payload from a newer Redis). `reply` is that error frame,
 * passed back to the client unchanged.
 */
export class CopyFailed extends Error {
  override name = "CopyFailed";
  /**
   * @param restoreRefused the destination refused RESTORE (so `reply` is the destination's,
   *   a MOVED naming one of its nodes, say), rather than the source refusing a read
   */
  constructor(
    readonly reply: Uint8Array,
    message: string,
    readonly restoreRefused = false,
  ) {
    super(message);
  }
}
