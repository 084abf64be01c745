/**
 * `performanceReport`: run a function and save the dashboard's panels for everything it ran as
 * one static HTML file (Dask's `performance_report`).
 */
import { writeFileSync } from 'node:fs';
import { getDefaultScheduler } from '../../schedulers/index.ts';
import { distributedMessages, OptionError } from '../../errors.ts';
import { checkOptions, optionKeys } from '../../options.ts';
import { DashboardModel } from './model.ts';
import { dashboardPage } from './page.ts';
import type { SchedulerServer } from '../server.ts';

/** What a report needs of a client (the default client when none is given). */
interface HasCluster {
  cluster: { server: SchedulerServer; workers: Array<{ id: string; pid: number }> };
}

/** Options of `performanceReport`. */
export interface PerformanceReportOptions {
  /** The HTML file to write. */
  filename: string;
  /** The client whose cluster to watch (default: the default client). */
  client?: HasCluster;
}
const REPORT_KEYS = optionKeys<PerformanceReportOptions>({ filename: true, client: true });

/**
 * Record the task stream, progress, worker memory/CPU and graph while `fn` runs on the client's
 * cluster, then write them to `filename` as a self-contained HTML page.
 * @example
 * await performanceReport({ filename: 'report.html' }, async () => {
 *   await x.compute();
 * });
 */
export async function performanceReport<T>(opts: PerformanceReportOptions, fn: () => Promise<T> | T): Promise<T> {
  checkOptions('performanceReport', opts, REPORT_KEYS, true);
  const client = opts.client ?? (getDefaultScheduler() as unknown as HasCluster | undefined);
  if (!client?.cluster?.server) throw new OptionError(distributedMessages.noClient());
  const cluster = client.cluster;
  const model = new DashboardModel(cluster.server, () => cluster.workers);
  const t0 = Date.now();
  const sampler = setInterval(() => model.sampleGraph(), 100);
  sampler.unref();
  try {
    return await fn();
  } finally {
    clearInterval(sampler);
    const snap = model.snapshot(0);
    model.detach();
    writeFileSync(opts.filename, dashboardPage(`shoal performance report (${((Date.now() - t0) / 1000).toFixed(2)} s)`, snap));
  }
}
