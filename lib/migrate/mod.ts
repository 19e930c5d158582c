export {
  COMPARE_AND_DELETE_SCRIPT,
  Copier,
  type CopierOptions,
  type CopyOutcome,
} from "./copier.ts";
export { CopyFailed } from "./copy_failed.ts";
export { KeyLocks } from "./key_locks.ts";
export { SourceChangeLog } from "./source_change_log.ts";
export {
  copierMove,
  type KeyMove,
  Sweeper,
  type SweeperOptions,
  type SweepProgress,
} from "./sweeper.ts";
