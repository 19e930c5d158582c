/**
 * Registers an integration test. ioredis keeps reconnect timers and sockets whose lifetime
 * Deno's op and resource sanitizers cannot follow across the test boundary, so they are off;
 * each test disposes everything it starts with `await using`.
 */
export function integrationTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
}
