import { describe, expect, it } from 'vitest';
import { LyapunovEstimator, MAX_PERIOD, PeriodDetector } from '../../src/core/index.ts';

/** Runs `map` for `transient` steps, then feeds the period detector its 2·64 reference steps. */
function detectPeriod(map: (state: number[]) => number[], start: number[], transient: number, tolerance = 1e-5): number {
  let state = start;
  for (let t = 0; t < transient; t++) {
    state = map(state);
  }
  const detector = new PeriodDetector(tolerance);
  detector.start(state);
  for (let j = 1; j <= 2 * MAX_PERIOD; j++) {
    state = map(state);
    detector.observe(state);
  }
  return detector.period();
}

const logistic = (r: number) => (state: number[]) => [r * state[0]! * (1 - state[0]!)];

/** Rotation of the unit circle by the angle 2π·turn, with an offset so no coordinate sum is zero. */
const rotation = (turn: number) => (state: number[]) => {
  const angle = 2 * Math.PI * turn;
  const x = state[0]! - 2;
  const y = state[1]! - 2;
  return [2 + Math.cos(angle) * x - Math.sin(angle) * y, 2 + Math.sin(angle) * x + Math.cos(angle) * y];
};

describe('period detection', () => {
  // Windows of the logistic map x ← r x(1 − x): period 1 for 1 < r < 3, 2 until 1 + √6 ≈ 3.449,
  // 4 until ≈ 3.544, 8 until ≈ 3.5644; period 3 from 1 + √8 ≈ 3.8284 to ≈ 3.8415.
  const logisticCases: Array<[number, number]> = [
    [2.8, 1],
    [3.2, 2],
    [3.5, 4],
    [3.56, 8],
    [3.83, 3],
  ];
  for (const [r, period] of logisticCases) {
    it(`logistic r=${r} has period ${period}`, () => {
      expect(detectPeriod(logistic(r), [0.3], 20000)).toBe(period);
    });
  }

  // A rotation by k/p of a turn (k, p coprime) has exact period p, odd or even, up to 64.
  const rotationCases: Array<[number, number]> = [
    [1, 5],
    [2, 7],
    [5, 31],
    [1, 63],
    [1, 64],
    [3, 64],
  ];
  for (const [k, p] of rotationCases) {
    it(`rotation by ${k}/${p} turn has period ${p}`, () => {
      expect(detectPeriod(rotation(k / p), [2.5, 2], 0)).toBe(p);
    });
  }

  it('rotation by 1/65 turn has no period ≤ 64', () => {
    expect(detectPeriod(rotation(1 / 65), [2.5, 2], 0)).toBe(0);
  });

  it('golden-mean rotation is aperiodic', () => {
    // Its closest return within 128 steps (at 89 steps) is about 0.03 away, far above the tolerance.
    expect(detectPeriod(rotation((Math.sqrt(5) - 1) / 2), [2.5, 2], 0)).toBe(0);
  });

  it('chaotic logistic r=4 is aperiodic', () => {
    expect(detectPeriod(logistic(4), [0.3], 1000)).toBe(0);
  });

  it('rejects a single chance return', () => {
    // The orbit returns to the reference once, after 3 steps, and never again.
    const orbit = [[1], [5], [7], [1], [9], [11], ...Array.from({ length: 200 }, (_, i) => [20 + i])];
    let index = 0;
    const period = detectPeriod(() => orbit[++index]!, orbit[0]!, 0);
    expect(period).toBe(0);
  });
});

describe('Lyapunov exponent', () => {
  function logisticExponent(r: number, steps: number): number {
    let x = 0.2345;
    for (let t = 0; t < 1000; t++) {
      x = r * x * (1 - x);
    }
    const estimator = new LyapunovEstimator();
    for (let t = 0; t < steps; t++) {
      // The logistic map embedded as the first coordinate of a 2-dimensional map.
      estimator.observe([r * (1 - 2 * x), 0, 0, 0.1]);
      x = r * x * (1 - x);
    }
    return estimator.exponent();
  }

  it('is ln 2 for logistic r=4', () => {
    // The invariant density 1/(π√(x(1−x))) gives exactly ln 2; 10⁶ steps average it to about 1e-3.
    expect(logisticExponent(4, 1_000_000)).toBeCloseTo(Math.LN2, 2);
  });

  it('matches the 2-cycle multiplier at r=3.2', () => {
    // The 2-cycle's multiplier is 4 + 2r − r², so the exponent is ½ ln|4 + 2r − r²|.
    // The estimate carries a start-up bias of ln|cos(angle of the first tangent vector)|/steps, about 1e-6 here.
    const r = 3.2;
    expect(logisticExponent(r, 400_000)).toBeCloseTo(0.5 * Math.log(Math.abs(4 + 2 * r - r * r)), 5);
  });

  it('is ln φ² for the cat map', () => {
    // [[2, 1], [1, 1]] has eigenvalues (3 ± √5)/2.
    const estimator = new LyapunovEstimator();
    for (let t = 0; t < 1000; t++) {
      estimator.observe([2, 1, 1, 1]);
    }
    expect(estimator.exponent()).toBeCloseTo(Math.log((3 + Math.sqrt(5)) / 2), 3);
  });

  it('is −∞ on a superstable orbit', () => {
    const estimator = new LyapunovEstimator();
    estimator.observe([0, 0, 0, 0]);
    estimator.observe([2, 0, 0, 1]);
    expect(estimator.exponent()).toBe(-Infinity);
  });

  it('is NaN before any Jacobian', () => {
    expect(new LyapunovEstimator().exponent()).toBeNaN();
  });
});
