import { describe, expect, it } from 'vitest';
import { formatTick, logTicks, MAX_TICK_COUNT, niceLinearTicks, niceTickStep } from '../../src/ui/ticks.ts';

/** Returns whether `value` is 1, 2 or 5 times a power of ten, to a relative 1e-9. */
function isNiceNumber(value: number): boolean {
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  return [1, 2, 5, 10].some((mantissa) => Math.abs(Math.abs(value) / 10 ** exponent - mantissa) <= 1e-9 * mantissa);
}

const LINEAR_CASES: Array<[number, number, number]> = [
  [0, 1, 5],
  [0, 1, 11],
  [-3.7, 12.2, 6],
  [-5, -1, 4],
  [-1e-6, 3e-6, 5],
  [0.123, 0.125, 5],
  [1, 1 + 1e-9, 5],
  [1e20, 1e20 + 1e6, 5],
  [-1e300, 1e300, 7],
  [2.5, 97.5, 10],
  [0, 7, 2],
  [0.3, 0.7, 1],
  [-1e308, 1e308, 5],
];

describe('niceLinearTicks', () => {
  it.each(LINEAR_CASES)('[%d, %d] with at most %d ticks', (min, max, maxCount) => {
    const ticks = niceLinearTicks(min, max, maxCount);

    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.length).toBeLessThanOrEqual(maxCount);
    for (const tick of ticks) {
      expect(tick).toBeGreaterThanOrEqual(min);
      expect(tick).toBeLessThanOrEqual(max);
    }
    for (let i = 1; i < ticks.length; i++) {
      expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
    }
  });

  it.each(LINEAR_CASES.filter(([, , maxCount]) => maxCount >= 3))('steps are nice on [%d, %d]', (min, max, maxCount) => {
    const ticks = niceLinearTicks(min, max, maxCount);
    const step = niceTickStep(min, max, maxCount);

    expect(isNiceNumber(step)).toBe(true);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    // Ticks are multiples of the step to within a few ulps of the bounds (16384 at 1e20).
    const tolerance = 1e-6 * step + 4 * Number.EPSILON * Math.max(Math.abs(min), Math.abs(max));
    for (let i = 1; i < ticks.length; i++) {
      expect(Math.abs(ticks[i]! - ticks[i - 1]! - step)).toBeLessThanOrEqual(tolerance);
    }
    for (const tick of ticks) {
      expect(Math.abs(tick - Math.round(tick / step) * step)).toBeLessThanOrEqual(tolerance);
    }
  });

  it('uses as many ticks as the count allows', () => {
    expect(niceLinearTicks(0, 1, 11)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(niceLinearTicks(0, 1, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceLinearTicks(0, 1, 5)).toEqual([0, 0.5, 1]);
    expect(niceLinearTicks(0, 100, 3)).toEqual([0, 50, 100]);
    expect(niceLinearTicks(-5, -1, 5)).toEqual([-5, -4, -3, -2, -1]);
  });

  it('computes decimal ticks without drift', () => {
    expect(niceLinearTicks(0.1, 0.5, 5)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(niceLinearTicks(-0.3, 0, 4)).toEqual([-0.3, -0.2, -0.1, 0]);
  });

  it('returns no negative zero', () => {
    const ticks = niceLinearTicks(-1, 1, 3);
    expect(ticks).toEqual([-1, 0, 1]);
    expect(Object.is(ticks[1], -0)).toBe(false);
  });

  it('accepts reversed bounds', () => {
    expect(niceLinearTicks(1, 0, 3)).toEqual(niceLinearTicks(0, 1, 3));
  });

  it('degenerate range gives one tick', () => {
    expect(niceLinearTicks(3, 3, 5)).toEqual([3]);
    expect(niceLinearTicks(0, 0, 5)).toEqual([0]);
    expect(niceLinearTicks(1, 1 + Number.EPSILON, 5)).toEqual([1]);
    expect(niceLinearTicks(0, 1e-300, 5)).toEqual([0]);
    expect(niceTickStep(3, 3, 5)).toBeNaN();
  });

  it('tiny range gives distinct ticks', () => {
    const ticks = niceLinearTicks(1, 1 + 1e-9, 5);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(new Set(ticks).size).toBe(ticks.length);
  });

  it('invalid input gives no ticks', () => {
    expect(niceLinearTicks(NaN, 1, 5)).toEqual([]);
    expect(niceLinearTicks(0, Infinity, 5)).toEqual([]);
    expect(niceLinearTicks(0, 1, 0)).toEqual([]);
    expect(niceLinearTicks(0, 1, NaN)).toEqual([]);
  });

  it('caps the count', () => {
    expect(niceLinearTicks(0, 1, 1e9).length).toBeLessThanOrEqual(MAX_TICK_COUNT);
  });
});

describe('logTicks', () => {
  const cases: Array<[number, number, number]> = [
    [1e-6, 1, 8],
    [1e-6, 1, 4],
    [0.03, 40, 8],
    [1, 50, 10],
    [2e-300, 1e300, 6],
    [1e-32, 3, 6],
    [0.7, 9, 6],
  ];

  it.each(cases)('[%d, %d] with at most %d ticks', (min, max, maxCount) => {
    const ticks = logTicks(min, max, maxCount);

    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.length).toBeLessThanOrEqual(maxCount);
    for (const tick of ticks) {
      expect(tick).toBeGreaterThanOrEqual(min);
      expect(tick).toBeLessThanOrEqual(max);
      expect(isNiceNumber(tick)).toBe(true);
    }
    for (let i = 1; i < ticks.length; i++) {
      expect(ticks[i]!).toBeGreaterThan(ticks[i - 1]!);
    }
  });

  it('gives decades on long ranges', () => {
    expect(logTicks(1e-6, 1, 8)).toEqual([1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]);
  });

  it('thins decades to the count and keeps 1', () => {
    const ticks = logTicks(1e-6, 1e6, 5);
    expect(ticks.length).toBeLessThanOrEqual(5);
    expect(ticks).toContain(1);
    const exponents = ticks.map((tick) => Math.round(Math.log10(tick)));
    const strides = exponents.slice(1).map((exponent, i) => exponent - exponents[i]!);
    expect(new Set(strides).size).toBe(1);
  });

  it('subdivides short ranges', () => {
    expect(logTicks(1, 50, 10)).toEqual([1, 2, 5, 10, 20, 50]);
    expect(logTicks(0.7, 9, 6)).toEqual([1, 2, 5]);
  });

  it('falls back to linear ticks inside one factor', () => {
    const ticks = logTicks(3, 4, 5);
    expect(ticks.length).toBeGreaterThan(0);
    for (const tick of ticks) {
      expect(tick).toBeGreaterThanOrEqual(3);
      expect(tick).toBeLessThanOrEqual(4);
    }
  });

  it('invalid input gives no ticks', () => {
    expect(logTicks(0, 1, 5)).toEqual([]);
    expect(logTicks(-1, 1, 5)).toEqual([]);
    expect(logTicks(1, Infinity, 5)).toEqual([]);
    expect(logTicks(1e-3, 1, 0)).toEqual([]);
  });

  it('degenerate range does not throw', () => {
    expect(logTicks(5, 5, 5)).toEqual([5]);
    expect(logTicks(1, 1 + 1e-12, 5).length).toBeGreaterThan(0);
  });
});

describe('formatTick', () => {
  it('writes just enough digits', () => {
    expect(formatTick(0.05, 0.05)).toBe('0.05');
    expect(formatTick(1.25, 0.05)).toBe('1.25');
    expect(formatTick(1.2, 0.2)).toBe('1.2');
    expect(formatTick(2, 0.5)).toBe('2');
    expect(formatTick(-300, 100)).toBe('-300');
    expect(formatTick(0.30000000000000004, 0.1)).toBe('0.3');
  });

  it('uses exponent form outside [1e-3, 1e5)', () => {
    expect(formatTick(1e-6, 1e-6)).toBe('1e-6');
    expect(formatTick(2.5e-6, 5e-7)).toBe('2.5e-6');
    expect(formatTick(2000, 1000)).toBe('2000');
    expect(formatTick(2e5, 1e5)).toBe('2e5');
    expect(formatTick(150000, 50000)).toBe('1.5e5');
    expect(formatTick(-3e9, 1e9)).toBe('-3e9');
  });

  it('prints rounding noise at zero as 0', () => {
    expect(formatTick(1e-17, 0.1)).toBe('0');
    expect(formatTick(-0, 1)).toBe('0');
  });

  it('labels a tiny range distinctly', () => {
    const min = 1;
    const max = 1 + 1e-9;
    const ticks = niceLinearTicks(min, max, 5);
    const step = niceTickStep(min, max, 5);
    const labels = ticks.map((tick) => formatTick(tick, step));
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('labels round-trip to within a tenth of a step', () => {
    const ranges: Array<[number, number]> = [
      [0, 1],
      [-3.7, 12.2],
      [1, 1 + 1e-9],
      [-2e-7, 9e-7],
      [1e20, 1e20 + 1e6],
      [12345, 98765],
      [-0.0042, 0.0017],
    ];
    for (const [min, max] of ranges) {
      const step = niceTickStep(min, max, 7);
      for (const tick of niceLinearTicks(min, max, 7)) {
        const parsed = Number(formatTick(tick, step));
        expect(Number.isFinite(parsed)).toBe(true);
        expect(Math.abs(parsed - tick)).toBeLessThanOrEqual(step * 0.1);
      }
    }
  });

  it('log labels round-trip', () => {
    for (const tick of logTicks(1e-12, 1e12, 25)) {
      expect(Number(formatTick(tick, tick))).toBe(tick);
    }
    for (const tick of logTicks(0.01, 1, 10)) {
      expect(Number(formatTick(tick, tick))).toBe(tick);
    }
  });

  it('labels the linear fallback of logTicks distinctly', () => {
    const ticks = logTicks(3, 4, 6);
    const labels = ticks.map((tick) => formatTick(tick, tick));
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('handles non-finite values and steps', () => {
    expect(formatTick(Infinity, 1)).toBe('Infinity');
    expect(formatTick(NaN, 1)).toBe('NaN');
    expect(Number(formatTick(Math.PI, NaN))).toBeCloseTo(Math.PI, 5);
  });
});
