/**
 * The scheduler state machine by events alone (no processes): transitions, locality, priorities,
 * refcounts, retries, lost workers and KilledWorker (after Dask's test_scheduler.py and
 * test_worker_state_machine.py ideas).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SchedulerState, type Instruction, type NewTask } from '../../src/distributed/scheduler-state.ts';

const t = (key: string, deps: string[] = [], extra: Partial<NewTask> = {}): NewTask => ({ key, deps, run: key, ...extra });
const computes = (ins: Instruction[]) => ins.filter((i) => i.op === 'compute') as Extract<Instruction, { op: 'compute' }>[];
const frees = (ins: Instruction[]) => ins.filter((i) => i.op === 'free') as Extract<Instruction, { op: 'free' }>[];

function cluster(workers: Record<string, number> = { a: 1, b: 1 }, opts = {}) {
  const s = new SchedulerState(opts);
  for (const [w, n] of Object.entries(workers)) s.handle({ type: 'add-worker', worker: w, nthreads: n });
  return s;
}

describe('scheduler state machine', () => {
  test('a chain: queued behind its inputs on one worker, inputs released after their last use', () => {
    const s = cluster({ a: 1 });
    let ins = s.handle({ type: 'update-graph', client: 'c', tasks: [t('x'), t('y', ['x']), t('z', ['y'])], wants: ['z'] });
    // x is ready; y and z are queued behind it on the same worker (no round trip per link).
    expect(computes(ins)).toMatchObject([
      { key: 'x', worker: 'a', deps: [] },
      { key: 'y', worker: 'a', deps: [['x', []]] },
      { key: 'z', worker: 'a', deps: [['y', []]] },
    ]);
    expect(s.stateOf('y')).toBe('processing');
    ins = s.handle({ type: 'task-finished', worker: 'a', key: 'x', nbytes: 8 });
    expect(ins).toEqual([]);
    ins = s.handle({ type: 'task-finished', worker: 'a', key: 'y', nbytes: 8 });
    expect(frees(ins)).toEqual([{ op: 'free', worker: 'a', keys: ['x'] }]);
    ins = s.handle({ type: 'task-finished', worker: 'a', key: 'z', nbytes: 8 });
    expect(ins).toContainEqual({ op: 'key-in-memory', key: 'z', nbytes: 8 });
    expect(frees(ins)).toEqual([{ op: 'free', worker: 'a', keys: ['y'] }]);
    expect(s.stateOf('z')).toBe('memory');
    // The client lets go: everything is forgotten.
    ins = s.handle({ type: 'release-keys', client: 'c', keys: ['z'] });
    expect(frees(ins)).toEqual([{ op: 'free', worker: 'a', keys: ['z'] }]);
    expect(s.tasks.size).toBe(0);
  });

  test('tasks run where their inputs are (locality), roots spread over workers', () => {
    const s = cluster({ a: 1, b: 1 });
    const ins = s.handle({ type: 'update-graph', client: 'c', tasks: [t('p'), t('q')], wants: [] });
    expect(ins).toEqual([]); // nobody wants them: nothing runs, nothing kept
    expect(s.tasks.size).toBe(0);
    const i2 = s.handle({ type: 'update-graph', client: 'c', tasks: [t('p'), t('q'), t('pq', ['p', 'q'])], wants: ['pq'] });
    const placed = Object.fromEntries(computes(i2).map((i) => [i.key, i.worker]));
    expect(Object.keys(placed).sort()).toEqual(['p', 'q']);
    expect(placed.p).not.toBe(placed.q);
    s.handle({ type: 'task-finished', worker: placed.p!, key: 'p', nbytes: 10 });
    // pq goes to the holder of its larger input.
    const q = s.handle({ type: 'task-finished', worker: placed.q!, key: 'q', nbytes: 1e7 });
    expect(computes(q)).toMatchObject([{ key: 'pq', worker: placed.q }]);
  });
  test('a result many tasks need: its dependents spread over the workers once its holder is busy', () => {
    const s = cluster({ a: 1, b: 1 });
    const deps = Array.from({ length: 8 }, (_, i) => t(`f${i}`, ['x'], { order: i + 1 }));
    s.handle({ type: 'update-graph', client: 'c', tasks: [t('x', [], { order: 0 }), ...deps], wants: deps.map((d) => d.key) });
    const holder = s.tasks.get('x')!.processingOn!.id;
    const ins = s.handle({ type: 'task-finished', worker: holder, key: 'x', nbytes: 8 });
    const per = new Map<string, number>();
    for (const c of computes(ins)) per.set(c.worker, (per.get(c.worker) ?? 0) + 1);
    expect(per.size).toBe(2);
    expect(Math.min(...per.values())).toBeGreaterThanOrEqual(2);
  });

  test('two long chains from one input run on two workers; tiny tasks stay with a big input', () => {
    for (const [ms, nbytes, spread] of [
      [100, 8, true],
      [0, 1e8, false],
    ] as const) {
      const s = cluster({ a: 1, b: 1 });
      const tasks = [t('x'), t('p1', ['x']), t('p2', ['p1']), t('q1', ['x']), t('q2', ['q1'])];
      s.handle({ type: 'update-graph', client: 'c', tasks, wants: ['p2', 'q2'] });
      const w = s.tasks.get('x')!.processingOn!.id;
      const ins = s.handle({ type: 'task-finished', worker: w, key: 'x', nbytes, start: 0, end: ms });
      const heads = computes(ins).filter((i) => i.key.endsWith('1'));
      expect(heads).toHaveLength(2);
      expect(new Set(heads.map((i) => i.worker)).size).toBe(spread ? 2 : 1);
      // Each chain's second link is queued behind its head, wherever that went.
      for (const h of heads) expect(computes(ins).find((i) => i.key === `${h.key[0]}2`)!.worker).toBe(h.worker);
    }
  });

  test('priorities: graph order, then user priority', () => {
    const s = cluster({ a: 1 });
    const ins = s.handle({
      type: 'update-graph',
      client: 'c',
      tasks: [t('late', [], { order: 5 }), t('early', [], { order: 1 }), t('urgent', [], { order: 9, priority: 10 })],
      wants: ['late', 'early', 'urgent'],
    });
    const pr = Object.fromEntries(computes(ins).map((i) => [i.key, i.priority]));
    const sorted = Object.keys(pr).sort((x, y) => {
      const a = pr[x]!, b = pr[y]!;
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
      return 0;
    });
    expect(sorted).toEqual(['urgent', 'early', 'late']);
  });

  test('refcounts: a key stays while any client reference wants it', () => {
    const s = cluster({ a: 1 });
    s.handle({ type: 'update-graph', client: 'c', tasks: [t('x')], wants: ['x'] });
    s.handle({ type: 'update-graph', client: 'c', tasks: [t('x')], wants: ['x'] });
    s.handle({ type: 'task-finished', worker: 'a', key: 'x', nbytes: 1 });
    expect(frees(s.handle({ type: 'release-keys', client: 'c', keys: ['x'] }))).toEqual([]);
    expect(s.stateOf('x')).toBe('memory');
    expect(frees(s.handle({ type: 'release-keys', client: 'c', keys: ['x'] }))).toHaveLength(1);
    expect(s.stateOf('x')).toBe('forgotten');
  });

  test('releasing a running key cancels it on its worker (a stop, which the transport can see end)', () => {
    const s = cluster({ a: 1 });
    s.handle({ type: 'update-graph', client: 'c', tasks: [t('x'), t('y', ['x'])], wants: ['y'] });
    const ins = s.handle({ type: 'release-keys', client: 'c', keys: ['y'] });
    expect(frees(ins)).toEqual([]);
    expect(ins.filter((i) => i.op === 'stop')).toEqual([
      { op: 'stop', worker: 'a', keys: ['y'] },
      { op: 'stop', worker: 'a', keys: ['x'] },
    ]);
    expect(s.workers.get('a')!.processing.size).toBe(0);
    expect(s.tasks.size).toBe(0);
    // A late result of the cancelled task is freed, not kept.
    expect(s.handle({ type: 'task-finished', worker: 'a', key: 'x', nbytes: 1 })).toEqual([{ op: 'free', worker: 'a', keys: ['x'] }]);
  });

  test('an error blames the task and its dependents; retries re-run it first', () => {
    const s = cluster({ a: 1 });
    s.handle({ type: 'update-graph', client: 'c', tasks: [t('x', [], { retries: 1 }), t('y', ['x'])], wants: ['y'] });
    const info = { name: 'RangeError', message: 'boom' };
    const again = s.handle({ type: 'task-erred', worker: 'a', key: 'x', info });
    expect(computes(again).map((i) => i.key)).toEqual(['x']);
    const ins = s.handle({ type: 'task-erred', worker: 'a', key: 'x', info });
    expect(ins).toContainEqual({ op: 'key-erred', key: 'y', failure: { kind: 'exception', key: 'x', worker: 'a', info } });
    expect(s.counts.retried).toBe(1);
  });

  test('a dead worker: running tasks move, lost results are recomputed from lineage', () => {
    const s = cluster({ a: 1, b: 1 });
    s.handle({ type: 'update-graph', client: 'c', tasks: [t('x'), t('y', ['x']), t('z', ['y'])], wants: ['z'] });
    const w = s.tasks.get('x')!.processingOn!.id;
    s.handle({ type: 'task-finished', worker: w, key: 'x', nbytes: 1 });
    s.handle({ type: 'task-finished', worker: w, key: 'y', nbytes: 1 });
    expect(s.stateOf('x')).toBe('released');
    const other = w === 'a' ? 'b' : 'a';
    // z is running on w, which dies holding y: y must be recomputed, which needs x again.
    const ins = s.handle({ type: 'remove-worker', worker: w });
    expect(computes(ins)).toMatchObject([
      { key: 'x', worker: other },
      { key: 'y', worker: other },
      { key: 'z', worker: other },
    ]);
    s.handle({ type: 'task-finished', worker: other, key: 'x', nbytes: 1 });
    s.handle({ type: 'task-finished', worker: other, key: 'y', nbytes: 1 });
    const fin = s.handle({ type: 'task-finished', worker: other, key: 'z', nbytes: 1 });
    expect(fin).toContainEqual({ op: 'key-in-memory', key: 'z', nbytes: 1 });
    expect(s.counts.recomputed).toBe(1);
  });

  test('a lost input takes back the tasks queued behind its dependent, and they run again', () => {
    const s = cluster({ a: 1, b: 1 });
    // p on one worker, q on the other; r = f(p, q) goes to q's holder with s and t queued behind it.
    s.handle({ type: 'update-graph', client: 'c', tasks: [t('p', [], { order: 0 }), t('q', [], { order: 1 }), t('r', ['p', 'q']), t('s', ['r']), t('t', ['s'])], wants: ['t'] });
    const pw = s.tasks.get('p')!.processingOn!.id;
    const qw = s.tasks.get('q')!.processingOn!.id;
    s.handle({ type: 'task-finished', worker: pw, key: 'p', nbytes: 1 });
    const ins = s.handle({ type: 'task-finished', worker: qw, key: 'q', nbytes: 100 });
    expect(computes(ins).map((i) => [i.key, i.worker])).toEqual([
      ['r', qw],
      ['s', qw],
      ['t', qw],
    ]);
    // p's worker dies before r fetched p: r, s and t are freed on qw and wait for p again.
    const lost = s.handle({ type: 'remove-worker', worker: pw });
    expect(frees(lost).flatMap((f) => f.keys).sort()).toEqual(['r', 's', 't']);
    // p is recomputed on the survivor, and r, s, t queue behind it there again.
    expect(computes(lost).map((i) => [i.key, i.worker])).toEqual([
      ['p', qw],
      ['r', qw],
      ['s', qw],
      ['t', qw],
    ]);
    // Tasks that were only queued (inputs not ready) are not suspected of killing their worker.
    expect(s.tasks.get('s')!.suspicious).toBe(0);
  });

  test('a worker removed blameless (terminated to stop a cancelled task): its tasks move without a death counted', () => {
    const s = cluster({ a: 1, b: 1 }, { allowedFailures: 1 });
    s.handle({ type: 'update-graph', client: 'c', tasks: [t('x')], wants: ['x'] });
    const on = s.tasks.get('x')!.processingOn!.id;
    const ins = s.handle({ type: 'remove-worker', worker: on, detail: 'terminated', blameless: true });
    // With allowedFailures 1 a counted death would have erred it: it runs elsewhere instead.
    expect(computes(ins)).toMatchObject([{ key: 'x', worker: on === 'a' ? 'b' : 'a' }]);
    expect(s.tasks.get('x')!.suspicious).toBe(0);
  });

  test('KilledWorker after exactly allowedFailures deaths', () => {
    const s = cluster({ w1: 1 }, { allowedFailures: 3 });
    s.handle({ type: 'update-graph', client: 'c', tasks: [t('bomb')], wants: ['bomb'] });
    let n = 1;
    for (let death = 1; death <= 3; death++) {
      s.handle({ type: 'add-worker', worker: `w${++n}`, nthreads: 1 });
      const ins = s.handle({ type: 'remove-worker', worker: s.tasks.get('bomb')!.processingOn!.id });
      if (death < 3) expect(computes(ins)).toHaveLength(1);
      else expect(ins).toContainEqual(expect.objectContaining({ op: 'key-erred', key: 'bomb', failure: expect.objectContaining({ kind: 'killed-worker', deaths: 3 }) }));
    }
  });

  test('no workers: ready tasks wait, and run when one joins', () => {
    const s = new SchedulerState();
    expect(s.handle({ type: 'update-graph', client: 'c', tasks: [t('x')], wants: ['x'] })).toEqual([]);
    expect(computes(s.handle({ type: 'add-worker', worker: 'a', nthreads: 2 }))).toHaveLength(1);
  });

  test('scattered data is in memory on its worker', () => {
    const s = cluster({ a: 1 });
    const ins = s.handle({ type: 'add-data', client: 'c', worker: 'a', data: [{ key: 'd', nbytes: 80 }] });
    expect(ins).toEqual([{ op: 'key-in-memory', key: 'd', nbytes: 80 }]);
    expect(s.whoHas('d')).toEqual(['a']);
    expect(s.workers.get('a')!.nbytes).toBe(80);
  });

  test('property: any DAG computes every wanted key and forgets everything once released', () => {
    const dag = fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(dag, fc.integer({ min: 1, max: 3 }), fc.nat(), (depLists, nw, seed) => {
        const tasks = depLists.map((ds, i) => t(`k${i}`, i === 0 ? [] : [...new Set(ds.map((d) => `k${d % i}`))], { order: i }));
        const wants = tasks.filter((_, i) => (i + seed) % 3 === 0 || i === tasks.length - 1).map((x) => x.key);
        const s = cluster(Object.fromEntries(Array.from({ length: nw }, (_, i) => [`w${i}`, 1])));
        const queue = computes(s.handle({ type: 'update-graph', client: 'c', tasks, wants }));
        const inMemory = new Set<string>();
        let steps = 0;
        while (queue.length > 0) {
          // Finish tasks in a scrambled order, each once its inputs are done (as workers do).
          const runnable = queue.filter((c) => s.tasks.get(c.key)!.deps.every((d) => d.state === 'memory'));
          expect(runnable.length).toBeGreaterThan(0);
          const c = runnable[(seed + steps++) % runnable.length]!;
          queue.splice(queue.indexOf(c), 1);
          // Its inputs are on its worker, or the worker was told where they are.
          for (const [dk, holders] of c.deps) expect(holders.length > 0 || s.whoHas(dk).includes(c.worker)).toBe(true);
          for (const ins of s.handle({ type: 'task-finished', worker: c.worker, key: c.key, nbytes: 1 })) {
            if (ins.op === 'compute') queue.push(ins);
            if (ins.op === 'key-in-memory') inMemory.add(ins.key);
          }
        }
        expect([...inMemory].sort()).toEqual([...new Set(wants)].sort());
        s.handle({ type: 'release-keys', client: 'c', keys: wants });
        expect(s.tasks.size).toBe(0);
        for (const w of s.workers.values()) expect([w.hasWhat.size, w.nbytes, w.processing.size]).toEqual([0, 0, 0]);
      }),
      { numRuns: 100 },
    );
  });

  test('property: with workers dying and tasks throwing at random moments, every wanted key ends in memory or erred, then all is forgotten', () => {
    const dag = fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 1, maxLength: 40 });
    const script = fc.array(fc.nat(), { minLength: 5, maxLength: 60 });
    fc.assert(
      fc.property(dag, script, (depLists, choices) => {
        const tasks = depLists.map((ds, i) => t(`k${i}`, i === 0 ? [] : [...new Set(ds.map((d) => `k${d % i}`))], { order: i, retries: 1 }));
        const wants = [tasks[tasks.length - 1]!.key, tasks[0]!.key];
        const s = new SchedulerState({ allowedFailures: 1000 });
        let nextWorker = 0;
        const join = () => s.handle({ type: 'add-worker', worker: `w${nextWorker++}`, nthreads: 1 });
        const pending: Array<{ key: string; worker: string }> = [];
        const heard = new Map<string, string>(); // the last report per key
        const apply = (ins: Instruction[]) => {
          for (const i of ins) {
            if (i.op === 'compute') pending.push({ key: i.key, worker: i.worker });
            if (i.op === 'free') for (const k of i.keys) for (let j = pending.length - 1; j >= 0; j--) if (pending[j]!.worker === i.worker && pending[j]!.key === k) pending.splice(j, 1);
            if (i.op === 'key-in-memory') heard.set(i.key, 'memory');
            if (i.op === 'key-erred') heard.set(i.key, 'erred');
          }
        };
        apply(join());
        apply(join());
        apply(s.handle({ type: 'update-graph', client: 'c', tasks, wants }));
        let step = 0;
        while (pending.length > 0) {
          const choice = choices[step++ % choices.length]!;
          if (step < 200 && choice % 7 === 0 && s.workers.size > 0) {
            // A worker dies (its pending work goes with it) and a new one joins.
            const victims = [...s.workers.keys()];
            const dead = victims[choice % victims.length]!;
            for (let j = pending.length - 1; j >= 0; j--) if (pending[j]!.worker === dead) pending.splice(j, 1);
            apply(s.handle({ type: 'remove-worker', worker: dead }));
            apply(join());
            continue;
          }
          const runnable = pending.filter((p) => s.tasks.get(p.key)?.deps.every((d) => d.state === 'memory'));
          expect(runnable.length).toBeGreaterThan(0);
          const p = runnable[choice % runnable.length]!;
          pending.splice(pending.indexOf(p), 1);
          // Now and then a task throws (each may be retried once).
          if (choice % 11 === 3) apply(s.handle({ type: 'task-erred', worker: p.worker, key: p.key, info: { name: 'E', message: p.key } }));
          else apply(s.handle({ type: 'task-finished', worker: p.worker, key: p.key, nbytes: 1 }));
        }
        // Every wanted key ended in memory or failed (a result lost and recomputed may fail later),
        // and the last thing the client heard is where it ended.
        for (const k of wants) expect(['memory', 'erred']).toContain(s.stateOf(k));
        for (const k of wants) expect(heard.get(k)).toBe(s.stateOf(k));
        apply(s.handle({ type: 'release-keys', client: 'c', keys: wants }));
        expect(s.tasks.size).toBe(0);
        for (const w of s.workers.values()) expect([w.hasWhat.size, w.nbytes, w.processing.size]).toEqual([0, 0, 0]);
      }),
      { numRuns: 150 },
    );
  });
});
