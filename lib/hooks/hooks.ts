import { ChangeDelivery } from "./change_delivery.ts";
import { type ChangeSink, hookSink } from "./change_sinks.ts";
import type { HookOptions } from "./hook_types.ts";
import { HookRunner } from "./hook_runner.ts";

/** The hooks of one run: the module's worker, and where change events go. */
export interface Hooks {
  /** Absent without `--hooks`. */
  runner?: HookRunner;
  /** Absent, or inactive, when nothing listens to change events. */
  delivery?: ChangeDelivery;
}

/**
 * Starts the hooks module (if any) and the change delivery: the module's `onChange` first, then
 * the built-in sinks, checkpointed in `deliveryLog`.
 */
export async function openHooks(setup: {
  hooks?: HookOptions;
  sinks?: ChangeSink[];
  deliveryLog?: string;
}): Promise<Hooks & Disposable & { close(): void }> {
  const runner = setup.hooks ? await HookRunner.start(setup.hooks) : undefined;
  const sinks = [...(runner?.hasOnChange ? [hookSink(runner)] : []), ...(setup.sinks ?? [])];
  const delivery = await ChangeDelivery.open(sinks, setup.deliveryLog);
  const close = () => {
    delivery.close();
    runner?.close();
  };
  return { runner, delivery, close, [Symbol.dispose]: close };
}
