/**
 * One endpoint over many nodes: ketama consistent hashing (`Mode = "ring"`) and Redis Cluster
 * slots (`Mode = "cluster"`), with a router that splits, joins and fans out commands.
 *
 * @module
 */
export { Continuum, type KetamaServer, md5Hash } from "./ketama.ts";
export { type HashOverride, hashTag, takeHashOverride } from "./hash_key.ts";
export { crc16, keySlot, SLOTS } from "./key_slot.ts";
export { nodeFor, type Placement, type ShardNode } from "./placement.ts";
export { ketamaName, type RingNode, RingPlacement } from "./ring_placement.ts";
export { CROSSSLOT } from "./split_join.ts";
export { ClusterPlacement } from "./cluster_placement.ts";
export { parseClusterSlots, type SlotRange } from "./cluster_slots.ts";
export { ClusterRedirects, parseRedirect } from "./cluster_redirects.ts";
export {
  type Redirects,
  ShardedRouter,
  type ShardedRouterOptions,
  type ShardMember,
  type Where,
} from "./sharded_router.ts";
export { RebalancingRouter, type RingServer } from "./rebalancing_router.ts";
export { ShardedSource } from "./sharded_source.ts";
export { type RebalanceProgress, Rebalancer, type RebalancerOptions } from "./rebalancer.ts";
