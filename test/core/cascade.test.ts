import { describe, expect, it } from 'vitest';
import { findBifurcations, findCrisis, findPeriod3Window } from '../../src/core/bifurcations.ts';
import { cascadeLevel, locateCascade, locateNextDoubling, periodicWindows, type OrbitEvaluator } from '../../src/core/cascade.ts';
import { runHatTrajectory } from '../../src/core/analysis.ts';
import { float32Ulp } from '../../src/core/precision.ts';

/**
 * Fake engine: the float64 (P̂, Q̂) map on the EoS manifold (Q̂ = 0), started at
 * P̂ = ỹ/2, with the parameter being ỹ = η/η_c. Its orbits follow
 * g(z) = z(1 + ỹ − z)², whose doubling points findBifurcations computes.
 */
const manifoldEvaluator: OrbitEvaluator = async (values, steps) =>
  values.map((yTilde) => {
    const { analysis } = runHatTrajectory({ pHat: yTilde / 2, qHat: 0 }, yTilde, steps);
    return { phase: analysis.phase, period: analysis.period, lyapunovExponent: analysis.lyapunovExponent };
  });

const exact = findBifurcations({ depth: 8, skipHatChecks: true });

describe('locateCascade on the manifold map', async () => {
  const batchSizes: number[] = [];
  const report = await locateCascade(manifoldEvaluator, {
    from: 0.8,
    to: 2.1,
    steps: 4096,
    onBatch: (size) => batchSizes.push(size),
  });

  it('finds the six detectable doublings', () => {
    expect(report.doublings.map((doubling) => doubling.k)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const doubling of report.doublings) {
      expect(doubling.fromPeriod).toBe(2 ** (doubling.k - 1));
      expect(doubling.toPeriod).toBe(2 ** doubling.k);
      expect(cascadeLevel(doubling.lowerSample)).toBe(doubling.k - 1);
      expect(cascadeLevel(doubling.upperSample)).toBe(doubling.k);
    }
    expect(report.cascadeEnd).toBe("Period 128 (k = 7) exceeds the period detector's maximum of 64.");
    expect(report.regionEnds).toEqual([]);
  });

  it('brackets each doubling within its error', () => {
    for (const doubling of report.doublings) {
      const truth = exact.doublings[doubling.k - 1]!.yTilde;
      expect(Math.abs(doubling.value - truth), `k = ${doubling.k}: ${doubling.value} ± ${doubling.error}, exact ${truth}`).toBeLessThanOrEqual(doubling.error);
    }
  });

  it('bisects to float64 resolution', () => {
    for (const doubling of report.doublings) {
      expect(doubling.stop, `k = ${doubling.k}`).toBe('resolution');
      expect(doubling.halfWidth).toBeLessThanOrEqual(2 * 2 ** -52 * doubling.value);
    }
  });

  it('reports the detection band', () => {
    // The detector calls the new period early, so the detected point lies below the true one
    // by about 2.4/T at k = 1 (measured: 6.8e-4 at T = 4096), and the band run with T/2 steps finds twice that.
    for (const doubling of report.doublings) {
      expect(doubling.stepOffset, `k = ${doubling.k}`).toBeGreaterThan(0);
      expect(doubling.error).toBeGreaterThan(doubling.halfWidth);
    }
    expect(report.doublings[0]!.error).toBeLessThan(1e-3);
    expect(report.doublings[5]!.error).toBeLessThan(2e-5);
  });

  it('derives Feigenbaum ratios within their errors', () => {
    expect(report.ratios.map((ratio) => ratio.k)).toEqual([2, 3, 4, 5]);
    for (const ratio of report.ratios) {
      const truth = exact.ratios.find((candidate) => candidate.k === ratio.k)!.delta;
      expect(Math.abs(ratio.delta - truth), `δ_${ratio.k} = ${ratio.delta} ± ${ratio.error}, exact ${truth}`).toBeLessThanOrEqual(ratio.error);
    }
    // δ_2 is the best determined, because its intervals are the widest (measured error: 0.50).
    expect(report.ratios[0]!.error).toBeLessThan(1);
  });

  it('extrapolates the onset of chaos', () => {
    const accumulation = report.accumulation!;
    expect(Math.abs(accumulation.value - exact.accumulation.yTilde)).toBeLessThanOrEqual(accumulation.error);
    expect(accumulation.error).toBeLessThan(1e-4);
  });

  it('finds the first chaotic orbit just above the accumulation point', () => {
    const onset = report.chaosOnset!;
    expect(onset.upperSample.phase).toBe('chaotic');
    // The chaos threshold of 1e-3 per step puts the first chaotic orbit above ỹ_∞.
    expect(onset.value).toBeGreaterThan(exact.accumulation.yTilde);
    expect(onset.value - exact.accumulation.yTilde).toBeLessThan(1e-5);
  });

  it('finds the first period-3 window', () => {
    // The window near ỹ = 1.4504 opens before the one near 1.70.
    const window = findPeriod3Window(0, 1.4);
    const period3 = report.period3!;
    expect(period3.upperSample.period).toBe(3);
    expect(Math.abs(period3.value - window.yTilde), `${period3.value} ± ${period3.error}`).toBeLessThanOrEqual(period3.error);
    expect(period3.error).toBeLessThan(1e-5);
  });

  it('finds the boundary crisis', () => {
    const divergence = report.divergence!;
    expect(divergence.upperSample.phase).toBe('diverged');
    expect(Math.abs(divergence.value - findCrisis().yTilde)).toBeLessThanOrEqual(divergence.error + findCrisis().error);
    // At ỹ = 2 itself the orbit is unresolved; the classified orbit below it is chaotic.
    expect(divergence.attractorBelow?.phase).toBe('chaotic');
    expect(divergence.boundaryCrisis).toBe(true);
    expect(report.missing).toEqual([]);
  });

  it('batches every open bracket together', () => {
    expect(report.batches).toBe(batchSizes.length);
    expect(report.evaluations).toBe(batchSizes.reduce((sum, size) => sum + size, 0));
    // Nine transitions at about nine rounds each, in two runs: one batch per round, not per bracket.
    expect(report.batches).toBeLessThan(40);
    expect(Math.max(...batchSizes)).toBeGreaterThan(5 * 32);
  });
});

