import { describe, expect, it } from 'vitest';
import {
  estimateTextWidth,
  formatTick,
  layoutAxisTicks,
  logTicks,
  MAX_TICK_COUNT,
  niceLinearTicks,
  niceTickStep,
  offsetAxisTitle,
  type AxisSpace,
  type AxisTickLayout,
} from '../../src/ui/ticks.ts';
import { axisFraction, type RangeAxis } from '../../src/ui/view-geometry.ts';

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

/** The phase map's x axis: 512 CSS pixels, 12 px labels. */
const MAP_X: AxisSpace = { maxCount: 8, length: 512, fontSize: 12, direction: 'horizontal' };
/** The phase map's y axis, with the room between its title and the plot. */
const MAP_Y: AxisSpace = { maxCount: 8, length: 512, fontSize: 12, direction: 'vertical', maxLabelWidth: 36 };
/** The bifurcation diagram's y axis: 256 CSS pixels. */
const DIAGRAM_Y: AxisSpace = { maxCount: 6, length: 256, fontSize: 12, direction: 'vertical', maxLabelWidth: 36 };

/** A deep zoom of the page along η/η_c, 3.7e-14 wide at 1.3. */
const DEEP_X: RangeAxis = { min: 1.3022834626823778, max: 1.3022834626824151, scale: 'linear' };

function linear(min: number, max: number): RangeAxis {
  return { min, max, scale: 'linear' };
}

/** Returns the value that a label stands for: the label itself, or offset + label × 10^exponent. */
function labelValue(layout: AxisTickLayout, label: string): number {
  return (layout.offset ?? 0) + Number(label) * 10 ** layout.exponent;
}

/** Throws unless no two labels of `layout` overlap along `axis` and every vertical label fits its room. */
function expectNoCollisions(axis: RangeAxis, layout: AxisTickLayout, space: AxisSpace): void {
  const widths = layout.ticks.map((tick) => estimateTextWidth(tick.label, space.fontSize));
  const positions = layout.ticks.map((tick) => axisFraction(axis, tick.value) * space.length);
  for (let i = 1; i < layout.ticks.length; i++) {
    const distance = Math.abs(positions[i]! - positions[i - 1]!);
    const needed = space.direction === 'vertical' ? space.fontSize : (widths[i]! + widths[i - 1]!) / 2;
    expect(distance, `labels "${layout.ticks[i - 1]!.label}" and "${layout.ticks[i]!.label}"`).toBeGreaterThanOrEqual(needed);
  }
  if (space.maxLabelWidth !== undefined) {
    for (const [i, width] of widths.entries()) {
      expect(width, `label "${layout.ticks[i]!.label}"`).toBeLessThanOrEqual(space.maxLabelWidth);
    }
  }
}

