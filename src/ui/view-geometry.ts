/**
 * Zoom, pan and reprojection of view axes, DOM-free. A position on an axis is
 * its fraction t ∈ [0, 1] from min to max, linear in the value or in its logarithm.
 */
import type { Axis, AxisParameter } from '../core/view.ts';
import type { ImageRect } from '../gpu/canvas-presenter.ts';

/** A range on a linear or log scale: a view axis, or a diagram's quantity range (no parameter, no limits). */
export interface RangeAxis {
  min: number;
  max: number;
  scale: 'linear' | 'log';
  parameter?: AxisParameter;
}

/** Returns the fraction of `value` along `axis` (0 at min, 1 at max). */
export function axisFraction(axis: RangeAxis, value: number): number {
  if (axis.scale === 'log') {
    return (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  }
  return (value - axis.min) / (axis.max - axis.min);
}

/** Returns the axis value at fraction `t`. */
export function axisAt(axis: RangeAxis, t: number): number {
  if (axis.scale === 'log') {
    return Math.exp(Math.log(axis.min) + t * (Math.log(axis.max) - Math.log(axis.min)));
  }
  return axis.min + t * (axis.max - axis.min);
}

/** Returns the part of `axis` between fractions `from` and `to` (in either order). */
export function subAxis<A extends RangeAxis>(axis: A, from: number, to: number): A {
  const low = Math.min(from, to);
  const high = Math.max(from, to);
  return clampAxis({ ...axis, min: axisAt(axis, low), max: axisAt(axis, high) });
}

/** Zooms `axis` by `factor` (below 1 zooms in) about fraction `center`, which stays in place. */
export function zoomAxis<A extends RangeAxis>(axis: A, center: number, factor: number): A {
  return subAxis(axis, center - center * factor, center + (1 - center) * factor);
}

/** Moves `axis` by `shift` of its length (positive moves toward max). */
export function panAxis<A extends RangeAxis>(axis: A, shift: number): A {
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
export function clampAxis<A extends RangeAxis>(axis: A): A {
  const [low, high] = (axis.parameter === undefined ? undefined : LIMITS[axis.parameter]) ?? [-Infinity, Infinity];
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
export function reprojectRect(fromX: RangeAxis, fromY: RangeAxis, toX: RangeAxis, toY: RangeAxis): ImageRect {
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
