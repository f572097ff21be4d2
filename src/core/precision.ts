/**
 * Whether float32 kernels resolve a view: the pixel spacing of each axis must
 * stay above a few float32 ulps of the axis values, otherwise neighbouring
 * pixels run the same float32 trajectory and the picture shows rounding noise.
 */
import type { Axis, View } from './view.ts';

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

/** Precision report of a view. */
export interface ViewPrecision {
  axes: [AxisPrecision, AxisPrecision];
  /** True when some axis has fewer than {@link MIN_ULPS_PER_PIXEL} float32 ulps per pixel. */
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

/** Checks both axes of a view against float32 resolution. */
export function assessPrecision(view: View): ViewPrecision {
  const axes: [AxisPrecision, AxisPrecision] = [
    axisPrecision('x', view.x, view.columns),
    axisPrecision('y', view.y, view.rows),
  ];
  return { axes, beyondFloat32: axes.some((axis) => !axis.resolved) };
}
