/**
 * Where the reshard proxy can resume after a restart: the master position it had consumed, the
 * position in its own filtered stream that corresponds, and the stream's selected database at
 * that point. It is only ever taken between transactions, at a point every connected replica
 * has been sent, so a replica reconnecting after a restart is at or past it.
 */
export interface Checkpoint {
  masterReplid: string;
  masterOffset: number;
  proxyReplid: string;
  proxyOffset: number;
  db: number;
  /** The filter it was made with; a different filter cannot continue the same stream. */
  filter: string;
}

/** A checkpoint file that cannot be read as one. */
export class CheckpointError extends SyntaxError {
  override name = "CheckpointError";
}

/** Reads a checkpoint; undefined when the file does not exist. */
export async function loadCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  let value: Partial<Checkpoint>;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`Cannot read checkpoint ${path}: ${(error as Error).message}`);
  }
  const hex40 = /^[0-9a-f]{40}$/;
  const valid = typeof value.masterReplid === "string" && hex40.test(value.masterReplid) &&
    typeof value.proxyReplid === "string" && hex40.test(value.proxyReplid) &&
    Number.isSafeInteger(value.masterOffset) && Number.isSafeInteger(value.proxyOffset) &&
    Number.isSafeInteger(value.db) && typeof value.filter === "string";
  if (!valid) {
    throw new CheckpointError(`Cannot read checkpoint ${path}: fields missing or invalid`);
  }
  return value as Checkpoint;
}

/** Writes a checkpoint atomically (a temporary file renamed over the old one). */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${path}.tmp`;
  await Deno.writeTextFile(temporary, JSON.stringify(checkpoint) + "\n");
  await Deno.rename(temporary, path);
}
