import { describe, expect, it } from 'vitest';
import { runHatTrajectory } from '../../src/core/analysis.ts';
import {
  criticalPoint,
  FEIGENBAUM_DELTA,
  feigenbaumRatios,
  findBifurcations,
  findCrisis,
  findPeriod3Window,
  FIRST_PERIOD3_SCAN_FROM,
  manifoldMap,
  manifoldMapSlope,
} from '../../src/core/bifurcations.ts';
import { ValidationError } from '../../src/core/errors.ts';

const report = findBifurcations({ depth: 8 });

/**
 * Solves the 2-cycle doubling independently of the finder: Newton on
 * (z₁, z₂, ỹ) for z₂ = g(z₁), z₁ = g(z₂), g'(z₁)g'(z₂) = −1, with a
 * central-difference Jacobian.
 */
function solveSecondDoubling(): number {
  const g = (z: number, y: number): number => z * (1 + y - z) ** 2;
  const slope = (z: number, y: number): number => (1 + y - z) * (1 + y - 3 * z);
  const residual = ([z1, z2, y]: number[]): number[] => [g(z1!, y!) - z2!, g(z2!, y!) - z1!, slope(z1!, y!) * slope(z2!, y!) + 1];
  let x = [0.9, 1.6, 1.24];
  for (let iteration = 0; iteration < 50; iteration++) {
    const f = residual(x);
    const jacobian = [0, 1, 2].map((column) => {
      const h = 1e-7;
      const plus = [...x];
      const minus = [...x];
      plus[column]! += h;
      minus[column]! -= h;
      const fPlus = residual(plus);
      const fMinus = residual(minus);
      return fPlus.map((value, row) => (value - fMinus[row]!) / (2 * h));
    });
    // jacobian[column][row] is ∂f_row/∂x_column. Cramer's rule solves J·dx = f.
    const m = (row: number, column: number): number => jacobian[column]![row]!;
    const det3 = (a: (row: number, column: number) => number): number =>
      a(0, 0) * (a(1, 1) * a(2, 2) - a(1, 2) * a(2, 1)) -
      a(0, 1) * (a(1, 0) * a(2, 2) - a(1, 2) * a(2, 0)) +
      a(0, 2) * (a(1, 0) * a(2, 1) - a(1, 1) * a(2, 0));
    const determinant = det3(m);
    const dx = [0, 1, 2].map((column) => det3((row, c) => (c === column ? f[row]! : m(row, c))) / determinant);
    x = x.map((value, i) => value - dx[i]!);
  }
  return x[2]!;
}

describe('manifold map', () => {
  it('has slope 1 − 2ỹ at the fixed point z = ỹ', () => {
    for (const y of [0.3, 1, 1.7]) {
      expect(manifoldMap(y, y)).toBeCloseTo(y, 14);
      expect(manifoldMapSlope(y, y)).toBeCloseTo(1 - 2 * y, 14);
    }
  });
});

describe('period-doubling cascade', () => {
  it('finds the first doubling at ỹ = 1', () => {
    const first = report.doublings[0]!;
    expect(first.k).toBe(1);
    expect(Math.abs(first.yTilde - 1)).toBeLessThanOrEqual(first.error);
    expect(Math.abs(first.yTilde - 1)).toBeLessThan(1e-14);
  });

  it('matches an independent second doubling', () => {
    const second = report.doublings[1]!;
    const independent = solveSecondDoubling();
    expect(independent).toBeGreaterThan(1.1);
    expect(Math.abs(second.yTilde - independent)).toBeLessThan(1e-10);
    expect(second.error).toBeLessThan(1e-12);
  });

  it('orders doubling and superstable points', () => {
    expect(report.doublings).toHaveLength(8);
    expect(report.truncated).toBeUndefined();
    for (const point of report.doublings) {
      // s_(k−1) < ỹ_k < s_k, and the bracket contains the estimate.
      expect(point.yTilde).toBeGreaterThan(report.superstable[point.k - 1]!);
      expect(point.yTilde).toBeLessThan(report.superstable[point.k]!);
      expect(point.bracket[0]).toBeLessThanOrEqual(point.yTilde);
      expect(point.bracket[1]).toBeGreaterThanOrEqual(point.yTilde);
      expect(point.error).toBeLessThan(1e-12);
    }
  });

  it('detects periods 2 and 4 around ỹ₂', () => {
    // The 2-cycle is stable just below ỹ₂ and unstable just above, so the
    // (P̂, Q̂) map from the critical point settles on period 2 below and period 4 above.
    const second = report.doublings[1]!.yTilde;
    const below = runHatTrajectory({ pHat: criticalPoint(second - 0.01), qHat: 0 }, second - 0.01, 20000);
    const above = runHatTrajectory({ pHat: criticalPoint(second + 0.01), qHat: 0 }, second + 0.01, 20000);
    expect(below.analysis.period).toBe(2);
    expect(above.analysis.period).toBe(4);
  });

  it('gives ratios that approach δ', () => {
    expect(report.ratios.map((ratio) => ratio.k)).toEqual([2, 3, 4, 5, 6, 7]);
    const deviations = report.ratios.map((ratio) => Math.abs(ratio.delta - FEIGENBAUM_DELTA));
    for (let i = 1; i < deviations.length; i++) {
      expect(deviations[i]).toBeLessThan(deviations[i - 1]!);
    }
    expect(deviations.at(-1)).toBeLessThan(1e-4);
    for (const ratio of report.ratios) {
      expect(ratio.error).toBeLessThan(1e-8);
    }
  });

  it('propagates point errors into the ratio error', () => {
    const points = [
      { yTilde: 0, error: 0.01, bracket: [0, 0] as [number, number], numericalError: 0 },
      { yTilde: 1, error: 0.01, bracket: [1, 1] as [number, number], numericalError: 0 },
      { yTilde: 1.5, error: 0.01, bracket: [1.5, 1.5] as [number, number], numericalError: 0 },
    ];
    const [ratio] = feigenbaumRatios(points);
    expect(ratio!.delta).toBe(2);
    // 2 · (0.02/1 + 0.02/0.5) = 0.12.
    expect(ratio!.error).toBeCloseTo(0.12, 14);
  });

  it('extrapolates the onset of chaos past the last doubling', () => {
    const last = report.doublings.at(-1)!;
    expect(report.accumulation.yTilde).toBeGreaterThan(last.yTilde);
    expect(report.accumulation.yTilde).toBeLessThan(report.superstable.at(-1)! + 1e-5);
    expect(report.accumulation.error).toBeLessThan(1e-7);
    // Deeper cascades agree within the stated errors.
    const deeper = findBifurcations({ depth: 10, skipHatChecks: true });
    expect(Math.abs(deeper.accumulation.yTilde - report.accumulation.yTilde)).toBeLessThan(report.accumulation.error + deeper.accumulation.error);
  });

  it('stops bisection at a coarse tolerance', () => {
    const coarse = findBifurcations({ depth: 3, tolerance: 1e-6, skipHatChecks: true });
    for (const [i, point] of coarse.doublings.entries()) {
      expect(point.stop).toBe('tolerance');
      expect(point.bracket[1] - point.bracket[0]).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(point.yTilde - report.doublings[i]!.yTilde)).toBeLessThanOrEqual(point.error);
    }
  });

  it('rejects invalid depth and tolerance', () => {
    expect(() => findBifurcations({ depth: 1 })).toThrow(ValidationError);
    expect(() => findBifurcations({ depth: 2.5 })).toThrow(ValidationError);
    expect(() => findBifurcations({ depth: 99 })).toThrow(ValidationError);
    expect(() => findBifurcations({ tolerance: -1 })).toThrow(ValidationError);
    expect(() => findBifurcations({ tolerance: NaN })).toThrow(ValidationError);
  });
});

