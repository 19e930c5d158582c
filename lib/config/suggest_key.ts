/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known key an unknown one was probably meant to be: one that differs only by case, or
 * else the closest within an edit distance of 2 (ignoring case). Undefined when none is close.
 *
 * @example
 * ```ts
 * import { suggestKey } from "./suggest_key.ts";
 *
 * suggestKey("DeleteOnGett", ["DeleteOnGet", "DeleteOnSet"]); // "DeleteOnGet"
 * suggestKey("addr", ["Addr", "DB"]); // "Addr"
 * suggestKey("Color", ["Addr", "DB"]); // undefined
 * ```
 */
export function suggestKey(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const sameLetters = known.find((key) => key.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const key of known) {
    const distance = editDistance(lower, key.toLowerCase());
    // Two edits turn any 2-letter name into "DB": a suggestion must keep some of the name.
    if (distance <= 2 && distance < name.length && distance < bestDistance) {
      best = key;
      bestDistance = distance;
    }
  }
  return best;
}
