import assert from "node:assert/strict";
import { AuthLimiter } from "./auth_limiter.ts";

Deno.test("AuthLimiter refuses an address after limit failures within the window", () => {
  let now = 0;
  const limiter = new AuthLimiter({ limit: 3, windowMs: 100 }, () => now);
  limiter.failed("a");
  limiter.failed("a");
  assert.ok(!limiter.blocked("a"));
  limiter.failed("a");
  assert.ok(limiter.blocked("a"));
  assert.ok(!limiter.blocked("b"));
  now = 99;
  assert.ok(limiter.blocked("a"));
  now = 100;
  assert.ok(!limiter.blocked("a"), "refused for one window");
});

Deno.test("AuthLimiter forgets failures once their window has passed", () => {
  let now = 0;
  const limiter = new AuthLimiter({ limit: 2, windowMs: 100 }, () => now);
  limiter.failed("a");
  now = 150;
  limiter.failed("a");
  assert.ok(!limiter.blocked("a"));
  limiter.failed("a");
  assert.ok(limiter.blocked("a"));
});

Deno.test("AuthLimiter with limit 0 never refuses", () => {
  const limiter = new AuthLimiter({ limit: 0, windowMs: 100 });
  for (let i = 0; i < 100; i++) limiter.failed("a");
  assert.ok(!limiter.blocked("a"));
});