describe('layoutAxisTicks', () => {
  it('keeps ordinary labels unchanged', () => {
    const cases: Array<[RangeAxis, AxisSpace]> = [
      [linear(0.5, 2), MAP_X],
      [linear(0.5, 2), MAP_Y],
      [linear(1.29, 1.31), MAP_X],
      [linear(0.1, 1), DIAGRAM_Y],
      [linear(-3.7, 12.2), MAP_X],
    ];
    for (const [axis, space] of cases) {
      const layout = layoutAxisTicks(axis, space);
      const values = niceLinearTicks(axis.min, axis.max, space.maxCount);
      const step = values[1]! - values[0]!;
      expect(layout.offset).toBeUndefined();
      expect(layout.ticks.map((tick) => tick.value)).toEqual(values);
      expect(layout.ticks.map((tick) => tick.label)).toEqual(values.map((value) => formatTick(value, step)));
      expect(offsetAxisTitle('σ_w', layout)).toBe('σ_w');
    }
    expect(layoutAxisTicks(linear(0.5, 2), MAP_X).ticks.map((tick) => tick.label)).toEqual(['0.6', '0.8', '1', '1.2', '1.4', '1.6', '1.8', '2']);
  });

  it('labels a deep zoom as offsets', () => {
    const layout = layoutAxisTicks(DEEP_X, MAP_X);

    expect(layout.offset).toBe(1.3022834626824);
    expect(layout.offsetLabel).toBe('1.3022834626824');
    expect(layout.exponent).toBe(-14);
    expect(offsetAxisTitle('η/η_c', layout)).toBe('(η/η_c − 1.3022834626824) / 10⁻¹⁴');
    expect(layout.ticks.length).toBeGreaterThanOrEqual(4);
    const labels = layout.ticks.map((tick) => tick.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toContain('0');
    for (const label of labels) {
      expect(label.length).toBeLessThanOrEqual(4);
    }
    const step = layout.ticks[1]!.value - layout.ticks[0]!.value;
    for (const tick of layout.ticks) {
      expect(Math.abs(labelValue(layout, tick.label) - tick.value)).toBeLessThanOrEqual(0.1 * step);
    }
    expectNoCollisions(DEEP_X, layout, MAP_X);
  });

  it('fits deep-zoom y labels in the margin', () => {
    for (const axis of [DEEP_X, linear(0.499999995, 0.500000005), linear(1.9999, 2.0001)]) {
      const layout = layoutAxisTicks(axis, MAP_Y);
      expect(layout.offset).toBeDefined();
      expect(layout.ticks.length).toBeGreaterThanOrEqual(3);
      expectNoCollisions(axis, layout, MAP_Y);
    }
  });

  it('labels a narrow range around 2 on a y axis', () => {
    const axis = linear(1.999999, 2.000001);
    const layout = layoutAxisTicks(axis, DIAGRAM_Y);

    expect(layout.offset).toBe(2);
    expect(layout.exponent).toBe(-6);
    expect(layout.ticks.map((tick) => tick.label)).toEqual(['-1', '-0.5', '0', '0.5', '1']);
    expect(offsetAxisTitle('NTK sharpness', layout)).toBe('(NTK sharpness − 2) / 10⁻⁶');
    expectNoCollisions(axis, layout, DIAGRAM_Y);
  });

  it('writes a negative offset as a sum', () => {
    const layout = layoutAxisTicks(linear(-2.000001, -1.999999), DIAGRAM_Y);
    expect(layout.offset).toBe(-2);
    expect(offsetAxisTitle('y', layout)).toBe('(y + 2) / 10⁻⁶');
  });

  it('keeps whole differences unscaled', () => {
    const layout = layoutAxisTicks(linear(123456700, 123456780), MAP_X);
    expect(layout.offset).toBe(123456700);
    expect(layout.exponent).toBe(0);
    expect(layout.ticks.map((tick) => tick.label)).toEqual(['0', '20', '40', '60', '80']);
    expect(offsetAxisTitle('n', layout)).toBe('n − 1.234567e8');
  });

  it('thins labels on a small plot', () => {
    // A 120 × 60 export with axes: 13 px labels.
    const x: AxisSpace = { maxCount: 8, length: 120, fontSize: 13, direction: 'horizontal' };
    const y: AxisSpace = { maxCount: 8, length: 60, fontSize: 13, direction: 'vertical', maxLabelWidth: 40 };
    const cases: Array<[RangeAxis, AxisSpace]> = [
      [linear(1, 2), x],
      [linear(0.5, 2), x],
      [linear(1.29, 1.31), x],
      [DEEP_X, x],
      [linear(0.5, 2), y],
      [linear(1.999999, 2.000001), y],
      [{ min: 1e-6, max: 1, scale: 'log' }, x],
    ];
    for (const [axis, space] of cases) {
      const layout = layoutAxisTicks(axis, space);
      expect(layout.ticks.length).toBeGreaterThanOrEqual(2);
      expectNoCollisions(axis, layout, space);
    }
    expect(layoutAxisTicks(linear(1, 2), x).ticks.map((tick) => tick.label)).toEqual(['1', '1.5', '2']);
  });

  it('returns one tick when nothing else fits', () => {
    const layout = layoutAxisTicks(linear(0, 1), { maxCount: 8, length: 10, fontSize: 12, direction: 'horizontal' });
    expect(layout.ticks.length).toBe(1);
  });

  it('keeps decade labels on log axes', () => {
    const layout = layoutAxisTicks({ min: 1e-6, max: 1, scale: 'log' }, MAP_X);
    expect(layout.offset).toBeUndefined();
    expect(layout.ticks.map((tick) => tick.label)).toEqual(['1e-6', '1e-5', '1e-4', '0.001', '0.01', '0.1', '1']);
  });

  it('labels a deep zoom on a log axis as offsets', () => {
    const axis: RangeAxis = { ...DEEP_X, scale: 'log' };
    const layout = layoutAxisTicks(axis, MAP_X);
    expect(layout.offset).toBe(1.3022834626824);
    const labels = layout.ticks.map((tick) => tick.label);
    expect(labels.length).toBeGreaterThanOrEqual(4);
    expect(new Set(labels).size).toBe(labels.length);
    expectNoCollisions(axis, layout, MAP_X);
  });

  it('handles degenerate and invalid ranges', () => {
    expect(layoutAxisTicks(linear(2, 2), MAP_X).ticks).toEqual([{ value: 2, label: '2' }]);
    expect(layoutAxisTicks(linear(NaN, 1), MAP_X).ticks).toEqual([]);
    expect(layoutAxisTicks({ min: 0, max: 1, scale: 'log' }, MAP_X).ticks).toEqual([]);
  });
});

describe('estimateTextWidth', () => {
  it('counts narrow characters less', () => {
    expect(estimateTextWidth('', 12)).toBe(0);
    expect(estimateTextWidth('10', 12)).toBeCloseTo(2 * 0.64 * 12);
    expect(estimateTextWidth('1.5', 10)).toBeLessThan(estimateTextWidth('125', 10));
    expect(estimateTextWidth('-1', 10)).toBeLessThan(estimateTextWidth('11', 10));
  });
});
