export { FifoQueue } from "./fifo_queue.ts";
export { bytesToText, keyString, lowerAscii } from "./key_string.ts";
