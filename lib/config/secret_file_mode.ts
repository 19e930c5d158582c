import type { Config, ServerConfig } from "./config.ts";

function serverHasSecret(server: ServerConfig | undefined): boolean {
  return server?.password !== undefined || server?.group?.sentinelPassword !== undefined;
}

/** True when the config holds a password or a token. */
export function holdsSecrets(config: Config): boolean {
  return config.password !== undefined || config.adminToken !== undefined ||
    (config.users ?? []).some((user) => user.password !== undefined) ||
    serverHasSecret(config.source) || serverHasSecret(config.destination);
}

/**
 * The warning to log when the config file holds secrets and its group or others may read it,
 * or undefined. Platforms without permission bits (Windows) never warn.
 *
 * @example
 * ```ts ignore
 * const warning = await readableSecretsWarning("config.toml", config);
 * if (warning) log.warn(warning);
 * ```
 */
export async function readableSecretsWarning(
  file: string,
  config: Config,
): Promise<string | undefined> {
  if (!holdsSecrets(config)) return undefined;
  let mode: number | null;
  try {
    mode = (await Deno.stat(file)).mode;
  } catch {
    return undefined;
  }
  if (mode === null || (mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, "0");
  return `config file ${file} holds secrets and is readable by others (mode ${octal}); ` +
    `chmod 600 it`;
}
