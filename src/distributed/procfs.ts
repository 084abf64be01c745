/**
 * A worker's CPU time and resident memory read from Linux's /proc; undefined where /proc is not
 * there or the process is gone. Used by the nanny (memory limit) and the dashboard.
 */
import { readFileSync } from 'node:fs';

/**
 * CPU time used by process `pid`, in clock ticks (user + system).
 * @example
 * cpuTicks(process.pid); // 42
 */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

/**
 * Resident set size of process `pid`, in bytes.
 * @example
 * rssBytes(process.pid); // 61_440_000
 */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