describe('locateCascade stops', () => {
  it('at a float32 resolution', async () => {
    const report = await locateCascade(manifoldEvaluator, {
      from: 1.2,
      to: 1.3,
      steps: 1024,
      depth: 3,
      scanPoints: 64,
      resolution: float32Ulp,
      chaosOnset: false,
      period3: false,
      divergence: false,
    });
    expect(report.doublings.map((doubling) => doubling.k)).toEqual([2, 3]);
    for (const doubling of report.doublings) {
      expect(doubling.stop).toBe('resolution');
      expect(doubling.bracket[1] - doubling.bracket[0]).toBeLessThanOrEqual(4 * float32Ulp(doubling.value));
    }
    expect(report.cascadeEnd).toBe('The requested depth k = 3 was reached.');
  });

  it('at the tolerance', async () => {
    const report = await locateCascade(manifoldEvaluator, { from: 0.9, to: 1.2, steps: 1024, bandSteps: 0, tolerance: 1e-6 });
    const first = report.doublings[0]!;
    expect(first.stop).toBe('tolerance');
    expect(first.bracket[1] - first.bracket[0]).toBeLessThanOrEqual(1e-6);
    // Without a band run the error is the bracket's alone.
    expect(first.stepOffset).toBeNaN();
    expect(first.error).toBeCloseTo(first.halfWidth + first.outOfOrderExtent, 14);
    expect(report.bandSteps).toBe(0);
  });

  it('without progress in an unresolved band', async () => {
    // Below the doubling, half the samples are unresolved: the bracket cannot shrink.
    const flaky: OrbitEvaluator = async (values) =>
      values.map((value) => {
        if (value < 0.5) {
          return { phase: 'converged', period: 1, lyapunovExponent: 0 };
        }
        if (value < 0.6) {
          return { phase: 'unresolved', period: 0, lyapunovExponent: -0.1 };
        }
        return { phase: 'periodic', period: 2, lyapunovExponent: -0.1 };
      });
    const report = await locateCascade(flaky, { from: 0, to: 1, steps: 256, bandSteps: 0, scanPoints: 11, depth: 1 });
    const first = report.doublings[0]!;
    expect(first.stop).toBe('no-progress');
    expect(first.bracket[0]).toBeLessThan(0.5);
    expect(first.bracket[1]).toBeGreaterThanOrEqual(0.6);
    expect(first.unresolvedInside).toBeGreaterThan(0);
  });
});

