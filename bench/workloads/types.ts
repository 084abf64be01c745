export interface RunContext {
  scheduler: string;
  dataDir: string;
  [variant: string]: unknown;
}

export interface Workload {
  /** Schedulers run when `--scheduler` is not given. */
  schedulers: string[];
  /** Each run starts its own process (which starts its own pool): the runner starts no pool. */
  ownProcesses?: boolean;
  /** Variants run for each scheduler (each becomes fields of the output line). */
  variants?: Record<string, unknown>[];
  /** One timed run; returns at least `checksum`. */
  run(ctx: RunContext): Promise<{ checksum: unknown; [k: string]: unknown }>;
  /** Extra fields from the median wall time and the last result. */
  fields?(wallSeconds: number, result: Record<string, unknown>): Record<string, unknown>;
  /** Called once after the workload's last line (stop what it started: a redis-server, workers). */
  teardown?(): Promise<void>;
}
