import type { Reply } from "../resp/mod.ts";

/** One range of a CLUSTER SLOTS reply: slots `start`..`end` served by the master named. */
export interface SlotRange {
  start: number;
  end: number;
  /** The master's host (IPv6 without brackets). */
  host: string;
  port: number;
  /** `host:port`, an IPv6 host in brackets, as addresses are written in the config. */
  addrText: string;
}

const text = new TextDecoder();

/**
 * Reads a CLUSTER SLOTS reply: `[[start, end, [host, port, id, ...], replicas...], ...]`. An
 * empty host means the host of the node that answered (`askedHost`). Undefined when the reply
 * is not a slot map (an error, a node without cluster support).
 */
export function parseClusterSlots(reply: Reply, askedHost: string): SlotRange[] | undefined {
  if (reply.type !== "array" || reply.value.length === 0) return undefined;
  const ranges: SlotRange[] = [];
  for (const range of reply.value) {
    if (range.type !== "array" || range.value.length < 3) return undefined;
    const [start, end, master] = range.value;
    if (start.type !== "integer" || end.type !== "integer" || master.type !== "array") {
      return undefined;
    }
    const [host, port] = master.value;
    if (host?.type !== "bulk" || port?.type !== "integer") return undefined;
    const hostText = text.decode(host.value) || askedHost;
    const bracketed = hostText.includes(":") ? `[${hostText}]` : hostText;
    ranges.push({
      start: start.value,
      end: end.value,
      host: hostText,
      port: port.value,
      addrText: `${bracketed}:${port.value}`,
    });
  }
  return ranges;
}
