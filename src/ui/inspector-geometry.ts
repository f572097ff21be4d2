/**
 * DOM-free geometry of the trajectory inspector: which states to draw, the plotted
 * ranges, axis scales, polyline decimation and clipping, curve sampling, the
 * unreachable region and vector-field arrows. Everything here is in data or pixel
 * coordinates, so the tests run in Node.
 */
import type { Experiment } from '../core/experiment.ts';
import { eosManifold, type FixedPoint, type VectorField } from '../core/fixed-points.ts';
import { experimentScales } from '../core/quantities.ts';
import type { StateReadout } from '../core/trajectory.ts';

/** A closed interval [min, max], with min < max unless a function's documentation states otherwise. */
export type Interval = [min: number, max: number];

// ─── States to draw ─────────────────────────────────────────────────────────────

/** Readouts of the drawn states, one array per quantity, indexed by step. */
export interface TrajectorySeries {
  /** Number of drawn states: steps 0 … count − 1. */
  count: number;
  residual: Float64Array;
  lambda: Float64Array;
  lambdaHessian: Float64Array;
  loss: Float64Array;
  /** Step at which the analysis saw the divergence, or −1. That state is not drawn unless it is the only one. */
  divergenceStep: number;
  /**
   * Number of leading states that set the linear ranges: all of them, except after a
   * divergence, where the states that escaped far beyond the natural scales are left out
   * (see {@link escapeCount}).
   */
  fitCount: number;
}

/**
 * Copies the readouts into arrays, cut before the divergence step (the state there is
 * beyond the divergence bound or not finite) and before the first state with a non-finite
 * readout. When the run diverged at step 0, state 0 is kept if it is finite, so the
 * start still shows.
 */
export function seriesFromReadouts(readouts: readonly StateReadout[], divergenceStep: number): Omit<TrajectorySeries, 'fitCount'> {
  let count = readouts.length;
  if (divergenceStep > 0) {
    count = Math.min(count, divergenceStep);
  } else if (divergenceStep === 0) {
    count = Math.min(count, 1);
  }
  for (let i = 0; i < count; i++) {
    const state = readouts[i]!;
    if (![state.residual, state.lambda, state.lambdaHessian, state.loss].every(Number.isFinite)) {
      count = i;
      break;
    }
  }
  const residual = new Float64Array(count);
  const lambda = new Float64Array(count);
  const lambdaHessian = new Float64Array(count);
  const loss = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const state = readouts[i]!;
    residual[i] = state.residual;
    lambda[i] = state.lambda;
    lambdaHessian[i] = state.lambdaHessian;
    loss[i] = state.loss;
  }
  return { count, residual, lambda, lambdaHessian, loss, divergenceStep };
}

/** Scales of the (Δf, λ) plane that a bounded orbit does not leave by much. */
export interface NaturalScales {
  /** max(|Δf₀|, |y|, m/(η|x|)): the last is |Δf| at |u| = 1, where u = η|x|Δf/m. */
  residual: number;
  /** max(λ₀, 2/η). */
  lambda: number;
}

/** Returns the {@link NaturalScales} of an experiment whose initial state is (Δf₀, λ₀). */
export function naturalScales(experiment: Experiment, residual0: number, lambda0: number): NaturalScales {
  const { m } = experimentScales(experiment);
  const eta = experiment.learningRate;
  return {
    residual: maxFinite([Math.abs(residual0), Math.abs(experiment.target), m / (eta * experiment.inputNorm)]),
    lambda: maxFinite([lambda0, 2 / eta]),
  };
}

function maxFinite(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value) && value > 0);
  return finite.length > 0 ? Math.max(...finite) : 1;
}

/** States that leave a box this many natural scales wide no longer set the ranges of a diverged run. */
export const ESCAPE_FACTOR = 10;

/**
 * Returns the number of leading states (at least 1 when there is any) with
 * |Δf| ≤ factor · scales.residual and λ ≤ factor · scales.lambda. A diverging run grows
 * geometrically, so ranges fitted to its last finite states would squeeze the whole
 * approach into one pixel. The states past this count leave the plot instead.
 */