describe('(P̂, Q̂) checks', () => {
  it('detects period 2^j at each superstable parameter', () => {
    const cascade = report.hatChecks.filter((check) => check.expectedPeriod !== 3);
    expect(cascade.map((check) => check.expectedPeriod)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    for (const check of report.hatChecks) {
      expect(check.detectedPeriod).toBe(check.expectedPeriod);
    }
  });
});

describe('boundary crisis', () => {
  it('lies at ỹ = 2', () => {
    const crisis = findCrisis();
    expect(Math.abs(crisis.yTilde - 2)).toBeLessThan(1e-9);
    expect(Math.abs(crisis.yTilde - 2)).toBeLessThanOrEqual(crisis.error);
  });
});

describe('period-3 window', () => {
  const window = findPeriod3Window();

  it('opens between 1.6 and 1.8', () => {
    expect(window.yTilde).toBeGreaterThan(1.6);
    expect(window.yTilde).toBeLessThan(1.8);
    expect(window.superstable).toBeGreaterThan(window.yTilde);
    expect(window.error).toBeLessThan(1e-12);
  });

  it('agrees with the period detector', () => {
    const above = window.yTilde + 1e-4;
    const inside = runHatTrajectory({ pHat: criticalPoint(above), qHat: 0 }, above, 100000);
    expect(inside.analysis.period).toBe(3);
    expect(inside.analysis.phase).toBe('periodic');

    // Below the tangency no 3-cycle exists, so the detector must not find period 3.
    const below = window.yTilde - 1e-4;
    const outside = runHatTrajectory({ pHat: criticalPoint(below), qHat: 0 }, below, 100000);
    expect(outside.analysis.period).not.toBe(3);
  });
});

describe('first period-3 window', () => {
  const window = findPeriod3Window(0, FIRST_PERIOD3_SCAN_FROM);

  it('opens near 1.4504, before the onset of the bimodal range', () => {
    expect(window.yTilde).toBeCloseTo(1.450440964487875, 12);
    // Below ỹ = 1.598, g(c) = 4(1 + ỹ)³/27 ≤ 1 + ỹ, so the map is unimodal on [0, 1 + ỹ].
    expect((4 * (1 + window.yTilde) ** 3) / 27).toBeLessThan(1 + window.yTilde);
    expect(window.error).toBeLessThan(1e-12);
  });

  it('agrees with the period detector', () => {
    const above = window.yTilde + 1e-5;
    const inside = runHatTrajectory({ pHat: criticalPoint(above), qHat: 0 }, above, 100000);
    expect(inside.analysis.period).toBe(3);
    const below = window.yTilde - 1e-5;
    const outside = runHatTrajectory({ pHat: criticalPoint(below), qHat: 0 }, below, 100000);
    expect(outside.analysis.period).not.toBe(3);
  });

  it('is reported by findBifurcations', () => {
    const report = findBifurcations({ depth: 3, skipHatChecks: true });
    expect(report.firstPeriod3.yTilde).toBe(window.yTilde);
    expect(report.period3.yTilde).toBeGreaterThan(1.6);
  });
});
