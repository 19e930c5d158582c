/**
 * A malformed ziplist, listpack, intset or zipmap. `index` is the byte within that blob; the
 * value decoder turns it into an {@link RdbSyntaxError} at the blob's place in the file.
 */
export class EncodingError extends RangeError {
  override name = "EncodingError";
  constructor(message: string, readonly index: number) {
    super(`${message} at byte ${index}`);
  }
}
