export { FifoQueue } from "./fifo_queue.ts";
export { bytesToText, keyString } from "./key_string.ts";
