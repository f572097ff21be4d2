/**
 * Zoom, pan and reprojection of view axes, DOM-free. A position on an axis is
 * its fraction t ∈ [0, 1] from min to max, linear in the value or in its logarithm.
 */
import type { Axis, AxisParameter } from '../core/view.ts';
import type { ImageRect } from '../gpu/canvas-presenter.ts';

/** Returns the fraction of `value` along `axis` (0 at min, 1 at max). */
export function axisFraction(axis: Axis, value: number): number {
  if (axis.scale === 'log') {
    return (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  }
  return (value - axis.min) / (axis.max - axis.min);
}

/** Returns the axis value at fraction `t`. */
export function axisAt(axis: Axis, t: number): number {
  if (axis.scale === 'log') {
    return Math.exp(Math.log(axis.min) + t * (Math.log(axis.max) - Math.log(axis.min)));
  }
  return axis.min + t * (axis.max - axis.min);
}

/** Returns the part of `axis` between fractions `from` and `to` (in either order). */
export function subAxis(axis: Axis, from: number, to: number): Axis {
  const low = Math.min(from, to);
  const high = Math.max(from, to);
  return clampAxis({ ...axis, min: axisAt(axis, low), max: axisAt(axis, high) });
}

/** Zooms `axis` by `factor` (below 1 zooms in) about fraction `center`, which stays in place. */
export function zoomAxis(axis: Axis, center: number, factor: number): Axis {
  return subAxis(axis, center - center * factor, center + (1 - center) * factor);
}

/** Moves `axis` by `shift` of its length (positive moves toward max). */
export function panAxis(axis: Axis, shift: number): Axis {
  return subAxis(axis, shift, 1 + shift);
}

/** Hard limits of each parameter's values. */
const LIMITS: Partial<Record<AxisParameter, [number, number]>> = {
  eta: [Number.MIN_VALUE, Infinity],
  etaRatio: [Number.MIN_VALUE, Infinity],
  c: [Number.MIN_VALUE, Infinity],
  sigmaW: [Number.MIN_VALUE, Infinity],
  width: [0.5, Infinity],
  parameterization: [0, 1],
};

/**
 * Keeps an axis inside its parameter's allowed values (s ∈ [0, 1], positive rates,
 * n ≥ 1), shifting it back when it can and shrinking it when it must.
 */
export function clampAxis(axis: Axis): Axis {
  const [low, high] = LIMITS[axis.parameter] ?? [-Infinity, Infinity];
  let { min, max } = axis;
  if (min < low) {
    if (axis.scale === 'linear' && Number.isFinite(low)) {
      max = Math.min(high, max + (low - min));
    }
    min = low;
  }
  if (max > high) {
    if (axis.scale === 'linear') {
      min = Math.max(low, min - (max - high));
    }
    max = high;
  }
  return { ...axis, min, max };
}

/**
 * Returns where a picture drawn for axes (`fromX`, `fromY`) lies in a canvas that
 * now shows axes (`toX`, `toY`), in canvas-normalized coordinates with y down.
 * Used to show the previous picture, stretched, while the new view computes. On a
 * log axis the mapping is exact only when both axes have the same scale.
 */
export function reprojectRect(fromX: Axis, fromY: Axis, toX: Axis, toY: Axis): ImageRect {
  const left = axisFraction(toX, fromX.min);
  const right = axisFraction(toX, fromX.max);
  // The top of the picture is y's maximum.
  const top = 1 - axisFraction(toY, fromY.max);
  const bottom = 1 - axisFraction(toY, fromY.min);
  return { left, top, right, bottom };
}

/** Returns whether two axes describe the same range. */
export function sameAxis(first: Axis, second: Axis): boolean {
  return first.parameter === second.parameter && first.min === second.min && first.max === second.max && first.scale === second.scale;
}
