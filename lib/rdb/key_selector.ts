import { keyToText } from "./rdb_entry.ts";

/**
 * Which keys pass a filter: those whose text (UTF-8) matches `include` (every key when
 * absent) and not `exclude`. The RDB filter and the replication stream filter share it, so a
 * key is judged the same way in the snapshot and in the commands that follow.
 */
export class KeySelector {
  readonly include?: RegExp;
  readonly exclude?: RegExp;

  constructor(include?: RegExp, exclude?: RegExp) {
    this.include = withoutState(include);
    this.exclude = withoutState(exclude);
  }

  /** Whether every key passes (no include, no exclude). */
  get all(): boolean {
    return !this.include && !this.exclude;
  }

  matches(key: Uint8Array): boolean {
    if (this.all) return true;
    const text = keyToText(key);
    return (!this.include || this.include.test(text)) &&
      (!this.exclude || !this.exclude.test(text));
  }

  /** A stable description, to tell whether a checkpoint was made with the same filter. */
  describe(): string {
    return JSON.stringify([this.include?.toString() ?? null, this.exclude?.toString() ?? null]);
  }
}

/** A copy without the g and y flags, whose lastIndex would make `test` skip matches. */
function withoutState(regex: RegExp | undefined): RegExp | undefined {
  if (!regex || !(regex.global || regex.sticky)) return regex;
  return new RegExp(regex.source, regex.flags.replace(/[gy]/g, ""));
}
