/** Why a config file (or a file it names) could not be read, in words for an operator. */
export function describeReadError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "file not found";
  if (error instanceof Deno.errors.PermissionDenied) {
    return "permission denied (the file is not readable by this user)";
  }
  if (error instanceof Deno.errors.NotCapable) {
    return "read access not granted to Deno (run it with --allow-read)";
  }
  if (error instanceof Deno.errors.IsADirectory) return "is a directory, not a file";
  return `cannot read the file: ${(error as Error).message}`;
}