describe('locateCascade results', () => {
  it('reports a range without a cascade', async () => {
    const report = await locateCascade(manifoldEvaluator, { from: 0.2, to: 0.9, steps: 512, scanPoints: 16 });
    expect(report.doublings).toEqual([]);
    expect(report.ratios).toEqual([]);
    expect(report.accumulation).toBeUndefined();
    expect(report.cascadeEnd).toContain('converged');
    expect(report.missing.join('\n')).toContain('no sample pair');
    expect(report.missing.join('\n')).toContain('period-3 window');
  });

  it('reports an old period that ends without doubling as a region end', async () => {
    const ending: OrbitEvaluator = async (values) =>
      values.map((value) =>
        value < 0.5 ? { phase: 'periodic', period: 2, lyapunovExponent: -0.1 } : { phase: 'chaotic', period: 0, lyapunovExponent: 0.3 },
      );
    const report = await locateCascade(ending, { from: 0, to: 1, steps: 256, bandSteps: 0, scanPoints: 9 });
    expect(report.doublings).toEqual([]);
    expect(report.regionEnds).toHaveLength(1);
    const end = report.regionEnds[0]!;
    expect(end.k).toBe(2);
    expect(end.period).toBe(2);
    expect(end.endState).toBe('a chaotic orbit');
    expect(Math.abs(end.value - 0.5)).toBeLessThan(1e-12);
    expect(report.ratios).toEqual([]);
    expect(report.cascadeEnd).toMatch(/^The period-2 region ends in a chaotic orbit at 0\.5000000000 ± .*, not in period 4\.$/);
  });

  /** Converged, then periods 2 and 4, then divergence from 0.6 on, as with the typical start of the UV model. */
  const escaping: OrbitEvaluator = async (values) =>
    values.map((value) => {
      if (value < 0.3) {
        return { phase: 'converged', period: 1, lyapunovExponent: 0 };
      }
      if (value < 0.5) {
        return { phase: 'periodic', period: 2, lyapunovExponent: -0.1 };
      }
      if (value < 0.6) {
        return { phase: 'periodic', period: 4, lyapunovExponent: -0.1 };
      }
      return { phase: 'diverged', period: 0, lyapunovExponent: NaN };
    });

  it('keeps a divergence out of the doublings', async () => {
    const report = await locateCascade(escaping, { from: 0, to: 1, steps: 256, bandSteps: 0, scanPoints: 21 });
    expect(report.doublings.map((doubling) => doubling.k)).toEqual([1, 2]);
    expect(report.regionEnds.map((end) => [end.k, end.period, end.endState])).toEqual([[3, 4, 'divergence']]);
    expect(Math.abs(report.regionEnds[0]!.value - 0.6)).toBeLessThan(1e-12);
    expect(report.cascadeEnd).toMatch(/^The period-4 region ends in divergence at 0\.6000000000 ± .*, not in period 8\.$/);
  });

  it('extrapolates no onset when the cascade ends in divergence', async () => {
    const report = await locateCascade(escaping, { from: 0, to: 1, steps: 256, bandSteps: 0, scanPoints: 21 });
    expect(report.accumulation).toBeUndefined();
    expect(report.ratios).toEqual([]);
    expect(report.missing).toContain(
      'onset of chaos by extrapolation: the period-4 region ends in divergence, not in period 8, so the cascade does not accumulate in the range',
    );
  });

  it('tells an escape from a boundary crisis', async () => {
    const report = await locateCascade(escaping, { from: 0, to: 1, steps: 256, bandSteps: 0, scanPoints: 21 });
    const divergence = report.divergence!;
    expect(Math.abs(divergence.value - 0.6)).toBeLessThan(1e-12);
    expect(divergence.attractorBelow?.period).toBe(4);
    expect(divergence.boundaryCrisis).toBe(false);
  });

  it('locates no divergence when the low end diverges', async () => {
    const diverging: OrbitEvaluator = async (values) => values.map(() => ({ phase: 'diverged', period: 0, lyapunovExponent: NaN }));
    const report = await locateCascade(diverging, { from: 1.3, to: 1.4, steps: 256, bandSteps: 0, scanPoints: 8 });
    expect(report.divergence).toBeUndefined();
    expect(report.missing).toContain(
      "divergence: the orbit at the range's low end, 1.3, already diverges, so the divergence lies at or below 1.3 and is not located",
    );
  });

  it('locates no chaos onset when the low end is chaotic', async () => {
    const chaotic: OrbitEvaluator = async (values) => values.map(() => ({ phase: 'chaotic', period: 0, lyapunovExponent: 0.5 }));
    const report = await locateCascade(chaotic, { from: 1.3, to: 1.4, steps: 256, bandSteps: 0, scanPoints: 8 });
    expect(report.chaosOnset).toBeUndefined();
    expect(report.missing.join('\n')).toContain("first chaotic orbit: the orbit at the range's low end, 1.3, is already chaotic");
  });
});