export function escapeCount(
  series: Pick<TrajectorySeries, 'count' | 'residual' | 'lambda'>,
  scales: NaturalScales,
  factor = ESCAPE_FACTOR,
): number {
  const residualLimit = factor * scales.residual;
  const lambdaLimit = factor * scales.lambda;
  for (let i = 0; i < series.count; i++) {
    if (Math.abs(series.residual[i]!) > residualLimit || series.lambda[i]! > lambdaLimit) {
      return Math.max(1, i);
    }
  }
  return series.count;
}

/** Builds the drawn series of a run: {@link seriesFromReadouts}, with the fit count of a diverged run cut at its escape. */
export function trajectorySeries(experiment: Experiment, readouts: readonly StateReadout[], divergenceStep: number): TrajectorySeries {
  const series = seriesFromReadouts(readouts, divergenceStep);
  if (divergenceStep < 0 || series.count === 0) {
    return { ...series, fitCount: series.count };
  }
  const scales = naturalScales(experiment, series.residual[0]!, series.lambda[0]!);
  return { ...series, fitCount: escapeCount(series, scales) };
}

// ─── Ranges ─────────────────────────────────────────────────────────────────────

/** Returns [min, max] of the finite values among values[0 … count − 1], or undefined when there is none. */
export function finiteBounds(values: ArrayLike<number>, count = values.length): Interval | undefined {
  let min = Infinity;
  let max = -Infinity;
  const end = Math.min(count, values.length);
  for (let i = 0; i < end; i++) {
    const value = values[i]!;
    if (value < min) {
      min = value;
    }
    if (value > max) {
      max = value;
    }
  }
  // NaN fails both comparisons, and ±Infinity only matters if every value is infinite.
  return Number.isFinite(min) && Number.isFinite(max) ? [min, max] : undefined;
}

