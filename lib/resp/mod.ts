/**
 * RESP codec: decoding client requests, splitting server replies into frames, decoding and
 * encoding replies, and Redis's fixed reply frames.
 *
 * @module
 */
export { copyBytes } from "./alloc_bytes.ts";
export { ProtocolError } from "./protocol_error.ts";
export { RequestDecoder, type RequestLimits } from "./request_decoder.ts";
export { splitInlineArgs } from "./split_inline_args.ts";
export { parseInteger } from "./parse_integer.ts";
export { ReplyScanner } from "./reply_scanner.ts";
export {
  decodeReply,
  errorMessage,
  integerValue,
  isErrorFrame,
  type Reply,
  scanReplyParts,
} from "./reply.ts";
export {
  concatBytes,
  encodeArray,
  encodeBulk,
  encodeCommand,
  encodeError,
  encodeInteger,
  encodeReply,
  encodeRequest,
  encodeSimple,
  LARGE_ARGUMENT,
} from "./encoder.ts";
export {
  EMPTY_ARRAY,
  errUnknownCommand,
  errWrongArgs,
  NOAUTH,
  NULL_ARRAY,
  NULL_BULK,
  OK,
  ONE,
  PONG,
  QUEUED,
  WRONGPASS,
  ZERO,
} from "./replies.ts";
