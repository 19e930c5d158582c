/**
 * A key could not be copied to the destination because a server answered with an error
 * (for example RESTORE refusing a payload from a newer Redis). `reply` is that error frame,
 * passed back to the client unchanged.
 */
export class CopyFailed extends Error {
  override name = "CopyFailed";
  constructor(readonly reply: Uint8Array, message: string) {
    super(message);
  }
}
