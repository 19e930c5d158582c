export { concatBytes } from "./concat_bytes.ts";
export { FifoQueue } from "./fifo_queue.ts";
export { globToRegExp } from "./glob.ts";
export { bytesToText, keyString, printableKey } from "./key_string.ts";
