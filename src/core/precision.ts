/**
 * Whether a precision resolves a view: the pixel spacing of each axis must
 * stay above a few ulps of the axis values, otherwise neighbouring pixels run
 * the same trajectory and the picture shows rounding noise. The engine uses it
 * to pick the cheapest precision that resolves a view (docs/precision.md).
 */
import { DEFAULT_ANALYSIS_SETTINGS } from './analysis.ts';
import { pixelStart, type Axis, type View } from './view.ts';

/**
 * Arithmetic of the map state: `float32` and `df64` (a value as the unevaluated sum
 * of two float32) run in the WebGPU kernels, `float64` in the CPU engine.
 */
export type Precision = 'float32' | 'df64' | 'float64';

/** Every precision, cheapest first. */
export const PRECISIONS: readonly Precision[] = ['float32', 'df64', 'float64'];

/** Precisions a render may request: `auto` (the cheapest that resolves the view) or one by name. */
export const REQUESTED_PRECISIONS = ['auto', 'float32', 'df64', 'float64'] as const;

/** Precision of a render: one by name, or `auto`, the cheapest available one that resolves the view. */
export type RequestedPrecision = (typeof REQUESTED_PRECISIONS)[number];

/**
 * Fraction bits that each precision resolves: the significand bits after the leading
 * one for float32 (23) and float64 (52). A df64 pair carries 48 bits, but each
 * operation may lose up to 16u² = 2⁻⁴⁴ (u = 2⁻²⁴), the bound that
 * test/gpu/df64.test.ts checks, so df64 counts as 44 bits.
 */
export const RESOLVED_FRACTION_BITS: Readonly<Record<Precision, number>> = { float32: 23, df64: 44, float64: 52 };

/**
 * Smallest spacing of each precision near 0: the float32 and float64 subnormal steps.
 * df64 uses the smallest normal float32, because a GPU may flush subnormal low halves to 0.
 */
const SMALLEST_ULP: Readonly<Record<Precision, number>> = { float32: 2 ** -149, df64: 2 ** -126, float64: 2 ** -1074 };

/** Minimum ulps between neighbouring pixels for a view to count as resolved. */
export const MIN_ULPS_PER_PIXEL = 4;

/** Returns the ulp of `precision` at `value`: 2^(⌊log₂|value|⌋ − bits), and at least the spacing near 0. */
export function precisionUlp(value: number, precision: Precision): number {
  const magnitude = Math.abs(value);
  if (magnitude === 0) {
    return SMALLEST_ULP[precision];
  }
  return Math.max(SMALLEST_ULP[precision], 2 ** (Math.floor(Math.log2(magnitude)) - RESOLVED_FRACTION_BITS[precision]));
}

/** Returns the float32 ulp at `value`: 2^(⌊log₂|value|⌋ − 23), or the smallest subnormal step below 2⁻¹²⁶. */
export function float32Ulp(value: number): number {
  return precisionUlp(value, 'float32');
}

/** Precision of one axis. */
export interface AxisPrecision {
  axis: 'x' | 'y';
  /** Smallest distance between neighbouring pixel centres, in the axis unit. */
  spacing: number;
  /** Ulp of the assessed precision at the axis value of largest magnitude (at the low end of a log axis). */
  ulp: number;
  /** spacing / ulp. */
  ulpsPerPixel: number;
  resolved: boolean;
}

/**
 * Returns the smallest |ỹ|/S whose convergence test `precision` resolves, with
 * S = min(1, P̂₀ + Q̂₀) the scale of P̂ and Q̂. A state counts as converged when
 * |u| ≤ 10⁻⁴|ỹ|, and the precision resolves u = P̂ − Q̂ − ỹ only to about 2^−bits·S,
 * because a converged run ends with ηλ/2 ≤ 1 and, in the lazy regime, near its
 * initial ηλ₀/2. The threshold must span 8 of those ulps: 8·2⁻²³/10⁻⁴ ≈ 0.0095 in
 * float32, 8·2⁻⁴⁴/10⁻⁴ ≈ 4.5·10⁻⁹ in df64 and 8·2⁻⁵²/10⁻⁴ ≈ 1.8·10⁻¹¹ in float64.
 */
export function minResolvedYTilde(precision: Precision): number {
  return (8 * 2 ** -RESOLVED_FRACTION_BITS[precision]) / DEFAULT_ANALYSIS_SETTINGS.convergenceTolerance;
}

/** Smallest |ỹ|/S whose convergence test float32 resolves (see {@link minResolvedYTilde}). */
export const MIN_RESOLVED_Y_TILDE = minResolvedYTilde('float32');

