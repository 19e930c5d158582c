import { UsageError } from "./usage_error.ts";

/** A regular expression from the command line; a UsageError naming `flag` when invalid. */
export function parseRegex(text: string, flag: string): RegExp;
export function parseRegex(text: string | undefined, flag: string): RegExp | undefined;
export function parseRegex(text: string | undefined, flag: string): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}
