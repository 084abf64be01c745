/** Every benchmark workload, by name. Each issue adds its own here. */
import type { Workload } from './types.ts';
import { taskOverhead } from './task-overhead.ts';
import { callbackOverhead } from './callback-overhead.ts';

export const workloads: Record<string, Workload> = {
  'task-overhead': taskOverhead,
  'callback-overhead': callbackOverhead,
};
