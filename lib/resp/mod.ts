export { concatBytes } from "./bytes.ts";
export {
  encodeArray,
  encodeBulk,
  encodeCommand,
  encodeError,
  encodeInteger,
  encodeReply,
  encodeSimple,
} from "./encoder.ts";
export { ProtocolError } from "./protocol_error.ts";
export { decodeReply, errorMessage, integerValue, isErrorFrame, type Reply } from "./reply.ts";
export { ReplyScanner } from "./reply_scanner.ts";
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
export { type RequestLimits, RequestDecoder } from "./request_decoder.ts";
export { splitInlineArgs } from "./inline_args.ts";
