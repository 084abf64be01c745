/**
 * Time limits on work: a compute's or a task's `timeout`, and the grace period cancelled work gets
 * before the worker still running it is terminated and replaced (`cancelGracePeriod`). Seconds in
 * the API, as in Dask; milliseconds for the timers.
 */
import { messages, OptionError } from '../errors.ts';

/** How long cancelled or timed-out work may go on running before its worker is replaced (seconds). */
export const DEFAULT_CANCEL_GRACE = 3;

/** The longest timer Node keeps (a longer one would fire at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The option `name` given in seconds, checked and in milliseconds (undefined when not given).
 * `timeout` must be > 0; a grace period may be 0 (terminate at once).
 * @example
 * secondsOption('timeout', 2.5);   // 2500
 * secondsOption('timeout', -1);    // throws OptionError: invalid option timeout=-1: must be a number of seconds > 0
 */
export function secondsOption(name: string, seconds: unknown, allowZero = false): number | undefined {
  if (seconds === undefined) return undefined;
  if (typeof seconds !== 'number' || !(seconds >= 0) || seconds === Infinity || (seconds === 0 && !allowZero)) {
    throw new OptionError(messages.badOption(name, seconds, `must be a number of seconds ${allowZero ? '>= 0' : '> 0'}`));
  }
  return Math.min(seconds * 1000, MAX_TIMER_MS);
}
