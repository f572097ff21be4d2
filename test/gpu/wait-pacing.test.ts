import { describe, expect, it } from 'vitest';
import { enableWaitPacing, paced } from '../../src/gpu/wait-pacing.ts';

/** Returns the milliseconds that `turns` turns of the event loop take, each one setImmediate callback. */
function timeTurns(turns: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    let left = turns;
    const turn = (): void => {
      left -= 1;
      if (left === 0) {
        resolve(performance.now() - started);
      } else {
        setImmediate(turn);
      }
    };
    setImmediate(turn);
  });
}

describe('wait pacing', () => {
  it('slows the event loop only while a paced wait is pending', async () => {
    enableWaitPacing();
    let finish: () => void = () => undefined;
    const wait = paced(new Promise<void>((resolve) => (finish = resolve)));
    // Each turn sleeps at least the 1 ms pause while the wait is pending.
    expect(await timeTurns(20)).toBeGreaterThanOrEqual(19);
    finish();
    await wait;
    // Without the pause, 200 turns take a few milliseconds; paced, they would take 200.
    expect(await timeTurns(200)).toBeLessThan(100);
  });

  it('passes values and errors through', async () => {
    enableWaitPacing();
    await expect(paced(Promise.resolve(7))).resolves.toBe(7);
    await expect(paced(Promise.reject(new Error('lost')))).rejects.toThrow('lost');
  });
});
