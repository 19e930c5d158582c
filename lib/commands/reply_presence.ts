/**
 * For some reads, the reply alone proves whether the key existed when the command ran: GET
 * answers nil exactly when the key is absent, TYPE answers "none", TTL answers -2, and
 * aggregate sizes are 0 only for missing keys because Redis deletes empty lists, sets, hashes
 * and sorted sets. For these commands the migration proxy needs no separate EXISTS.
 *
 * An error reply counts as present: it is the answer either way (WRONGTYPE proves the key
 * exists; LOADING or OOM must reach the client as they are).
 */
export type PresenceTest = (reply: Uint8Array) => boolean;

const encoder = new TextEncoder();

function equals(reply: Uint8Array, absent: Uint8Array): boolean {
  if (reply.length !== absent.length) return false;
  for (let i = 0; i < absent.length; i++) if (reply[i] !== absent[i]) return false;
  return true;
}

/**
 * A test that says "present" for every reply except the ones meaning "no such key" (its RESP2
 * and its RESP3 form).
 */
function absentWhen(...texts: string[]): PresenceTest {
  const [absent, absent3 = absent] = texts.map((text) => encoder.encode(text));
  return (reply) => !equals(reply, absent) && !equals(reply, absent3);
}

const NULL_BULK = absentWhen("$-1\r\n", "_\r\n");
const EMPTY_ARRAY = absentWhen("*0\r\n");
const ZERO = absentWhen(":0\r\n");
const NO_TTL = absentWhen(":-2\r\n");

const TESTS: ReadonlyMap<string, PresenceTest> = new Map([
  ["get", NULL_BULK],
  ["dump", NULL_BULK],
  ["object|encoding", NULL_BULK],
  ["type", absentWhen("+none\r\n")],
  ["ttl", NO_TTL],
  ["pttl", NO_TTL],
  ["expiretime", NO_TTL],
  ["pexpiretime", NO_TTL],
  ["hgetall", absentWhen("*0\r\n", "%0\r\n")],
  ["hkeys", EMPTY_ARRAY],
  ["hvals", EMPTY_ARRAY],
  ["smembers", absentWhen("*0\r\n", "~0\r\n")],
  ["hlen", ZERO],
  ["scard", ZERO],
  ["llen", ZERO],
  ["zcard", ZERO],
  ["exists", ZERO],
]);

/**
 * The presence test of a single-key read, or undefined when its reply cannot tell a missing
 * key from an existing one (HGET's nil may be a missing field; STRLEN's 0 an empty string).
 *
 * @example
 * ```ts
 * const test = presenceTest("get")!;
 * console.assert(!test(new TextEncoder().encode("$-1\r\n")));
 * console.assert(test(new TextEncoder().encode("$0\r\n\r\n")));
 * ```
 */
export function presenceTest(command: string): PresenceTest | undefined {
  return TESTS.get(command);
}
