import assert from "node:assert/strict";
import { parseReplicationInfo } from "./replication_info.ts";

Deno.test("parseReplicationInfo reads a replica's master, link, offset and priority", () => {
  const info = parseReplicationInfo(
    "# Replication\r\nrole:slave\r\nmaster_host:10.0.0.1\r\nmaster_port:6379\r\n" +
      "master_link_status:up\r\nslave_repl_offset:1234\r\nslave_priority:0\r\n",
  );
  assert.deepEqual(info, {
    role: "replica",
    offset: 1234,
    priority: 0,
    masterHost: "10.0.0.1",
    masterPort: 6379,
    linkUp: true,
  });
});

Deno.test("parseReplicationInfo reads a master and refuses text without a role", () => {
  assert.deepEqual(parseReplicationInfo("role:master\nmaster_repl_offset:99\n"), {
    role: "master",
    offset: 99,
    priority: 100,
    linkUp: true,
  });
  assert.throws(() => parseReplicationInfo("-ERR unknown"), SyntaxError);
  assert.equal(parseReplicationInfo("role:slave\nmaster_link_status:down\n").linkUp, false);
});