/** Precision report of a view. */
export interface ViewPrecision {
  axes: [AxisPrecision, AxisPrecision];
  /** Smallest nonzero |ỹ|/min(1, P̂₀ + Q̂₀) found on a 9 × 9 grid of the view's pixels (Infinity when none). */
  smallestYTilde: number;
  /** False when some pixel's |ỹ|/min(1, P̂₀ + Q̂₀) is below {@link MIN_RESOLVED_Y_TILDE}. */
  targetResolved: boolean;
  /** True when an axis has fewer than {@link MIN_ULPS_PER_PIXEL} float32 ulps per pixel, or the target is unresolved. */
  beyondFloat32: boolean;
}

function axisPrecision(name: 'x' | 'y', axis: Axis, count: number, precision: Precision): AxisPrecision {
  const largest = Math.max(Math.abs(axis.min), Math.abs(axis.max));
  // On a log axis the spacing is smallest at the low end: min·((max/min)^(1/count) − 1).
  const spacing =
    axis.scale === 'log'
      ? axis.min * Math.expm1(Math.log(axis.max / axis.min) / count)
      : (axis.max - axis.min) / count;
  // The ulp that matters on a log axis is the one at the low end, where the spacing is.
  const ulp = precisionUlp(axis.scale === 'log' ? axis.min : largest, precision);
  const ulpsPerPixel = spacing / ulp;
  return { axis: name, spacing, ulp, ulpsPerPixel, resolved: ulpsPerPixel >= MIN_ULPS_PER_PIXEL };
}

/** Checks both axes and the dimensionless target of a view against float32 resolution. */
export function assessPrecision(view: View): ViewPrecision {
  const assessment = assessPrecisionOf(view, 'float32');
  const { axes, smallestYTilde, targetResolved } = assessment;
  return { axes, smallestYTilde, targetResolved, beyondFloat32: !assessment.resolved };
}

/** Resolution of a view in one precision. */
export interface PrecisionAssessment {
  precision: Precision;
  axes: [AxisPrecision, AxisPrecision];
  /** Smallest nonzero |ỹ|/min(1, P̂₀ + Q̂₀) found on a 9 × 9 grid of the view's pixels (Infinity when none). */
  smallestYTilde: number;
  /** {@link minResolvedYTilde} of the precision. */
  minResolvedYTilde: number;
  /** False when some pixel's |ỹ|/min(1, P̂₀ + Q̂₀) is below `minResolvedYTilde`. */
  targetResolved: boolean;
  /** True when both axes and the target are resolved. */
  resolved: boolean;
}

/** Checks both axes and the dimensionless target of a view against the resolution of `precision`. */
export function assessPrecisionOf(view: View, precision: Precision, smallestYTilde = smallestScaledYTilde(view)): PrecisionAssessment {
  const axes: [AxisPrecision, AxisPrecision] = [
    axisPrecision('x', view.x, view.columns, precision),
    axisPrecision('y', view.y, view.rows, precision),
  ];
  const threshold = minResolvedYTilde(precision);
  const targetResolved = !(smallestYTilde < threshold);
  return {
    precision,
    axes,
    smallestYTilde,
    minResolvedYTilde: threshold,
    targetResolved,
    resolved: targetResolved && axes.every((axis) => axis.resolved),
  };
}

/** The cheapest precision that resolves a view, with the assessment of every precision tried. */
export interface PrecisionChoice {
  /** The first of the available precisions, cheapest first, that resolves the view; undefined when none does. */
  precision: Precision | undefined;
  /** Assessments of the available precisions up to the chosen one (all of them when none resolves the view). */
  assessments: PrecisionAssessment[];
}

/** Picks the cheapest of `available` (default: every precision) that resolves `view`. */
export function choosePrecision(view: View, available: readonly Precision[] = PRECISIONS): PrecisionChoice {
  const smallestYTilde = smallestScaledYTilde(view);
  const assessments: PrecisionAssessment[] = [];
  for (const precision of PRECISIONS) {
    if (!available.includes(precision)) {
      continue;
    }
    const assessment = assessPrecisionOf(view, precision, smallestYTilde);
    assessments.push(assessment);
    if (assessment.resolved) {
      return { precision, assessments };
    }
  }
  return { precision: undefined, assessments };
}

/** Returns the smallest nonzero |ỹ|/min(1, P̂₀ + Q̂₀) on a 9 × 9 grid of the view's pixels, or Infinity. */
function smallestScaledYTilde(view: View): number {
  // ỹ is monotone along each axis except through y = 0, which a grid point near it catches.
  let smallestYTilde = Infinity;
  const grid = 9;
  for (let i = 0; i < grid; i++) {
    for (let j = 0; j < grid; j++) {
      const column = Math.min(view.columns - 1, Math.round((i * (view.columns - 1)) / (grid - 1)));
      const row = Math.min(view.rows - 1, Math.round((j * (view.rows - 1)) / (grid - 1)));
      const start = pixelStart(view, column, row);
      if (start === undefined || start.yTilde === 0) {
        continue;
      }
      const scale = Math.min(1, start.pHat + start.qHat);
      smallestYTilde = Math.min(smallestYTilde, Math.abs(start.yTilde) / scale);
    }
  }
  return smallestYTilde;
}
