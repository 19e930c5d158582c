import { Counter, type Registry } from "prom-client";
import type { Hooks } from "./hooks.ts";

/** A counter read from plain numbers at scrape time: hot paths only add to a field. */
function counterFrom(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => [Record<string, string>, number][],
): void {
  const reported = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const id = JSON.stringify(labels);
        const delta = value - (reported.get(id) ?? 0);
        if (delta > 0) this.inc(labels, delta);
        reported.set(id, value);
      }
    },
  });
}

/**
 * Adds `remiro_hook_calls_total{hook,result}` (hook `entry` for filter and transform, `onChange`
 * for events; result ok, dropped, error, timeout) and `remiro_change_events_total{sink,result}`
 * (delivered, or skipped because the delivery log had them) to a registry.
 */
export function registerHookMetrics(registry: Registry, hooks: Hooks): void {
  const { runner, delivery } = hooks;
  if (runner) {
    counterFrom(
      registry,
      "remiro_hook_calls_total",
      "Hook calls by hook (entry: filter and transform; onChange) and result: ok, dropped (by the hook), error, timeout",
      ["hook", "result"],
      () => [
        ...Object.entries(runner.counts.entries).map(([result, n]) =>
          [{ hook: "entry", result }, n] as [Record<string, string>, number]
        ),
        ...Object.entries(runner.counts.events).filter(([result]) => result !== "dropped").map((
          [result, n],
        ) => [{ hook: "onChange", result }, n] as [Record<string, string>, number]),
      ],
    );
  }
  if (delivery?.active) {
    counterFrom(
      registry,
      "remiro_change_events_total",
      "Change events by sink and result: delivered, or skipped as already delivered (delivery log)",
      ["sink", "result"],
      () =>
        Object.entries(delivery.counts).flatMap(([sink, counts]) => [
          [{ sink, result: "delivered" }, counts.delivered] as [Record<string, string>, number],
          [{ sink, result: "skipped" }, counts.skipped] as [Record<string, string>, number],
        ]),
    );
  }
}
