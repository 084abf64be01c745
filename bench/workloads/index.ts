/** Every benchmark workload, by name. Each issue adds its own here. */
import type { Workload } from './types.ts';
import { taskOverhead } from './task-overhead.ts';
import { clusterStartup } from './cluster-startup.ts';
import { clusterTaskOverhead } from './cluster-task-overhead.ts';

export const workloads: Record<string, Workload> = {
  'task-overhead': taskOverhead,
  'cluster-task-overhead': clusterTaskOverhead,
  'cluster-startup': clusterStartup,
};
