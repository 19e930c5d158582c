import type { ByteReader } from "./byte_reader.ts";

const NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const ModuleOpcode = { EOF: 0, SINT: 1, UINT: 2, FLOAT: 3, DOUBLE: 4, STRING: 5 } as const;

/** The nine-character module type name packed into the top 54 bits of a module ID. */
export function moduleName(moduleId: bigint): string {
  let id = moduleId >> 10n;
  let name = "";
  for (let i = 0; i < 9; i++) {
    name = NAME_CHARS[Number(id & 63n)] + name;
    id >>= 6n;
  }
  return name;
}

/**
 * Steps over a module-serialized value (module type 7 values and MODULE_AUX data): a run of
 * typed fields, each announced by a length-encoded opcode, ending with opcode 0. This is how
 * Redis itself checks an RDB that holds data of modules it has not loaded.
 */
export function skipModuleValue(reader: ByteReader): void {
  while (true) {
    const at = reader.pos;
    const opcode = reader.length("a module value opcode");
    switch (opcode) {
      case ModuleOpcode.EOF:
        return;
      case ModuleOpcode.SINT:
      case ModuleOpcode.UINT:
        reader.lengthBig("a module integer");
        break;
      case ModuleOpcode.FLOAT:
        reader.skip(4, "a module float");
        break;
      case ModuleOpcode.DOUBLE:
        reader.skip(8, "a module double");
        break;
      case ModuleOpcode.STRING:
        reader.skipString("a module string");
        break;
      default:
        reader.fail(`unknown module value opcode ${opcode}`, at);
    }
  }
}
