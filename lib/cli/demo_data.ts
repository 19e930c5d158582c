/** Sample keys of every Redis type, for the demo's source server. */
export const DEMO_COMMANDS: readonly (readonly string[])[] = [
  ["SET", "greeting", "hello from the source"],
  ["SET", "counter", "41"],
  ["SET", "session:abc", "expires in an hour", "EX", "3600"],
  ["RPUSH", "queue:jobs", "job-1", "job-2", "job-3"],
  ["HSET", "user:1", "name", "Ada", "email", "ada@example.com", "visits", "7"],
  ["SADD", "tags", "redis", "proxy", "migration"],
  ["ZADD", "leaderboard", "100", "ada", "85", "grace", "70", "linus"],
  ["XADD", "events", "*", "type", "signup", "user", "1"],
  ["XADD", "events", "*", "type", "login", "user", "1"],
  ["PFADD", "visitors", "a", "b", "c"],
  ["SETBIT", "flags", "7", "1"],
  ["GEOADD", "places", "13.361389", "38.115556", "Palermo"],
];

/** What the demo suggests to type, with the proxy's port filled in. */
export function demoHints(port: number, metricsPort: number): string {
  const cli = `redis-cli -p ${port}`;
  return `
Try, in another terminal:
  ${cli} GET greeting              # copied from the source on first read
  ${cli} INCR counter              # copied, then incremented on the destination
  ${cli} HGETALL user:1
  ${cli} LRANGE queue:jobs 0 -1
  ${cli} TTL session:abc           # the TTL came along
  ${cli} SET fresh value           # writes go to the destination only
  ${cli} DEL tags                  # deleted on both servers
  curl -s localhost:${metricsPort}/health
  curl -s localhost:${metricsPort}/metrics | grep remiro_

Press Ctrl-C to stop everything.`;
}
