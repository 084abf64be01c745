// One cold start, run by the cold-start workload with plain node: import the built package, compute
// a one-line Bag on threads, print the timings (ms since this process started) as JSON.
const t0 = performance.now();
const { bag } = await import(process.argv[2]);
const imported = performance.now();
const value = await bag.fromSequence([1, 2, 3, 4]).map((x) => x * 2).sum().compute({ scheduler: 'threads' });
const done = performance.now();
const cpu = process.cpuUsage(); // every thread of this process, since it started
process.stdout.write(JSON.stringify({ value, startMs: t0, importMs: imported - t0, computeMs: done - imported, firstResultMs: done, cpuMs: (cpu.user + cpu.system) / 1000 }));
