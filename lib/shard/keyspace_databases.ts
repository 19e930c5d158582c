import { decodeReply } from "../resp/mod.ts";
import { DEFAULT_DB, type Target } from "../route/mod.ts";
import { bytesToText } from "../util/mod.ts";

/**
 * The databases of a server that hold keys, from INFO keyspace. Rejects when the server does
 * not answer with its keyspace: a server that cannot be asked is not taken as empty.
 */
export async function keyspaceDatabases(target: Target): Promise<number[]> {
  const reply = decodeReply(await target.call(DEFAULT_DB, ["INFO", "keyspace"]));
  if (reply.type !== "bulk" && reply.type !== "verbatim") {
    throw new Error(reply.type === "error" ? reply.message : `a ${reply.type} reply`);
  }
  return [...bytesToText(reply.value).matchAll(/^db(\d+):keys=(\d+)/gm)]
    .filter((match) => Number(match[2]) > 0)
    .map((match) => Number(match[1]));
}
