import { describe, expect, it } from 'vitest';
import {
  assessPrecision,
  choosePrecision,
  float32Ulp,
  createView,
  minResolvedYTilde,
  precisionUlp,
  DEFAULT_VIEW_INPUT,
  ValidationError,
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

/** Accumulation point ỹ∞ of the period-doubling cascade, in η/η_c (7 digits). */
const CASCADE_ACCUMULATION = 1.3022834;

/** Returns the default view (256 × 256) with its η/η_c axis, 2.15 wide, zoomed by `zoom` around ỹ∞. */
function cascadeZoom(zoom: number): ViewInput {
  const width = (DEFAULT_VIEW_INPUT.x.max - DEFAULT_VIEW_INPUT.x.min) / zoom;
  return {
    ...DEFAULT_VIEW_INPUT,
    x: { parameter: 'etaRatio', min: CASCADE_ACCUMULATION - width / 2, max: CASCADE_ACCUMULATION + width / 2, scale: 'linear' },
  };
}

describe('zoom into the cascade', () => {
  it('default view axis is 2.15 wide over 256 columns', () => {
    const view = createView(cascadeZoom(1));
    expect(view.x.max - view.x.min).toBeCloseTo(2.15, 12);
    expect(view.columns).toBe(256);
    expect(choosePrecision(view).precision).toBe('float32');
  });

  it('resolves 1e10 in df64', () => {
    // 2.15e-10 over 256 columns: 8.4e-13 apart, 7e-6 float32 ulps but 14.8 df64 ulps (2^-44 = 5.7e-14).
    const choice = choosePrecision(createView(cascadeZoom(1e10)));
    expect(choice.precision).toBe('df64');
    expect(choice.assessments[0]!.resolved).toBe(false);
    expect(choice.assessments[1]!.axes[0].ulpsPerPixel).toBeCloseTo(14.8, 1);
  });

  it('resolves 1e12 in float64', () => {
    // 8.4e-15 apart: 0.15 df64 ulps, 37.8 float64 ulps.
    const choice = choosePrecision(createView(cascadeZoom(1e12)));
    expect(choice.precision).toBe('float64');
    expect(choice.assessments[1]!.axes[0].ulpsPerPixel).toBeCloseTo(0.148, 3);
    expect(choice.assessments[2]!.axes[0].ulpsPerPixel).toBeCloseTo(37.8, 1);
  });

  it('resolves 1e13 in none', () => {
    // 8.4e-16 apart: 3.78 float64 ulps, just short of the 4 that MIN_ULPS_PER_PIXEL requires.
    // float64 stops at a zoom of about 2.15 / (256 · 4 · 2^-52) ≈ 9.5e12.
    const choice = choosePrecision(createView(cascadeZoom(1e13)));
    expect(choice.precision).toBeUndefined();
    expect(choice.assessments.map((assessment) => assessment.precision)).toEqual(['float32', 'df64', 'float64']);
    expect(choice.assessments[2]!.axes[0].ulpsPerPixel).toBeCloseTo(3.78, 2);
    expect(choice.assessments[2]!.axes[1].resolved).toBe(true);
  });

  it('rejects 1e16 as an empty axis', () => {
    // The range, 2.15e-16 wide, is under one float64 ulp (2.2e-16) at ỹ∞, so both ends round to the same number.
    const input = cascadeZoom(1e16);
    expect(input.x.min).toBe(input.x.max);
    expect(() => createView(input)).toThrow(ValidationError);
    expect(() => createView(input)).toThrow(/Invalid x\.max/);
  });
});
