/**
 * CPU time (user + system, all threads) a process has used so far, in seconds, from
 * /proc/PID/stat; undefined when it cannot be read (no /proc, process gone).
 */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : undefined;
}

// USER_HZ: 100 on every Linux architecture Deno runs on.
const CLOCK_TICKS_PER_SECOND = 100;
