import { describe, expect, it } from 'vitest';
import { findBifurcations } from '../../src/core/bifurcations.ts';
import { locateCascade, locateNextDoubling, type CascadeOptions } from '../../src/core/cascade.ts';
import { createExperiment, setLogSink } from '../../src/core/index.ts';
import { float32Ulp } from '../../src/core/precision.ts';
import { createCpuOrbitEvaluator, createGpuOrbitEvaluator } from '../../src/gpu/orbit-evaluators.ts';
import { testEngine } from './gpu-test-engine.ts';

setLogSink({ info: () => undefined, warn: () => undefined });

/**
 * μP, |x| = y = 1, so m = 1, η_c = 1 and ỹ = η. The explicit start f₀ = mλ₀/(2|x|)
 * lies on the wedge's edge q = 0, so Q̂ = 0 exactly (in float32 too) and the orbit
 * stays on the EoS manifold, where z = P̂ follows z(1 + ỹ − z)² from z₀ = ỹ/2.
 */
const manifold = createExperiment({ init: { kind: 'explicit', f0: 0.5, lambda0: 1 }, steps: 8192 });

const exact = findBifurcations({ depth: 6, skipHatChecks: true });

/** 160 scan values and 32 per bracket at 8192 and 4096 steps: about 10⁷ trajectory-steps per batch at most. */
const OPTIONS: CascadeOptions = {
  from: 0.9,
  to: 1.35,
  steps: 8192,
  scanPoints: 160,
  pointsPerBracket: 32,
  depth: 4,
  chaosOnset: false,
  period3: false,
  divergence: false,
};

describe('cascade finder on the GPU engine', async () => {
  const engine = await testEngine();
  const gpu = createGpuOrbitEvaluator(engine, manifold, 'etaRatio');
  const report = await locateCascade(gpu.evaluate, { ...OPTIONS, resolution: gpu.resolution });

  it('matches the manifold doubling points', () => {
    expect(gpu.description).toMatch(/^WebGPU \(float32 kernels\) on /);
    expect(report.doublings.map((doubling) => doubling.k)).toEqual([1, 2, 3, 4]);
    for (const doubling of report.doublings.slice(0, 3)) {
      const truth = exact.doublings[doubling.k - 1]!.yTilde;
      expect(Math.abs(doubling.value - truth), `k = ${doubling.k}: ${doubling.value} ± ${doubling.error}, exact ${truth}`).toBeLessThanOrEqual(doubling.error);
      // Measured on lavapipe: 3.9e-4 at k = 1, 7.3e-3 at k = 2, 4.6e-3 at k = 3.
      expect(doubling.error).toBeLessThan(1e-2);
    }
  });

  it('shows the float32 detection band', () => {
    // In float32, rounding keeps the old cycle's period-doubled deviation above the
    // detector's 1e-5 tolerance once |Λ| nears 1, so the new period shows up early,
    // by the same amount at 8192 and 4096 steps. The multiplier check is not affected.
    for (const doubling of report.doublings.slice(1, 4)) {
      const truth = exact.doublings[doubling.k - 1]!.yTilde;
      const multiplier = doubling.multiplierEstimate!;
      expect(truth - doubling.value, `k = ${doubling.k}`).toBeGreaterThan(10 * Math.abs(doubling.stepOffset));
      expect(Math.abs(multiplier.value - truth), `k = ${doubling.k}`).toBeLessThan(Math.abs(doubling.value - truth));
    }
  });

  it('stops at a few float32 ulps', () => {
    for (const doubling of report.doublings) {
      expect(doubling.stop, `k = ${doubling.k}`).toBe('resolution');
      expect(doubling.bracket[1] - doubling.bracket[0]).toBeLessThanOrEqual(4 * float32Ulp(doubling.value));
    }
  });

  it('reports Feigenbaum ratios', () => {
    expect(report.ratios.map((ratio) => ratio.k)).toEqual([2, 3]);
    for (const ratio of report.ratios) {
      const truth = exact.ratios.find((candidate) => candidate.k === ratio.k)!.delta;
      expect(Math.abs(ratio.delta - truth), `δ_${ratio.k} = ${ratio.delta} ± ${ratio.error}`).toBeLessThanOrEqual(ratio.error);
      expect(Number.isFinite(ratio.error)).toBe(true);
    }
    // From the multipliers alone, δ_3 = (x_3 − x_2)/(x_4 − x_3) is measured 4.63.
    const fromMultipliers = report.multiplierRatios.find((ratio) => ratio.k === 3)!;
    const truth = exact.ratios.find((candidate) => candidate.k === 3)!.delta;
    expect(Math.abs(fromMultipliers.delta - truth)).toBeLessThanOrEqual(fromMultipliers.error);
  });

  it('agrees with the float64 CPU evaluator', async () => {
    const cpu = createCpuOrbitEvaluator(manifold, 'etaRatio');
    const reference = await locateCascade(cpu.evaluate, { ...OPTIONS, resolution: cpu.resolution });
    for (const doubling of report.doublings) {
      const other = reference.doublings.find((candidate) => candidate.k === doubling.k)!;
      expect(Math.abs(doubling.value - other.value), `k = ${doubling.k}`).toBeLessThanOrEqual(doubling.error + other.error);
    }
  }, 60_000);

  it('locates the next doubling in a zoomed range', async () => {
    const next = await locateNextDoubling(gpu.evaluate, { from: 1.28, to: 1.3, steps: 4096, scanPoints: 64, resolution: gpu.resolution });
    expect(next?.k).toBe(3);
    expect(Math.abs(next!.value - exact.doublings[2]!.yTilde)).toBeLessThanOrEqual(next!.error);
  });
});

