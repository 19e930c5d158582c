export { concatChunks } from "./concat_chunks.ts";
export { Signal } from "./signal.ts";
export { FifoQueue } from "./fifo_queue.ts";
export { globToRegExp } from "./glob.ts";
export { bytesToText, keyString, printableKey } from "./key_string.ts";
export { matchesDigest, secretDigest } from "./secret_digest.ts";
export { tickNow } from "./tick_clock.ts";
