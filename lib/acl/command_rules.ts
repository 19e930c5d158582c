import { commandNames, type CommandSpec, lookupCommand } from "../commands/mod.ts";

/** A `Commands` rule that cannot be read; the message quotes the rule as Redis's ACL SETUSER does. */
export class AclRuleError extends SyntaxError {
  override name = "AclRuleError";

  constructor(readonly rule: string, readonly reason: string) {
    super(`Error in ACL rule '${rule}': ${reason}`);
  }
}

/** Redis's words for a rule naming nothing it knows. */
const UNKNOWN = "Unknown command or category name in ACL";

interface Catalog {
  /** Every command and subcommand of the command table. */
  specs: readonly CommandSpec[];
  byName: ReadonlyMap<string, CommandSpec>;
  categories: ReadonlySet<string>;
}

let catalog: Catalog | undefined;

function commandCatalog(): Catalog {
  if (catalog) return catalog;
  const encoder = new TextEncoder();
  const byName = new Map<string, CommandSpec>();
  const categories = new Set<string>();
  for (const name of commandNames()) {
    const spec = lookupCommand(name.split("|").map((part) => encoder.encode(part)));
    if (spec?.name !== name) continue;
    byName.set(name, spec);
    for (const category of spec.categories) categories.add(category);
  }
  catalog = { specs: [...byName.values()], byName, categories };
  return catalog;
}

/** The ACL categories the command table knows, without the '@'. */
export function aclCategories(): ReadonlySet<string> {
  return commandCatalog().categories;
}

/** A command with all its subcommands: `+config` allows CONFIG GET and CONFIG SET. */
function withSubcommands(spec: CommandSpec): CommandSpec[] {
  return spec.subcommands ? [spec, ...spec.subcommands.values()] : [spec];
}

/**
 * Which commands a user may run, compiled from rules in Redis's ACL syntax and applied in
 * order as Redis applies them: `+@category`, `-@category`, `+command`, `-command`,
 * `+command|subcommand`, `-command|subcommand`, `allcommands` (`+@all`), `nocommands`
 * (`-@all`). Checking a command is one set lookup.
 *
 * @example
 * ```ts
 * import { lookupCommand } from "../commands/mod.ts";
 * import { CommandRules } from "./command_rules.ts";
 *
 * const rules = CommandRules.compile(["+@read", "-@dangerous"]);
 * const get = lookupCommand([new TextEncoder().encode("get")]);
 * console.assert(rules.allows(get));
 * ```
 */
export class CommandRules {
  /**
   * Set by `allcommands`/`+@all` and cleared by any later removal: it also admits commands
   * the table does not know (module commands).
   */
  readonly allCommands: boolean;
  #allowed: ReadonlySet<CommandSpec>;

  private constructor(allowed: ReadonlySet<CommandSpec>, allCommands: boolean) {
    this.#allowed = allowed;
    this.allCommands = allCommands;
  }

  /** @throws {AclRuleError} for a rule that is malformed or names no command or category */
  static compile(rules: readonly string[]): CommandRules {
    const { specs, byName, categories } = commandCatalog();
    const allowed = new Set<CommandSpec>();
    let allCommands = false;
    for (const rule of rules) {
      const lower = rule.toLowerCase();
      if (lower === "allcommands" || lower === "+@all") {
        for (const spec of specs) allowed.add(spec);
        allCommands = true;
        continue;
      }
      if (lower === "nocommands" || lower === "-@all") {
        allowed.clear();
        allCommands = false;
        continue;
      }
      const sign = lower[0];
      if ((sign !== "+" && sign !== "-") || lower.length < 2) {
        throw new AclRuleError(rule, "Syntax error");
      }
      let targets: CommandSpec[];
      if (lower[1] === "@") {
        const category = lower.slice(2);
        if (!categories.has(category)) throw new AclRuleError(rule, UNKNOWN);
        targets = specs.filter((spec) => spec.categories.has(category));
      } else {
        const name = lower.slice(1);
        const spec = byName.get(name);
        if (spec === undefined) {
          const bar = name.indexOf("|");
          const parent = bar < 0 ? undefined : byName.get(name.slice(0, bar));
          if (parent && !parent.subcommands) {
            throw new AclRuleError(
              rule,
              `'${parent.name}' has no subcommands (first-argument rules are not supported)`,
            );
          }
          throw new AclRuleError(rule, UNKNOWN);
        }
        targets = withSubcommands(spec);
      }
      if (sign === "+") {
        for (const spec of targets) allowed.add(spec);
      } else {
        for (const spec of targets) allowed.delete(spec);
        allCommands = false;
      }
    }
    return new CommandRules(allowed, allCommands);
  }

  /**
   * True when the command may run. `spec` is the subcommand's when the request names a known
   * one; commands the table does not know run only with `allcommands`.
   */
  allows(spec: CommandSpec | undefined): boolean {
    if (spec === undefined) return this.allCommands;
    return this.allCommands || this.#allowed.has(spec);
  }
}
