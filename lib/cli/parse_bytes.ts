import { UsageError } from "./usage_error.ts";

/** "64mb", "512kb", "1048576" as bytes; a UsageError naming `flag` otherwise. */
export function parseBytes(text: string, flag: string): number {
  const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`${flag}: "${text}" is not a size like 64mb`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(match[2] ?? "b").toLowerCase()]!;
  return Number(match[1]) * unit;
}
