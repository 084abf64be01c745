/** The wording of two messages the cluster shows (src/errors.ts). */
import { expect, test } from 'vitest';
import { messages } from '../../src/errors.ts';

test('cannotClone has one period whether or not V8 ended its message with one', () => {
  let v8 = '';
  try {
    structuredClone({ f: () => 1 });
  } catch (e) {
    v8 = (e as Error).message;
  }
  expect(v8).toMatch(/could not be cloned\.$/); // what V8 says today, period included
  for (const detail of [v8, v8.replace(/\.$/, '')]) {
    const m = messages.cannotClone('k', 'worker-1', detail);
    expect(m).not.toMatch(/\.\./);
    expect(m).toContain('could not be cloned. Return plain data');
  }
});

test('closure names the workers of the scheduler it was refused for', () => {
  expect(messages.closure('f', ['y'], 'processes')).toContain('and worker processes do not share this scope');
  expect(messages.closure('f', ['y'], 'threads')).toContain('and worker threads do not share this scope');
  const cluster = messages.closure('f', ['y'], 'distributed');
  expect(cluster).toContain("and the 'distributed' scheduler's workers do not share this scope");
  expect(cluster).not.toMatch(/worker threads|worker processes/);
});
