import { ProtocolError } from "./protocol_error.ts";

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;
const BACKSLASH = 92;
const LOWER_X = 120;

const UNBALANCED = "Protocol error: unbalanced quotes in request";

// C isspace() in the "C" locale (space, \t \n \v \f \r); sdssplitargs uses it to skip blanks
// and after a closing quote.
function isSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

function unescape(c: number): number {
  switch (c) {
    case 110: // n
      return LF;
    case 114: // r
      return CR;
    case 116: // t
      return TAB;
    case 98: // b
      return 8;
    case 97: // a
      return 7;
    default:
      return c;
  }
}

/**
 * Splits one inline command line (without its line ending) into arguments exactly like Redis's
 * `sdssplitargs`: blanks separate arguments; `"double quotes"` understand `\n \r \t \b \a`,
 * `\xHH` and a backslash before any other byte; `'single quotes'` understand only `\'`; a
 * closing quote must be followed by a blank or the end of the line; quotes may start in the
 * middle of an argument (`a"b c"` is `ab c`). A NUL byte ends the line, since Redis parses it as
 * a C string.
 *
 * @throws {ProtocolError} `Protocol error: unbalanced quotes in request`
 */
export function splitInlineArgs(line: Uint8Array): Uint8Array[] {
  const nul = line.indexOf(0);
  const end = nul === -1 ? line.length : nul;
  const args: Uint8Array[] = [];
  // No argument can be longer than the line, so one scratch buffer serves every token.
  let scratch: Uint8Array | undefined;
  let p = 0;
  while (true) {
    while (p < end && isSpace(line[p])) p++;
    if (p >= end) return args;
    scratch ??= new Uint8Array(end);
    let n = 0;
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      if (p >= end) {
        if (inDouble || inSingle) throw new ProtocolError(UNBALANCED);
        break;
      }
      const c = line[p];
      if (inDouble) {
        if (c === BACKSLASH && p + 3 < end && line[p + 1] === LOWER_X) {
          const high = hexValue(line[p + 2]);
          const low = hexValue(line[p + 3]);
          if (high >= 0 && low >= 0) {
            scratch[n++] = high * 16 + low;
            p += 4;
            continue;
          }
        }
        if (c === BACKSLASH && p + 1 < end) {
          scratch[n++] = unescape(line[p + 1]);
          p += 2;
          continue;
        }
        if (c === DOUBLE_QUOTE) {
          if (p + 1 < end && !isSpace(line[p + 1])) throw new ProtocolError(UNBALANCED);
          done = true;
        } else {
          scratch[n++] = c;
        }
      } else if (inSingle) {
        if (c === BACKSLASH && p + 1 < end && line[p + 1] === SINGLE_QUOTE) {
          scratch[n++] = SINGLE_QUOTE;
          p += 2;
          continue;
        }
        if (c === SINGLE_QUOTE) {
          if (p + 1 < end && !isSpace(line[p + 1])) throw new ProtocolError(UNBALANCED);
          done = true;
        } else {
          scratch[n++] = c;
        }
      } else if (c === SPACE || c === LF || c === CR || c === TAB) {
        // Unlike the blank skipping above, an unquoted token ends only at these four.
        done = true;
      } else if (c === DOUBLE_QUOTE) {
        inDouble = true;
      } else if (c === SINGLE_QUOTE) {
        inSingle = true;
      } else {
        scratch[n++] = c;
      }
      p++;
    }
    args.push(scratch.slice(0, n));
  }
}
