/**
 * Passes every entry on unchanged: the cost of running hooks at all (the worker round trips),
 * which `deno task bench replicate` measures against no hooks.
 *
 * @module
 */
import type { HookEntry } from "../lib/hooks/mod.ts";

export function filter(_entry: HookEntry): boolean {
  return true;
}

export function transform(entry: HookEntry): HookEntry {
  return entry;
}
