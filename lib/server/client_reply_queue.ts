import { ReplyQueue } from "./reply_queue.ts";
import type { SessionOptions } from "./session_options.ts";

/** The client a reply queue writes to, as far as its limits need it. */
export interface QueueOwner {
  readonly id: number;
  readonly addr: string;
  close(): void;
}

/**
 * The reply queue of one client connection, with the session's limits: up to
 * `maxPendingReplies` replies awaited before reading stops, and the output buffer limit, over
 * which the client is disconnected (Redis's client-output-buffer-limit) and that is counted
 * and logged.
 */
export function clientReplyQueue(
  conn: Deno.Conn,
  options: SessionOptions,
  owner: QueueOwner,
): ReplyQueue {
  const overLimit = () => {
    options.metrics.limitExceeded("output_buffer");
    options.log?.warn("client output buffer limit reached, closing", {
      client: owner.id,
      addr: owner.addr,
    });
    owner.close();
  };
  return new ReplyQueue(
    conn,
    options.metrics,
    options.maxPendingReplies ?? 10_000,
    () => owner.close(),
    options.limits?.outputBufferLimit ?? 0,
    overLimit,
  );
}
