/** Every benchmark workload, by name. Each issue adds its own here. */
import type { Workload } from './types.ts';
import { taskOverhead } from './task-overhead.ts';
import { bagCheap } from './bag-cheap.ts';
import { bagSleep } from './bag-sleep.ts';
import { bagText } from './bag-text.ts';

export const workloads: Record<string, Workload> = {
  'task-overhead': taskOverhead,
  'bag-cheap': bagCheap,
  'bag-sleep': bagSleep,
  'bag-text': bagText,
};
