/**
 * Whether float32 kernels resolve a view: the pixel spacing of each axis must
 * stay above a few float32 ulps of the axis values, otherwise neighbouring
 * pixels run the same float32 trajectory and the picture shows rounding noise.
 */
import { DEFAULT_ANALYSIS_SETTINGS } from './analysis.ts';
import { pixelStart, type Axis, type View } from './view.ts';

/** Minimum float32 ulps between neighbouring pixels for a view to count as resolved. */
export const MIN_ULPS_PER_PIXEL = 4;

/** Returns the float32 ulp at `value`: 2^(⌊log₂|value|⌋ − 23), or the smallest normal ulp at 0. */
export function float32Ulp(value: number): number {
  const magnitude = Math.abs(value);
  if (magnitude < 2 ** -126) {
    return 2 ** -149;
  }
  return 2 ** (Math.floor(Math.log2(magnitude)) - 23);
}

/** Precision of one axis. */
export interface AxisPrecision {
  axis: 'x' | 'y';
  /** Smallest distance between neighbouring pixel centres, in the axis unit. */
  spacing: number;
  /** float32 ulp at the axis value of largest magnitude. */
  ulp: number;
  /** spacing / ulp. */
  ulpsPerPixel: number;
  resolved: boolean;
}

/**
 * Smallest |ỹ|/S whose convergence test float32 resolves, with S = min(1, P̂₀ + Q̂₀) the
 * scale of P̂ and Q̂. A state counts as converged when |u| ≤ 10⁻⁴|ỹ|, and float32 resolves
 * u = P̂ − Q̂ − ỹ only to about 2⁻²³S, because a converged run ends with ηλ/2 ≤ 1 and,
 * in the lazy regime, near its initial ηλ₀/2. The threshold must span 8 of those ulps.
 */
export const MIN_RESOLVED_Y_TILDE = (8 * 2 ** -23) / DEFAULT_ANALYSIS_SETTINGS.convergenceTolerance;

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

function axisPrecision(name: 'x' | 'y', axis: Axis, count: number): AxisPrecision {
  const largest = Math.max(Math.abs(axis.min), Math.abs(axis.max));
  // On a log axis the spacing is smallest at the low end: min·((max/min)^(1/count) − 1).
  const spacing =
    axis.scale === 'log'
      ? axis.min * Math.expm1(Math.log(axis.max / axis.min) / count)
      : (axis.max - axis.min) / count;
  // The ulp that matters on a log axis is the one at the low end, where the spacing is.
  const ulp = float32Ulp(axis.scale === 'log' ? axis.min : largest);
  const ulpsPerPixel = spacing / ulp;
  return { axis: name, spacing, ulp, ulpsPerPixel, resolved: ulpsPerPixel >= MIN_ULPS_PER_PIXEL };
}

/** Checks both axes and the dimensionless target of a view against float32 resolution. */
export function assessPrecision(view: View): ViewPrecision {
  const axes: [AxisPrecision, AxisPrecision] = [
    axisPrecision('x', view.x, view.columns),
    axisPrecision('y', view.y, view.rows),
  ];
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
  const targetResolved = !(smallestYTilde < MIN_RESOLVED_Y_TILDE);
  return { axes, smallestYTilde, targetResolved, beyondFloat32: !targetResolved || axes.some((axis) => !axis.resolved) };
}