/** Returns the smallest interval that contains both (either may be undefined). */
export function unionBounds(a: Interval | undefined, b: Interval | undefined): Interval | undefined {
  if (a === undefined) {
    return b;
  }
  if (b === undefined) {
    return a;
  }
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

/** Options of {@link padInterval}, which widens data bounds into a plotted range. */
export interface PadOptions {
  /** Fraction of the span added on each side. Default 0.06. */
  margin?: number;
  /** Values the range always contains. */
  include?: readonly number[];
  /** Values the range takes in when they lie within one span of the data. */
  includeNear?: readonly number[];
  /** Lower limit of the range, applied when the data and the included values are all at or above it. */
  lowerLimit?: number;
  /** Half-width around a single value when the bounds are one point. Default: 10% of its magnitude, or 1 at zero. */
  pointHalfWidth?: number;
  /** Smallest span relative to the larger bound's magnitude. Default 1e-6, which keeps rounding noise out of the axes. */
  minRelativeSpan?: number;
}

/**
 * Widens data bounds into a plotted range: adds the included values, widens a single
 * point or a span below `minRelativeSpan`, takes in near values, adds margins and
 * applies the lower limit. Always returns a finite interval with min < max; with no
 * bounds and nothing to include it returns [−1, 1] scaled by `pointHalfWidth`.
 */
export function padInterval(bounds: Interval | undefined, options: PadOptions = {}): Interval {
  const margin = options.margin ?? 0.06;
  const minRelativeSpan = options.minRelativeSpan ?? 1e-6;
  let range = bounds === undefined ? undefined : ([bounds[0], bounds[1]] as Interval);
  for (const value of options.include ?? []) {
    if (Number.isFinite(value)) {
      range = unionBounds(range, [value, value]);
    }
  }
  if (range === undefined) {
    const half = options.pointHalfWidth !== undefined && options.pointHalfWidth > 0 ? options.pointHalfWidth : 1;
    return [-half, half];
  }

  const magnitude = Math.max(Math.abs(range[0]), Math.abs(range[1]));
  if (range[1] - range[0] <= minRelativeSpan * magnitude) {
    const center = (range[0] + range[1]) / 2;
    const defaultHalf = magnitude > 0 ? 0.1 * magnitude : 1;
    const half = options.pointHalfWidth !== undefined && options.pointHalfWidth > 0 ? options.pointHalfWidth : defaultHalf;
    range = [center - half, center + half];
  }

  for (const value of options.includeNear ?? []) {
    const span = range[1] - range[0];
    if (Number.isFinite(value) && value >= range[0] - span && value <= range[1] + span) {
      range = unionBounds(range, [value, value])!;
    }
  }

  const dataMin = range[0];
  const span = range[1] - range[0];
  let padded: Interval = [range[0] - margin * span, range[1] + margin * span];
  if (options.lowerLimit !== undefined && dataMin >= options.lowerLimit) {
    padded = [Math.max(padded[0], options.lowerLimit), padded[1]];
  }
  if (!(Number.isFinite(padded[0]) && Number.isFinite(padded[1]) && padded[0] < padded[1])) {
    // Overflow of the margins near ±1.8e308, or a span lost to rounding.
    return Number.isFinite(range[1] - range[0]) && range[0] < range[1] ? range : [-1, 1];
  }
  return padded;
}

/** Smallest lower bound of a logarithmic range, relative to its upper bound: 40 decades. */
export const LOG_RANGE_FLOOR = 1e-40;

/**
 * Returns a logarithmic range for the positive finite values among values[0 … count − 1].
 * It runs from the smallest (but at most 40 decades below the largest) to the largest,
 * with `marginDecades` added on each side (default 0.05 of the decades spanned, at least
 * 0.1 decade). Zero and negative values are left out. With no positive value it returns [1e-3, 1].
 */
export function logInterval(values: ArrayLike<number>, count = values.length, marginDecades?: number): Interval {
  let min = Infinity;
  let max = 0;
  const end = Math.min(count, values.length);
  for (let i = 0; i < end; i++) {
    const value = values[i]!;
    if (value > 0 && value < Infinity) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
  }
  if (!(max > 0)) {
    return [1e-3, 1];
  }
  min = Math.max(min, max * LOG_RANGE_FLOOR, Number.MIN_VALUE);
  const decades = Math.log10(max / min);
  const pad = marginDecades ?? Math.max(0.1, 0.05 * decades);
  const low = min / 10 ** pad;
  const high = max * 10 ** pad;
  return [low > 0 ? low : Number.MIN_VALUE, Number.isFinite(high) ? high : Number.MAX_VALUE];
}

/** Plotted ranges of the (Δf, λ) phase plane. */
export interface PhasePlaneRanges {
  residual: Interval;
  lambda: Interval;
}

/**
 * Chooses the phase-plane ranges from the fitted states. The line of minima Δf = 0 and
 * the stability bound λ = 2/η are taken in when they lie within one span of the states,
 * and so is each reachable fixed point within a quarter span on both axes (a saddle next
 * to the orbit, such as the one at the end of the EoS manifold). Then 8% margins go on each
 * side. λ has no lower limit at 0: the margin below it (unreachable, and shaded so) keeps
 * markers at λ = 0, such as the origin, whole.
 */
export function phasePlaneRanges(experiment: Experiment, series: TrajectorySeries, fixedPoints: readonly FixedPoint[] = []): PhasePlaneRanges {
  const scales =
    series.count > 0 ? naturalScales(experiment, series.residual[0]!, series.lambda[0]!) : naturalScales(experiment, 0, 0);
  let residualBounds = finiteBounds(series.residual, series.fitCount);
  let lambdaBounds = finiteBounds(series.lambda, series.fitCount);
  if (residualBounds !== undefined && lambdaBounds !== undefined) {
    const residualReach = (residualBounds[1] - residualBounds[0]) / 4;
    const lambdaReach = (lambdaBounds[1] - lambdaBounds[0]) / 4;
    for (const point of fixedPoints) {
      const near =
        point.reachable &&
        point.residual >= residualBounds[0] - residualReach &&
        point.residual <= residualBounds[1] + residualReach &&
        point.lambda >= lambdaBounds[0] - lambdaReach &&
        point.lambda <= lambdaBounds[1] + lambdaReach;
      if (near) {
        residualBounds = unionBounds(residualBounds, [point.residual, point.residual])!;
        lambdaBounds = unionBounds(lambdaBounds, [point.lambda, point.lambda])!;
      }
    }
  }
  // A trajectory that barely moves (a tiny η, or a start on a minimum) is widened by half
  // its own size, not by the natural scales, which grow like 1/η.
  const residual0 = series.count > 0 ? Math.abs(series.residual[0]!) : 0;
  const lambda0 = series.count > 0 ? series.lambda[0]! : 0;
  const residualHalfWidth = 0.5 * (residual0 > 0 || experiment.target !== 0 ? Math.max(residual0, Math.abs(experiment.target)) : scales.residual);
  const lambdaHalfWidth = 0.5 * (lambda0 > 0 ? lambda0 : scales.lambda);
  return {
    residual: padInterval(residualBounds, {
      margin: 0.08,
      includeNear: [0],
      pointHalfWidth: residualHalfWidth,
    }),
    lambda: padInterval(lambdaBounds, {
      margin: 0.08,
      includeNear: [2 / experiment.learningRate],
      pointHalfWidth: lambdaHalfWidth,
    }),
  };
}

// ─── Axis scales ────────────────────────────────────────────────────────────────

/** A map from data values to pixels along one axis. */
export interface AxisScale {
  /** Data range, lower bound first. */
  readonly domain: Interval;
  /** Pixel positions of domain[0] and domain[1] (the second is smaller on a vertical axis). */
  readonly pixels: Interval;
  readonly log: boolean;
  /** Returns the pixel of a value. On a log scale values ≤ 0 map to the pixel of domain[0]. */
  toPixel(value: number): number;
}

/** Creates a linear or base-10 logarithmic {@link AxisScale}; a log domain must be positive. */
export function createAxisScale(domain: Interval, pixels: Interval, log = false): AxisScale {
  if (log) {
    const low = Math.log10(domain[0]);
    const factor = (pixels[1] - pixels[0]) / (Math.log10(domain[1]) - low);
    return {
      domain,
      pixels,
      log,
      toPixel: (value) => (value > 0 ? pixels[0] + (Math.log10(value) - low) * factor : pixels[0]),
    };
  }
  const factor = (pixels[1] - pixels[0]) / (domain[1] - domain[0]);
  return { domain, pixels, log, toPixel: (value) => pixels[0] + (value - domain[0]) * factor };
}

// ─── Decimation and clipping ────────────────────────────────────────────────────

/**
 * Returns the indices of values[0 … count − 1] to draw as a polyline over `columns`
 * pixel columns: in each column's share of the indices, the first, the smallest, the
 * largest and the last, in index order. Every column keeps its extremes, so spikes
 * survive, and at most 4 · columns indices come back. When count ≤ 4 · columns, every
 * index comes back. NaN values are never chosen as extremes.
 */
export function decimateColumns(values: ArrayLike<number>, count: number, columns: number): Uint32Array {
  const n = Math.max(0, Math.min(count, values.length));
  const buckets = Math.max(1, Math.floor(columns));
  if (n <= 4 * buckets) {
    return Uint32Array.from({ length: n }, (_, i) => i);
  }
  const indices: number[] = [];
  for (let column = 0; column < buckets; column++) {
    const start = Math.floor((column * n) / buckets);
    const end = Math.floor(((column + 1) * n) / buckets);
    if (end <= start) {
      continue;
    }
    let minIndex = -1;
    let maxIndex = -1;
    for (let i = start; i < end; i++) {
      const value = values[i]!;
      if (Number.isNaN(value)) {
        continue;
      }
      if (minIndex < 0 || value < values[minIndex]!) {
        minIndex = i;
      }
      if (maxIndex < 0 || value > values[maxIndex]!) {
        maxIndex = i;
      }
    }
    const candidates = [start, minIndex, maxIndex, end - 1].filter((index) => index >= 0).sort((a, b) => a - b);
    for (const index of candidates) {
      if (indices.length === 0 || indices[indices.length - 1] !== index) {
        indices.push(index);
      }
    }
  }
  return Uint32Array.from(indices);
}

/** An axis-aligned rectangle, in data or pixel coordinates: xMin < xMax and yMin < yMax. */
export interface Box {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** Returns `box` grown by `amount` on every side. */
export function growBox(box: Box, amount: number): Box {
  return { xMin: box.xMin - amount, xMax: box.xMax + amount, yMin: box.yMin - amount, yMax: box.yMax + amount };
}

/**
 * Clips the segment a → b to `box` (Liang–Barsky). Returns the clipped end points as
 * [ax, ay, bx, by], or undefined when no part of the segment lies in the box.
 */
export function clipSegment(ax: number, ay: number, bx: number, by: number, box: Box): [number, number, number, number] | undefined {
  const dx = bx - ax;
  const dy = by - ay;
  let enter = 0;
  let leave = 1;
  // Each pair is (−d, distance to the lower edge) and (d, distance to the upper edge) along one axis.
  const tests: Array<[number, number]> = [
    [-dx, ax - box.xMin],
    [dx, box.xMax - ax],
    [-dy, ay - box.yMin],
    [dy, box.yMax - ay],
  ];
  for (const [p, q] of tests) {
    if (p === 0) {
      if (q < 0) {
        return undefined;
      }
      continue;
    }
    const t = q / p;
    if (p < 0) {
      enter = Math.max(enter, t);
    } else {
      leave = Math.min(leave, t);
    }
    if (enter > leave) {
      return undefined;
    }
  }
  if (!(Number.isFinite(enter) && Number.isFinite(leave))) {
    return undefined;
  }
  return [ax + enter * dx, ay + enter * dy, ax + leave * dx, ay + leave * dy];
}

/**
 * Splits the polyline through points (xs[i], ys[i]) into pieces that lie inside `box`,
 * as flat [x0, y0, x1, y1, …] arrays. A non-finite point ends a piece, and so does a
 * segment for which `breakSegment` returns true (a pole between two samples). A single
 * point inside the box comes back as a one-point piece.
 */
export function clipPolyline(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  box: Box,
  breakSegment?: (ax: number, ay: number, bx: number, by: number) => boolean,
): Float64Array[] {
  const pieces: Float64Array[] = [];
  let current: number[] = [];
  const flush = () => {
    if (current.length >= 2) {
      pieces.push(Float64Array.from(current));
    }
    current = [];
  };
  const n = Math.min(xs.length, ys.length);
  if (n === 1 && Number.isFinite(xs[0]!) && Number.isFinite(ys[0]!) && clipSegment(xs[0]!, ys[0]!, xs[0]!, ys[0]!, box)) {
    return [Float64Array.of(xs[0]!, ys[0]!)];
  }
  for (let i = 1; i < n; i++) {
    const ax = xs[i - 1]!;
    const ay = ys[i - 1]!;
    const bx = xs[i]!;
    const by = ys[i]!;
    if (!(Number.isFinite(ax) && Number.isFinite(ay) && Number.isFinite(bx) && Number.isFinite(by))) {
      flush();
      continue;
    }
    if (breakSegment?.(ax, ay, bx, by)) {
      flush();
      continue;
    }
    const clipped = clipSegment(ax, ay, bx, by, box);
    if (clipped === undefined) {
      flush();
      continue;
    }
    const [cax, cay, cbx, cby] = clipped;
    const enteredHere = cax !== ax || cay !== ay;
    if (current.length === 0 || enteredHere) {
      flush();
      current.push(cax, cay);
    }
    current.push(cbx, cby);
    if (cbx !== bx || cby !== by) {
      // The segment leaves the box: the next one starts a new piece.
      flush();
    }
  }
  flush();
  return pieces;
}

/** A trajectory in pixel coordinates, reduced for drawing. */
export interface TrajectoryPath {
  /** Polyline pieces through the first states, clipped to the box, as flat [x, y, …] arrays. */
  lines: Float64Array[];
  /** Pixel positions of the states along the polyline, after dropping repeats of the same pixel. */
  vertices: Float64Array;
  /**
   * Pixel centres [x, y, …] visited by the states after the polyline budget ran out, each
   * pixel once, inside the box only.
   */
  dots: Float64Array;
  /** Number of states drawn as the polyline (the rest are dots). */
  lineStates: number;
}

/**
 * Reduces a (Δf, λ) trajectory for drawing: consecutive states in the same pixel are
 * drawn once, the polyline takes states until it has `maxVertices` vertices, and later
 * states are drawn as one dot per visited pixel. A chaotic orbit of 10⁶ steps then costs
 * at most `maxVertices` segments plus one dot per pixel of the box.
 */
export function trajectoryPath(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  count: number,
  xScale: AxisScale,
  yScale: AxisScale,
  box: Box,
  maxVertices = 20_000,
): TrajectoryPath {
  const n = Math.max(0, Math.min(count, xs.length, ys.length));
  const vertexX: number[] = [];
  const vertexY: number[] = [];
  let lastKey = NaN;
  let lineStates = 0;
  for (; lineStates < n && vertexX.length < maxVertices; lineStates++) {
    const px = xScale.toPixel(xs[lineStates]!);
    const py = yScale.toPixel(ys[lineStates]!);
    const key = pixelKey(px, py);
    if (key !== lastKey) {
      vertexX.push(px);
      vertexY.push(py);
      lastKey = key;
    }
  }
  // Clip with a margin, so lines leave the plot through its edge instead of ending on it.
  const lines = clipPolyline(vertexX, vertexY, growBox(box, 4));
  const vertices = new Float64Array(vertexX.length * 2);
  vertexX.forEach((x, i) => {
    vertices[2 * i] = x;
    vertices[2 * i + 1] = vertexY[i]!;
  });

  const visited = new Set<number>();
  const dots: number[] = [];
  for (let i = lineStates; i < n; i++) {
    const px = Math.floor(xScale.toPixel(xs[i]!));
    const py = Math.floor(yScale.toPixel(ys[i]!));
    if (!(px >= box.xMin && px <= box.xMax && py >= box.yMin && py <= box.yMax)) {
      continue;
    }
    const key = pixelKey(px, py);
    if (!visited.has(key)) {
      visited.add(key);
      dots.push(px + 0.5, py + 0.5);
    }
  }
  return { lines, vertices, dots: Float64Array.from(dots), lineStates };
}

/** Returns one number per pixel for pixel coordinates within ±2²⁰ of the origin, NaN otherwise. */
function pixelKey(px: number, py: number): number {
  const x = Math.floor(px);
  const y = Math.floor(py);
  const limit = 1 << 20;
  if (!(Math.abs(x) < limit && Math.abs(y) < limit)) {
    // NaN never equals the previous key, so every far-away state is kept.
    return NaN;
  }
  return (x + limit) * 2 * limit + (y + limit);
}

// ─── Curves and regions of the phase plane ──────────────────────────────────────

/**
 * Samples λ = curve(Δf) at `samples` evenly spaced Δf across `residualRange` and returns
 * the pieces inside the ranges (λ extended by one span on each side, so lines leave
 * through the plot's edge), as flat [Δf, λ, …] arrays. A non-finite value ends a piece,
 * and so does a jump from above the extended range to below it or back, which is how a
 * pole (such as Δf = 0 on the λ-nullcline) shows between two samples.
 */
export function sampleCurve(
  curve: (residual: number) => number,
  residualRange: Interval,
  lambdaRange: Interval,
  samples = 400,
): Float64Array[] {
  const count = Math.max(2, Math.floor(samples));
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    xs[i] = residualRange[0] + ((residualRange[1] - residualRange[0]) * i) / (count - 1);
    ys[i] = curve(xs[i]!);
  }
  const span = lambdaRange[1] - lambdaRange[0];
  const box: Box = { xMin: residualRange[0], xMax: residualRange[1], yMin: lambdaRange[0] - span, yMax: lambdaRange[1] + span };
  const crossesPole = (_ax: number, ay: number, _bx: number, by: number) =>
    (ay > box.yMax && by < box.yMin) || (ay < box.yMin && by > box.yMax);
  return clipPolyline(xs, ys, box, crossesPole);
}

/**
 * Returns the polygon [Δf, λ, …] of the unreachable region λ < 2|x||Δf + y|/m inside the
 * ranges: below both edges of the reachable wedge (the EoS manifold q = 0 and its mirror
 * p = 0), which meet at Δf = −y, λ = 0. Every corner lies within one span of the λ range
 * (edges above it are cut there), so a canvas clip to the plot shows exactly the region
 * without huge coordinates.
 */
export function unreachablePolygon(experiment: Experiment, residualRange: Interval, lambdaRange: Interval): Float64Array {
  const span = lambdaRange[1] - lambdaRange[0];
  const bottom = lambdaRange[0] - span;
  const top = lambdaRange[1] + span;
  const [left, right] = residualRange;
  const vertex = -experiment.target;
  // The wedge edges are λ = slope·|Δf + y|, with slope = 2|x|/m.
  const slope = Math.abs(eosManifold(experiment, vertex + 1) - eosManifold(experiment, vertex));
  const points = [left, bottom];
  const edgeLeft = slope * Math.abs(left - vertex);
  if (edgeLeft > top) {
    // Cut along λ = top: the part above the plot is unreachable too.
    points.push(left, top, vertex - top / slope, top);
  } else {
    points.push(left, edgeLeft);
  }
  if (vertex > left && vertex < right) {
    points.push(vertex, 0);
  }
  const edgeRight = slope * Math.abs(right - vertex);
  if (edgeRight > top) {
    points.push(vertex + top / slope, top, right, top);
  } else {
    points.push(right, edgeRight);
  }
  points.push(right, bottom);
  return Float64Array.from(points);
}

/** Fixed points to draw: reachable, finite and inside both ranges. */
export function visibleFixedPoints(points: readonly FixedPoint[], ranges: PhasePlaneRanges): FixedPoint[] {
  return points.filter(
    (point) =>
      point.reachable &&
      point.residual >= ranges.residual[0] &&
      point.residual <= ranges.residual[1] &&
      point.lambda >= ranges.lambda[0] &&
      point.lambda <= ranges.lambda[1],
  );
}

// ─── Vector field ───────────────────────────────────────────────────────────────

/** Grid size of the vector field for a plot of the given pixel size: one node per `spacing` pixels, at least 2 × 2. */
export function fieldGridSize(width: number, height: number, spacing = 32): { columns: number; rows: number } {
  return {
    columns: Math.max(2, Math.min(200, Math.floor(width / spacing))),
    rows: Math.max(2, Math.min(200, Math.floor(height / spacing))),
  };
}

/** One arrow in pixel coordinates. */
export interface ArrowGlyph {
  tailX: number;
  tailY: number;
  tipX: number;
  tipY: number;
  /** The two barb ends of the head: [leftX, leftY, rightX, rightY]. */
  barbs: [number, number, number, number];
}

/**
 * Returns one arrow per node of the vector field with a finite, non-zero displacement:
 * centred on the node, pointing along the one-step displacement as drawn on screen, and
 * `length` pixels long whatever the displacement's size (normalized lengths). Nodes outside
 * the reachable wedge (NaN displacement) and fixed nodes (the line Δf = 0) get no arrow.
 */
export function arrowGlyphs(
  field: VectorField,
  xScale: AxisScale,
  yScale: AxisScale,
  length: number,
  headLength = length * 0.35,
): ArrowGlyph[] {
  const columns = field.residuals.length;
  const rows = field.lambdas.length;
  // Pixels per data unit along each axis (linear scales): the screen direction of a displacement.
  const xFactor = (xScale.pixels[1] - xScale.pixels[0]) / (xScale.domain[1] - xScale.domain[0]);
  const yFactor = (yScale.pixels[1] - yScale.pixels[0]) / (yScale.domain[1] - yScale.domain[0]);
  const glyphs: ArrowGlyph[] = [];
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const index = j * columns + i;
      let dx = field.residualDisplacement[index]! * xFactor;
      let dy = field.lambdaDisplacement[index]! * yFactor;
      let norm = Math.hypot(dx, dy);
      if (norm === Infinity) {
        // A displacement too large to square: scale it down first.
        const scale = Math.max(Math.abs(dx), Math.abs(dy));
        dx /= scale;
        dy /= scale;
        norm = Math.hypot(dx, dy);
      }
      if (!(norm > 0 && Number.isFinite(norm))) {
        continue;
      }
      const ux = dx / norm;
      const uy = dy / norm;
      const cx = xScale.toPixel(field.residuals[i]!);
      const cy = yScale.toPixel(field.lambdas[j]!);
      const tipX = cx + (ux * length) / 2;
      const tipY = cy + (uy * length) / 2;
      const baseX = tipX - ux * headLength;
      const baseY = tipY - uy * headLength;
      const half = headLength * 0.5;
      glyphs.push({
        tailX: cx - (ux * length) / 2,
        tailY: cy - (uy * length) / 2,
        tipX,
        tipY,
        barbs: [baseX - uy * half, baseY + ux * half, baseX + uy * half, baseY - ux * half],
      });
    }
  }
  return glyphs;
}
