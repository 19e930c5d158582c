// Micro-benchmarks for the per-command hot paths: `deno bench lib/resp/`.
import { concatBytes, encodeCommand } from "./encoder.ts";
import { ReplyScanner } from "./reply_scanner.ts";
import { RequestDecoder } from "./request_decoder.ts";

const COMMANDS = 10_000;
const CHUNK = 64 * 1024;

const setPipeline = concatBytes(
  Array.from({ length: COMMANDS }, (_, i) => encodeCommand(["SET", `key:${i}`, "value"])),
);
const replies = new TextEncoder().encode("$5\r\nhello\r\n".repeat(COMMANDS));

function chunks(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) out.push(bytes.subarray(i, i + CHUNK));
  return out;
}

const setChunks = chunks(setPipeline);
const replyChunks = chunks(replies);

Deno.bench("RequestDecoder: 10,000 pipelined SET key:N value, one chunk", {
  group: "decode",
  baseline: true,
}, () => {
  if (new RequestDecoder().push(setPipeline).length !== COMMANDS) throw new Error("bad count");
});

Deno.bench("RequestDecoder: 10,000 pipelined SET key:N value, 64 KiB chunks", {
  group: "decode",
}, () => {
  const decoder = new RequestDecoder();
  let count = 0;
  for (const chunk of setChunks) count += decoder.push(chunk).length;
  if (count !== COMMANDS) throw new Error("bad count");
});

Deno.bench("ReplyScanner: 10,000 $5 hello replies, one chunk", {
  group: "scan",
  baseline: true,
}, () => {
  if (new ReplyScanner().push(replies).length !== COMMANDS) throw new Error("bad count");
});

Deno.bench("ReplyScanner: 10,000 $5 hello replies, 64 KiB chunks", { group: "scan" }, () => {
  const scanner = new ReplyScanner();
  let count = 0;
  for (const chunk of replyChunks) count += scanner.push(chunk).length;
  if (count !== COMMANDS) throw new Error("bad count");
});

const keys = Array.from({ length: COMMANDS }, (_, i) => `key:${i}`);

Deno.bench("encodeCommand: 10,000 SET key:N value", () => {
  for (let i = 0; i < COMMANDS; i++) encodeCommand(["SET", keys[i], "value"]);
});
