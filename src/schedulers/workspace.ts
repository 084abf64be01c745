/**
 * Private folders on disk that are cleaned up even after `kill -9` (Dask's `WorkSpace`, with a
 * pid lock in place of locket's file lock, which Node cannot take). A folder is made with mode 0700
 * (set explicitly: the umask could leave it open to every local user) and holds a lock file naming
 * its owner: the pid and that process's start time. The next folder made under the same parent
 * removes those whose owner is gone first. A start time that differs from the one recorded means
 * the pid now belongs to another process, so the owner is gone too; a folder whose owner cannot be
 * told to be gone (a live pid, no /proc to read, an unreadable lock) is left alone.
 *
 * A folder reaches its final name only once its lock is written (it is made under a hidden name
 * and renamed), so a sweep never sees a live folder without its lock.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The lock file inside each folder. */
export const OWNER_FILE = '.owner';

/** Who made a folder. */
export interface Owner {
  pid: number;
  /** The process's start time (clock ticks since boot, /proc/<pid>/stat field 22); null where unknown. */
  start: string | null;
}

/**
 * The start time of process `pid` from /proc (Linux), or undefined (no such process, or no /proc).
 * @example
 * processStart(process.pid);   // '123456'
 */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces or ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19]; // field 22 overall
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // another user's process: alive
  }
}

/**
 * Whether the process that wrote `owner` still runs (the same pid and the same start time).
 * @example
 * ownerAlive({ pid: process.pid, start: processStart(process.pid) ?? null });   // true
 */
export function ownerAlive(owner: Owner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return true; // not a lock we wrote: leave it
  if (!isRunning(owner.pid)) return false;
  const now = processStart(owner.pid);
  if (owner.start === null || now === undefined) return true;
  return now === owner.start;
}

/** The owner recorded in `dir`, or undefined when there is no readable lock. */
function readOwner(dir: string): Owner | undefined {
  try {
    const file = join(dir, OWNER_FILE);
    if (!lstatSync(file).isFile()) return undefined;
    const o = JSON.parse(readFileSync(file, 'utf8')) as Owner;
    return typeof o.pid === 'number' && (typeof o.start === 'string' || o.start === null) ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Create `dir` and any missing parents with mode 0700, set explicitly (mkdir's mode is narrowed by
 * the umask, and a parent made by `recursive` gets it too). Folders that exist are left as they are.
 * @example
 * makePrivateDirs('/tmp/shoal-worker-space-x/worker-1');
 */
export function makePrivateDirs(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    chmodSync(d, 0o700);
    if (d === first || dirname(d) === d) break;
  }
}

/**
 * Remove the folders `<parent>/<prefix>*` (and unfinished hidden ones, `.<prefix>*`) of this user
 * whose owner is gone. Returns the folders removed.
 * @example
 * sweepStale(tmpdir(), 'shoal-worker-space-');   // ['/tmp/shoal-worker-space-Xq3aB1']
 */
export function sweepStale(parent: string, prefix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const uid = process.getuid?.();
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) && !name.startsWith(`.${prefix}`)) continue;
    const dir = join(parent, name);
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      const owner = readOwner(dir);
      if (owner === undefined || ownerAlive(owner)) continue;
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      removed.push(dir);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

/**
 * A new private folder `<parent>/<prefix>XXXXXX` owned by this process (see the module comment),
 * after removing the stale folders of the same prefix. `parent` is made if missing.
 * @example
 * const dir = makeOwnedDir(tmpdir(), 'shoal-worker-space-');   // mode 0700, with its lock file
 */
export function makeOwnedDir(parent: string, prefix: string): string {
  makePrivateDirs(parent);
  sweepStale(parent, prefix);
  const staging = mkdtempSync(join(parent, `.${prefix}`));
  try {
    chmodSync(staging, 0o700);
    const owner: Owner = { pid: process.pid, start: processStart(process.pid) ?? null };
    writeFileSync(join(staging, OWNER_FILE), JSON.stringify(owner), { mode: 0o600, flag: 'wx' });
    const dir = join(parent, `${prefix}${staging.slice(staging.length - 6)}`);
    renameSync(staging, dir);
    return dir;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
