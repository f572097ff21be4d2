import { describe, expect, it } from 'vitest';
import {
  assessPrecision,
  choosePrecision,
  float32Ulp,
  createView,
  minResolvedYTilde,
  precisionUlp,
  type Axis,
  type ViewInput,
} from '../../src/core/index.ts';

/** Returns a 32 × 8 view of the EoS preset's experiment with η/η_c across [center − width/2, center + width/2]. */
function etaRatioView(center: number, width: number): ViewInput {
  return {
    experiment: { parameterization: 'muP', learningRate: 1, steps: 1000 },
    x: { parameter: 'etaRatio', min: center - width / 2, max: center + width / 2, scale: 'linear' },
    y: { parameter: 'sigmaW', min: 0.5, max: 0.6, scale: 'linear' },
    columns: 32,
    rows: 8,
  };
}

/** Returns a 32 × 8 view with η across [0.5, 1] and the target y across `target`, so ỹ = ηy. */
function targetView(target: Axis): ViewInput {
  return {
    experiment: { parameterization: 'muP', learningRate: 1, steps: 1000 },
    x: { parameter: 'eta', min: 0.5, max: 1, scale: 'linear' },
    y: target,
    columns: 32,
    rows: 8,
  };
}

describe('precision ulps', () => {
  it('float32Ulp unchanged by the generic ulp', () => {
    expect(float32Ulp(1)).toBe(2 ** -23);
    expect(float32Ulp(1.3)).toBe(2 ** -23);
    expect(float32Ulp(-3)).toBe(2 ** -22);
    expect(float32Ulp(0)).toBe(2 ** -149);
    expect(float32Ulp(2 ** -130)).toBe(2 ** -149);
  });

  it('df64 and float64 ulps', () => {
    expect(precisionUlp(1.3, 'df64')).toBe(2 ** -44);
    expect(precisionUlp(1.3, 'float64')).toBe(Number.EPSILON);
    expect(precisionUlp(0, 'df64')).toBe(2 ** -126);
    expect(precisionUlp(2 ** -100, 'df64')).toBe(2 ** -126);
    expect(precisionUlp(0, 'float64')).toBe(2 ** -1074);
  });

  it('ỹ thresholds span 8 ulps of the convergence tolerance', () => {
    expect(minResolvedYTilde('float32')).toBeCloseTo(0.0095, 4);
    expect(minResolvedYTilde('df64')).toBeCloseTo((8 * 2 ** -44) / 1e-4, 20);
    expect(minResolvedYTilde('float64')).toBeCloseTo((8 * 2 ** -52) / 1e-4, 24);
  });
});

describe('choosePrecision', () => {
  it('picks float32 for a wide view', () => {
    const choice = choosePrecision(createView(etaRatioView(1.1, 2)));
    expect(choice.precision).toBe('float32');
    expect(choice.assessments.map((assessment) => assessment.precision)).toEqual(['float32']);
  });

  it('picks df64 for a 1e-6 wide η/η_c axis', () => {
    // 32 pixels over 1e-6 at 1.3: 3.1e-8 apart, 0.26 float32 ulps (1.2e-7) but 5.5e5 df64 ulps.
    const view = createView(etaRatioView(1.3, 1e-6));
    const choice = choosePrecision(view);
    expect(choice.precision).toBe('df64');
    expect(choice.assessments[0]!.axes[0].ulpsPerPixel).toBeCloseTo(0.262, 3);
    expect(choice.assessments[0]!.resolved).toBe(false);
    expect(choice.assessments[1]!.resolved).toBe(true);
    expect(assessPrecision(view).beyondFloat32).toBe(true);
  });

  it('picks float64 for a 1e-12 wide axis', () => {
    // 3.1e-14 apart: 0.55 df64 ulps (5.7e-14) but 141 float64 ulps (2.2e-16).
    const choice = choosePrecision(createView(etaRatioView(1.3, 1e-12)));
    expect(choice.precision).toBe('float64');
    expect(choice.assessments.map((assessment) => assessment.resolved)).toEqual([false, false, true]);
  });

  it('finds none for a 1e-15 wide axis', () => {
    // 3.1e-17 apart: below 4 float64 ulps.
    const choice = choosePrecision(createView(etaRatioView(1.3, 1e-15)));
    expect(choice.precision).toBeUndefined();
    expect(choice.assessments).toHaveLength(3);
  });

  it('picks only among the available precisions', () => {
    const view = createView(etaRatioView(1.3, 1e-6));
    expect(choosePrecision(view, ['float64']).precision).toBe('float64');
    expect(choosePrecision(view, ['float32']).precision).toBeUndefined();
    expect(choosePrecision(view, ['df64', 'float64']).precision).toBe('df64');
  });

  it('switches on the convergence test of a small target', () => {
    // ỹ = ηy with y ≈ 1e-5, so |ỹ|/min(1, ηλ₀/2) ≈ 1e-5: below float32's 0.0095, above df64's 4.5e-9.
    const small = choosePrecision(createView(targetView({ parameter: 'target', min: 1e-5, max: 2e-5, scale: 'linear' })));
    expect(small.precision).toBe('df64');
    expect(small.assessments[0]!.axes.every((axis) => axis.resolved)).toBe(true);
    expect(small.assessments[0]!.targetResolved).toBe(false);
    // y ≈ 1e-10 gives |ỹ|/S ≈ 1e-10: below df64's threshold, above float64's 1.8e-11.
    const tiny = choosePrecision(createView(targetView({ parameter: 'target', min: 1e-10, max: 2e-10, scale: 'log' })));
    expect(tiny.precision).toBe('float64');
    expect(tiny.assessments[1]!.targetResolved).toBe(false);
  });
});
