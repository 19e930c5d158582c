import assert from "node:assert/strict";
import { loadConfig } from "../lib/config/mod.ts";
import { COMPILE_FLAGS } from "../scripts/compile.ts";

const root = new URL("../", import.meta.url);
const read = (name: string) => Deno.readTextFile(new URL(name, root));

Deno.test("compose.yaml: remiro's config is valid and names the compose services", async () => {
  const config = await loadConfig(new URL("compose.remiro.toml", root).pathname);
  const compose = await read("compose.yaml");
  const services = [...compose.matchAll(/^ {2}([a-z][a-z0-9-]*):\s*$/gm)].map((m) => m[1]);
  for (const server of [config.source, config.destination]) {
    assert.ok(server && "hostname" in server.addr, "TCP addresses");
    assert.ok(
      services.includes(server.addr.hostname),
      `${server.addr.hostname} is a service of compose.yaml (${services.join(", ")})`,
    );
  }
  assert.ok(services.includes("remiro"));
  assert.match(compose, /compose\.remiro\.toml:\/config\.toml/);
});

Deno.test("Dockerfile compiles with the same permissions as deno task compile", async () => {
  const dockerfile = await read("Dockerfile");
  const compile = dockerfile.match(/deno compile([^]*?)--output/)?.[1] ?? "";
  // Everything but --frozen (the image's lock file) is what deno task compile passes.
  const flags = compile.split(/[\s\\]+/).filter((flag) => flag !== "" && flag !== "--frozen");
  assert.deepEqual(flags, COMPILE_FLAGS);
  assert.match(dockerfile, /HEALTHCHECK[^]*"remiro", "health"|HEALTHCHECK[^]*remiro", "health/);
  assert.match(dockerfile, /^USER nonroot$/m);
  assert.match(dockerfile, /^FROM gcr\.io\/distroless\//m);
});
