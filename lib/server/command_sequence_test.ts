import assert from "node:assert/strict";
import { CommandSequence, type SequenceHost } from "./command_sequence.ts";

const command = (name: string) => [new TextEncoder().encode(name)];
const nameOf = (args: Uint8Array[]) => new TextDecoder().decode(args[0]);

/** A host that records what runs, and holds the sequence when told to by a command's name. */
function recordingHost(holds: Map<string, Promise<unknown>>) {
  const ran: string[] = [];
  const host: SequenceHost & { ran: string[]; quitting: boolean; draining: boolean } = {
    ran,
    quitting: false,
    draining: false,
    execute(args) {
      const name = nameOf(args);
      ran.push(name);
      const hold = holds.get(name);
      if (hold) sequence.hold(hold);
      if (name === "quit") host.quitting = true;
    },
  };
  const sequence = new CommandSequence(host);
  return { host, sequence };
}

Deno.test("CommandSequence runs a batch at once when nothing holds it", () => {
  const { host, sequence } = recordingHost(new Map());
  assert.equal(sequence.run(["a", "b", "c"].map(command), 0), undefined);
  assert.deepEqual(host.ran, ["a", "b", "c"]);
});

Deno.test("CommandSequence keeps later commands back until the holding one is dispatched", async () => {
  let release!: () => void;
  const holding = new Promise<void>((resolve) => release = resolve);
  const { host, sequence } = recordingHost(new Map([["copy", holding]]));
  const held = sequence.run(["get", "copy", "set", "del"].map(command), 0);
  assert.ok(held instanceof Promise);
  assert.deepEqual(host.ran, ["get", "copy"]);
  release();
  await held;
  assert.deepEqual(host.ran, ["get", "copy", "set", "del"]);
  // A hold that fails still lets the rest run: its own reply reports the failure.
  const { host: other, sequence: failing } = recordingHost(
    new Map([["copy", Promise.reject(new Error("copy failed"))]]),
  );
  await failing.run(["copy", "get"].map(command), 0);
  assert.deepEqual(other.ran, ["copy", "get"]);
});

Deno.test("CommandSequence stops after QUIT and before anything while draining", () => {
  const { host, sequence } = recordingHost(new Map());
  sequence.run(["a", "quit", "b"].map(command), 0);
  assert.deepEqual(host.ran, ["a", "quit"]);
  const drained = recordingHost(new Map());
  drained.host.draining = true;
  drained.sequence.run(["a"].map(command), 0);
  assert.deepEqual(drained.host.ran, []);
});