describe('locateNextDoubling', () => {
  it('returns the lowest doubling in the range', async () => {
    const next = await locateNextDoubling(manifoldEvaluator, { from: 1.25, to: 1.31, steps: 2048, scanPoints: 64 });
    expect(next?.k).toBe(3);
    expect(Math.abs(next!.value - exact.doublings[2]!.yTilde)).toBeLessThanOrEqual(next!.error);
  });

  it('returns undefined without a doubling', async () => {
    expect(await locateNextDoubling(manifoldEvaluator, { from: 0.2, to: 0.8, steps: 512, scanPoints: 8 })).toBeUndefined();
  });
});

describe('locateCascade input', () => {
  const invalid: Array<[string, Parameters<typeof locateCascade>[1], string]> = [
    ['reversed range', { from: 2, to: 1, steps: 1024 }, 'Invalid to: 1'],
    ['infinite start', { from: -Infinity, to: 1, steps: 1024 }, 'Invalid from'],
    ['short runs', { from: 1, to: 2, steps: 200 }, 'Invalid steps: 200'],
    ['band run as long as the main run', { from: 1, to: 2, steps: 1024, bandSteps: 1024 }, 'Invalid bandSteps: 1024'],
    ['undetectable depth', { from: 1, to: 2, steps: 1024, depth: 7 }, 'period detector'],
    ['single scan point', { from: 1, to: 2, steps: 1024, scanPoints: 1 }, 'Invalid scanPoints'],
    ['tolerance above the range', { from: 1, to: 2, steps: 1024, tolerance: 2 }, 'Invalid tolerance'],
    ['range of 8 float64 ulps', { from: 1.3, to: 1.3 + 8 * 2 ** -52, steps: 1024 }, 'Invalid to'],
    ['range of 8 float32 ulps', { from: 1.3, to: 1.3 + 8 * 2 ** -23, steps: 1024, resolution: float32Ulp }, 'Invalid to'],
  ];
  for (const [name, options, message] of invalid) {
    it(`rejects ${name}`, async () => {
      await expect(locateCascade(manifoldEvaluator, options)).rejects.toThrow(message);
    });
  }

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const aborting: OrbitEvaluator = async (values, steps) => {
      controller.abort();
      return manifoldEvaluator(values, steps);
    };
    await expect(locateCascade(aborting, { from: 1, to: 1.3, steps: 256, scanPoints: 8, signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('rejects an evaluator that drops values', async () => {
    const short: OrbitEvaluator = async (values, steps) => (await manifoldEvaluator(values, steps)).slice(1);
    await expect(locateCascade(short, { from: 1, to: 1.3, steps: 256, scanPoints: 8 })).rejects.toThrow('returned 7 samples for 8 values');
  });
});

describe('periodic windows', () => {
  it('lists runs that open from chaos', () => {
    const sample = (phase: 'periodic' | 'chaotic' | 'converged', period: number) => ({ phase, period, lyapunovExponent: 0 });
    const set = {
      values: [1, 2, 3, 4, 5, 6, 7, 8],
      samples: [sample('periodic', 4), sample('chaotic', 0), sample('periodic', 3), sample('periodic', 3), sample('periodic', 6), sample('chaotic', 0), sample('periodic', 5), sample('chaotic', 0)],
    };
    // The period-4 sample lies below the chaos, and the period-6 run doubles the period-3 window.
    expect(periodicWindows(set)).toEqual([
      { period: 3, first: 3, last: 4, opensAfter: 2 },
      { period: 5, first: 7, last: 7, opensAfter: 6 },
    ]);
  });

  it('finds the period-3 window of the manifold map', async () => {
    const report = await locateCascade(manifoldEvaluator, {
      from: 1.3,
      to: 1.95,
      steps: 2048,
      scanPoints: 2048,
      depth: 1,
      bandSteps: 0,
      multiplierCheck: false,
      chaosOnset: false,
      period3: false,
      divergence: false,
    });
    const opening = findPeriod3Window(0, 1.4).yTilde;
    const window3 = report.windows.find((window) => window.period === 3)!;
    // The window opens at the tangent bifurcation, between the samples around it.
    expect(window3.opensAfter).toBeLessThan(opening);
    expect(window3.first).toBeGreaterThan(opening);
    expect(window3.first - window3.opensAfter).toBeLessThan(1e-3);
    // Windows of other periods show up in the chaotic range too.
    expect(new Set(report.windows.map((window) => window.period)).size).toBeGreaterThan(2);
  });
});
