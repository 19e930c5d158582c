/**
 * User hooks: a TypeScript module that filters, transforms and reacts to the keys `remiro
 * reshard`, `remiro replicate` and the proxy's copy on read pass on, run in a worker with only
 * the permissions the user grants; built-in change sinks (stdout, webhook, XADD) and a delivery
 * log that makes a restarted run deliver nothing twice.
 *
 * @module
 */
export type {
  ChangeEvent,
  ChangeKind,
  HookEntry,
  HookOptions,
  HookPolicy,
  HooksModule,
  HookSource,
  TransformResult,
} from "./hook_types.ts";
export {
  type Batch,
  type HookCounts,
  type HookDecision,
  HookRunner,
  UNCHANGED,
} from "./hook_runner.ts";
export { HookFailedError, HookLoadError } from "./hook_errors.ts";
export { EntryPacker, type Packed, unpackEntries, type WireEntry } from "./wire.ts";
export {
  changeKindOf,
  commandEvents,
  hookCommands,
  type HookedCommand,
  hookStream,
  type StreamCommand,
} from "./command_hooks.ts";
export {
  type ChangeSink,
  hookSink,
  parseSinkSpec,
  type PipelineLink,
  type SinkSpec,
  SinkSpecError,
  stdoutSink,
  webhookSink,
  xaddSink,
} from "./change_sinks.ts";
export { ChangeDelivery, type DeliveredPosition, type DeliveryCounts } from "./change_delivery.ts";
export { type Hooks, openHooks } from "./hooks.ts";
export { type Pausable, StepChain } from "./step_chain.ts";
export { registerHookMetrics } from "./hook_metrics.ts";
export { CopyHooks } from "./copy_hooks.ts";
