/** The worker state machine by events alone (no processes). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { WorkerState } from '../../src/distributed/worker-state.ts';

const ops = (ins: { op: string }[]) => ins.map((i) => i.op);

describe('worker state machine', () => {
  test('runs at most nthreads tasks at once, highest priority first', () => {
    const w = new WorkerState('w', 2);
    w.handle({ type: 'compute', key: 'c', run: 'c', priority: [0, 1, 3], deps: [] });
    w.handle({ type: 'pause', paused: true });
    w.handle({ type: 'compute', key: 'a', run: 'a', priority: [0, 1, 1], deps: [] });
    w.handle({ type: 'compute', key: 'b', run: 'b', priority: [0, 1, 2], deps: [] });
    const ins = w.handle({ type: 'pause', paused: false });
    expect(ins).toEqual([{ op: 'execute', key: 'a', run: 'a' }]); // c already runs: one slot left
    const done = w.handle({ type: 'executed', key: 'c', ok: true, nbytes: 8, start: 1, end: 2 });
    expect(done).toEqual([
      { op: 'finished', key: 'c', nbytes: 8, start: 1, end: 2 },
      { op: 'execute', key: 'b', run: 'b' },
    ]);
    expect(w.memory).toBe(8);
  });

  test('missing inputs are gathered, one request per holder, then dropped after their last use', () => {
    const w = new WorkerState('w', 1);
    const ins = w.handle({ type: 'compute', key: 'z', run: 'z', priority: [0], deps: [['x', ['p']], ['y', ['p', 'q']]] });
    expect(ins).toEqual([{ op: 'gather', holder: 'p', keys: ['x', 'y'] }]);
    expect(w.handle({ type: 'gathered', holder: 'p', keys: ['x', 'y'], nbytes: [10, 20] })).toEqual([{ op: 'execute', key: 'z', run: 'z' }]);
    expect(w.memory).toBe(30);
    const fin = w.handle({ type: 'executed', key: 'z', ok: true, nbytes: 5, start: 0, end: 1 });
    expect(fin).toEqual([
      { op: 'drop', key: 'x' },
      { op: 'drop', key: 'y' },
      { op: 'finished', key: 'z', nbytes: 5, start: 0, end: 1 },
    ]);
    expect(w.memory).toBe(5);
  });

  test('a holder without the data: tell the scheduler, and try the next holder', () => {
    const w = new WorkerState('w', 1);
    w.handle({ type: 'compute', key: 'z', run: 'z', priority: [0], deps: [['x', ['p', 'q']]] });
    const ins = w.handle({ type: 'gather-failed', holder: 'p', keys: ['x'] });
    expect(ins).toEqual([
      { op: 'missing', key: 'x', holder: 'p' },
      { op: 'gather', holder: 'q', keys: ['x'] },
    ]);
  });

  test('free: a running task is cancelled (its result dropped), a held value dropped', () => {
    const w = new WorkerState('w', 1);
    w.handle({ type: 'compute', key: 'a', run: 'a', priority: [0], deps: [] });
    expect(w.handle({ type: 'free', keys: ['a'] })).toEqual([]);
    expect(w.handle({ type: 'executed', key: 'a', ok: true, nbytes: 3, start: 0, end: 1 })).toEqual([{ op: 'drop', key: 'a' }]);
    expect(w.tasks.size).toBe(0);
    w.handle({ type: 'put', key: 'd', nbytes: 4 });
    expect(w.handle({ type: 'free', keys: ['d'] })).toEqual([{ op: 'drop', key: 'd' }]);
    expect(w.memory).toBe(0);
  });

  test('stop: a queued task is reported stopped at once, a running one when its run ends (not as a result)', () => {
    const w = new WorkerState('w', 1);
    w.handle({ type: 'compute', key: 'a', run: 'a', priority: [0], deps: [] });
    w.handle({ type: 'compute', key: 'b', run: 'b', priority: [1], deps: [] });
    expect(w.handle({ type: 'stop', keys: ['b'] })).toEqual([{ op: 'stopped', key: 'b' }]);
    expect(w.handle({ type: 'stop', keys: ['a'] })).toEqual([]); // still running
    expect(w.handle({ type: 'executed', key: 'a', ok: true, nbytes: 3, start: 0, end: 1 })).toEqual([
      { op: 'stopped', key: 'a' },
      { op: 'drop', key: 'a' },
    ]);
    expect(w.tasks.size).toBe(0);
    expect(w.executing).toBe(0);
    // Stopped, then wanted again while still running: the run counts, no `stopped`.
    w.handle({ type: 'compute', key: 'c', run: 'c', priority: [0], deps: [] });
    w.handle({ type: 'stop', keys: ['c'] });
    w.handle({ type: 'compute', key: 'c', run: 'c', priority: [0], deps: [] });
    expect(w.handle({ type: 'executed', key: 'c', ok: true, nbytes: 1, start: 0, end: 1 })).toEqual([{ op: 'finished', key: 'c', nbytes: 1, start: 0, end: 1 }]);
    // An unknown key (already done and dropped here) is stopped at once.
    expect(w.handle({ type: 'stop', keys: ['zzz'] })).toEqual([{ op: 'stopped', key: 'zzz' }]);
  });

  test('free of a queued task drops it; a retried task wakes the tasks queued behind it', () => {
    const w = new WorkerState('w', 1);
    w.handle({ type: 'compute', key: 'a', run: 'a', priority: [0], deps: [] });
    w.handle({ type: 'compute', key: 'b', run: 'b', priority: [1], deps: [['a', []]] });
    expect(w.handle({ type: 'free', keys: ['b'] })).toEqual([]);
    expect(w.tasks.has('b')).toBe(false);
    w.handle({ type: 'compute', key: 'b', run: 'b', priority: [1], deps: [['a', []]] });
    const info = { name: 'Error', message: 'flaky' };
    expect(ops(w.handle({ type: 'executed', key: 'a', ok: false, info, start: 0, end: 1 }))).toEqual(['erred']);
    expect(w.tasks.get('b')!.state).toBe('waiting');
    // The scheduler retries a here: b runs after it.
    expect(ops(w.handle({ type: 'compute', key: 'a', run: 'a', priority: [0], deps: [] }))).toEqual(['execute']);
    expect(w.handle({ type: 'executed', key: 'a', ok: true, nbytes: 1, start: 1, end: 2 })).toEqual([
      { op: 'finished', key: 'a', nbytes: 1, start: 1, end: 2 },
      { op: 'execute', key: 'b', run: 'b' },
    ]);
  });

  test('errors are reported with their info; the worker carries on', () => {
    const w = new WorkerState('w', 1);
    w.handle({ type: 'compute', key: 'a', run: 'a', priority: [0], deps: [] });
    w.handle({ type: 'compute', key: 'b', run: 'b', priority: [1], deps: [] });
    const info = { name: 'TypeError', message: 'nope' };
    expect(w.handle({ type: 'executed', key: 'a', ok: false, info, start: 0, end: 1 })).toEqual([
      { op: 'erred', key: 'a', info, start: 0, end: 1 },
      { op: 'execute', key: 'b', run: 'b' },
    ]);
    expect(ops(w.handle({ type: 'executed', key: 'b', ok: true, nbytes: 1, start: 1, end: 2 }))).toEqual(['finished']);
  });

  test('property: any interleaving of computes, results, transfers and frees keeps exact bytes and ends empty', () => {
    const script = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.nat()), { minLength: 1, maxLength: 80 });
    fc.assert(
      fc.property(script, fc.integer({ min: 1, max: 3 }), (steps, nthreads) => {
        const w = new WorkerState<string>('w', nthreads);
        const executing: string[] = [];
        const inFlight: Array<{ holder: string; keys: string[] }> = [];
        const assigned = new Set<string>();
        let n = 0;
        const run = (ins: ReturnType<typeof w.handle>) => {
          for (const i of ins) {
            if (i.op === 'execute') executing.push(i.key);
            if (i.op === 'gather') inFlight.push({ holder: i.holder, keys: i.keys });
          }
          // Invariants after every event.
          expect(w.executing).toBeLessThanOrEqual(nthreads);
          let bytes = 0;
          for (const t of w.tasks.values()) {
            if (t.state === 'memory') bytes += t.nbytes;
            if (t.state === 'ready') expect(t.missing.size).toBe(0);
          }
          expect(w.memory).toBe(bytes);
        };
        for (const [kind, a, b] of steps) {
          if (kind <= 1) {
            // A new task: inputs are earlier tasks still assigned here (queued or done) or remote values.
            const key = `t${n++}`;
            const local = [...assigned];
            const deps: Array<[string, string[]]> = [];
            if (local.length && a % 2 === 0) deps.push([local[a % local.length]!, []]);
            if (b % 3 === 0) deps.push([`r${b % 5}`, ['peer']]);
            assigned.add(key);
            run(w.handle({ type: 'compute', key, run: key, priority: [0, n], deps }));
          } else if (kind === 2 && executing.length) {
            const key = executing.splice(a % executing.length, 1)[0]!;
            run(w.handle(b % 5 === 0 ? { type: 'executed', key, ok: false, info: { name: 'E', message: 'x' }, start: 0, end: 1 } : { type: 'executed', key, ok: true, nbytes: 1 + (b % 100), start: 0, end: 1 }));
            if (b % 5 === 0) assigned.delete(key);
          } else if (kind === 3 && inFlight.length) {
            const g = inFlight.splice(a % inFlight.length, 1)[0]!;
            run(w.handle(b % 4 === 0 ? { type: 'gather-failed', holder: g.holder, keys: g.keys } : { type: 'gathered', holder: g.holder, keys: g.keys, nbytes: g.keys.map(() => 8) }));
          } else if (kind === 4 && assigned.size) {
            const key = [...assigned][a % assigned.size]!;
            assigned.delete(key);
            run(w.handle({ type: 'free', keys: [key] }));
          }
        }
        // Free everything, finish what runs, deliver what is in flight: nothing may remain.
        run(w.handle({ type: 'free', keys: [...assigned] }));
        for (let guard = 0; guard < 1000 && (executing.length || inFlight.length); guard++) {
          if (executing.length) run(w.handle({ type: 'executed', key: executing.shift()!, ok: true, nbytes: 1, start: 0, end: 1 }));
          if (inFlight.length) {
            const g = inFlight.shift()!;
            run(w.handle({ type: 'gathered', holder: g.holder, keys: g.keys, nbytes: g.keys.map(() => 8) }));
          }
          run(w.handle({ type: 'free', keys: [...w.tasks.keys()].filter((k) => w.tasks.get(k)!.assigned) }));
        }
        expect([...w.tasks.values()]).toEqual([]);
        expect(w.memory).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
