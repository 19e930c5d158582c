import { ProtocolError } from "./protocol_error.ts";

const SPACE = new Set([32, 9, 10, 13, 11, 12, 0]);

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87;
}

const ESCAPES: Record<number, number> = { 110: 10, 114: 13, 116: 9, 98: 8, 97: 7 };

/**
 * Splits an inline command line into arguments with Redis's quoting rules (sdssplitargs):
 * "double quotes" with \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' with \'.
 * A closing quote must be followed by a space or the end of the line.
 */
export function splitInlineArgs(line: Uint8Array): Uint8Array[] {
  const args: Uint8Array[] = [];
  let i = 0;
  const n = line.length;
  while (true) {
    while (i < n && SPACE.has(line[i])) i++;
    if (i >= n) return args;
    const out: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      if (inDouble) {
        if (i >= n) throw new ProtocolError("Protocol error: unbalanced quotes in request");
        const c = line[i];
        if (c === 92 && i + 3 < n && line[i + 1] === 120 && isHex(line[i + 2]) && isHex(line[i + 3])) {
          out.push(hexValue(line[i + 2]) * 16 + hexValue(line[i + 3]));
          i += 3;
        } else if (c === 92 && i + 1 < n) {
          i++;
          out.push(ESCAPES[line[i]] ?? line[i]);
        } else if (c === 34) {
          if (i + 1 < n && !SPACE.has(line[i + 1])) {
            throw new ProtocolError("Protocol error: unbalanced quotes in request");
          }
          done = true;
        } else {
          out.push(c);
        }
      } else if (inSingle) {
        if (i >= n) throw new ProtocolError("Protocol error: unbalanced quotes in request");
        const c = line[i];
        if (c === 92 && i + 1 < n && line[i + 1] === 39) {
          i++;
          out.push(39);
        } else if (c === 39) {
          if (i + 1 < n && !SPACE.has(line[i + 1])) {
            throw new ProtocolError("Protocol error: unbalanced quotes in request");
          }
          done = true;
        } else {
          out.push(c);
        }
      } else {
        if (i >= n) break;
        const c = line[i];
        if (SPACE.has(c)) done = true;
        else if (c === 34) inDouble = true;
        else if (c === 39) inSingle = true;
        else out.push(c);
      }
      i++;
    }
    args.push(new Uint8Array(out));
  }
}