describe('cascade finder on the df64 kernels', async () => {
  const engine = await testEngine();
  const df64 = createGpuOrbitEvaluator(engine, manifold, 'etaRatio', 'df64');
  const report = await locateCascade(df64.evaluate, { ...OPTIONS, resolution: df64.resolution });

  it('has no float32 detection band', () => {
    expect(report.doublings.map((doubling) => doubling.k)).toEqual([1, 2, 3, 4]);
    for (const doubling of report.doublings) {
      const truth = exact.doublings[doubling.k - 1]!.yTilde;
      expect(Math.abs(doubling.value - truth), `k = ${doubling.k}: ${doubling.value} ± ${doubling.error}, exact ${truth}`).toBeLessThanOrEqual(doubling.error);
    }
    // The float32 kernels detect ỹ₂ and ỹ₃ early by 4.9·10⁻³ and 3.1·10⁻³ at any step count.
    // In df64 only the 1/T detection band is left, a few 10⁻⁴ at 8192 steps.
    for (const k of [2, 3]) {
      expect(Math.abs(report.doublings[k - 1]!.value - exact.doublings[k - 1]!.yTilde), `k = ${k}`).toBeLessThan(1e-3);
    }
  });

  it('matches the float64 CPU engine', async () => {
    expect(df64.description).toMatch(/^WebGPU \(df64 kernels\) on /);
    const cpu = createCpuOrbitEvaluator(manifold, 'etaRatio');
    const reference = await locateCascade(cpu.evaluate, { ...OPTIONS, resolution: cpu.resolution });
    expect(reference.doublings.map((doubling) => doubling.k)).toEqual([1, 2, 3, 4]);
    for (const doubling of report.doublings) {
      const other = reference.doublings.find((candidate) => candidate.k === doubling.k)!;
      // Measured on lavapipe with the CLI's defaults (k = 1 … 6): at most 6.5e-12 apart.
      expect(Math.abs(doubling.value - other.value), `k = ${doubling.k}`).toBeLessThan(1e-9);
    }
  }, 60_000);
});
