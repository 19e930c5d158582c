/**
 * A RegExp for a Redis glob pattern, as `KEYS` and `SCAN MATCH` read it: `*` any run, `?` one
 * character, `[abc]`, `[^a]` and `[a-z]` classes, and `\x` for a literal `x`.
 */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else if (c === "\\" && i + 1 < pattern.length) source += escape(pattern[++i]);
    else if (c === "[") {
      const end = classEnd(pattern, i);
      if (end === -1) {
        source += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, end);
      const negated = body.startsWith("^");
      if (negated) body = body.slice(1);
      let cls = "";
      for (let j = 0; j < body.length; j++) {
        if (body[j] === "\\" && j + 1 < body.length) cls += escape(body[++j]);
        else if (body[j] === "-" && j > 0 && j + 1 < body.length) cls += "-";
        else cls += escape(body[j]);
      }
      source += `[${negated ? "^" : ""}${cls}]`;
      i = end;
    } else source += escape(c);
  }
  return new RegExp(`^${source}$`);
}

function classEnd(pattern: string, start: number): number {
  for (let j = start + 1; j < pattern.length; j++) {
    if (pattern[j] === "\\") j++;
    else if (pattern[j] === "]" && j > start + 1) return j;
  }
  return -1;
}

function escape(c: string): string {
  return /[\\^$.*+?()[\]{}|\-/]/.test(c) ? `\\${c}` : c;
}
