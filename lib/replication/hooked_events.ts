import { type Hooks, hookStream, StepChain } from "../hooks/mod.ts";
import type { KeySelector } from "../rdb/mod.ts";
import type { MasterLink, MasterLinkOptions } from "./master_link.ts";
import type { StreamCommand } from "./stream_decoder.ts";

/** A stream command after the hooks: rewritten, or dropped (no bytes). */
export type HookedStreamCommand = StreamCommand & { dropped?: "filtered" | "mixed" };

/** The proxy's own handlers, called in order once the hooks are done. */
export interface HookedHandlers {
  fullSync(replid: string, offset: number): void;
  rdbChunk(chunk: Uint8Array): void;
  /** Completes the snapshot (the hooks see its last entries first). */
  rdbEnd(): Promise<void>;
  continued(replid: string): void;
  commands(commands: HookedStreamCommand[], offset: number): void;
  /** The stream's selected database before the next commands. */
  db(): number;
}

/**
 * A master link's events for a proxy with hooks: each becomes a step of one chain, so the
 * snapshot's entries and the stream's commands reach the hooks, the change sinks and then the
 * replicas in the master's order, and the link pauses while the hooks are behind.
 */
export function hookedEvents(
  chain: StepChain,
  link: () => MasterLink,
  hooks: Hooks,
  selector: KeySelector,
  handlers: HookedHandlers,
): MasterLinkOptions["events"] {
  const step = (work: () => void | Promise<void>) => chain.step(link(), work);
  return {
    fullSync: (replid, offset) => step(() => handlers.fullSync(replid, offset)),
    rdbChunk: (chunk) => step(() => handlers.rdbChunk(chunk)),
    rdbEnd: () => step(() => handlers.rdbEnd()),
    continued: (replid) => step(() => handlers.continued(replid)),
    commands: (commands, offset) => {
      const replid = link().replid;
      step(async () => {
        const hooked = await hookStream(commands, offset, replid, handlers.db(), selector, hooks);
        handlers.commands(
          commands.map((command, i) => {
            const { dropped, args, raw } = hooked[i];
            return dropped
              ? { ...command, args: [], raw: new Uint8Array(0), dropped }
              : { ...command, args, raw };
          }),
          offset,
        );
      });
    },
  };
}
