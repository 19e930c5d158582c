import type { FuzzTarget } from "./engine.ts";
import { createRdbTarget } from "./rdb_target.ts";
import { respTarget } from "./resp_target.ts";
import { routerTarget } from "./router_target.ts";

export const TARGET_NAMES = ["resp", "router", "rdb"] as const;
export type TargetName = typeof TARGET_NAMES[number];

/** Each target's share of a run's cases. RDB cases parse whole files, so they get fewer. */
export const CASE_SHARES: Readonly<Record<TargetName, number>> = {
  resp: 0.4,
  router: 0.4,
  rdb: 0.2,
};

export function isTargetName(name: string): name is TargetName {
  return (TARGET_NAMES as readonly string[]).includes(name);
}

export function loadTarget(name: TargetName): Promise<FuzzTarget> {
  switch (name) {
    case "resp":
      return Promise.resolve(respTarget);
    case "router":
      return Promise.resolve(routerTarget);
    case "rdb":
      return createRdbTarget();
  }
}
