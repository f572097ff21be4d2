/**
 * A view: one experiment, two axes that override its parameters per pixel, a
 * pixel grid and a sample count. Every engine turns a view into the same
 * per-pixel layers, and this module defines how each pixel starts.
 */
import { ValidationError } from './errors.ts';
import { createExperiment, type Experiment, type ExperimentInput } from './experiment.ts';
import { initialHatState, sampleNorms } from './initialization.ts';
import { yTilde, type HatState } from './quantities.ts';
import { Random } from './random.ts';

/**
 * Parameters that an axis can sweep:
 * - `eta`: learning rate η;
 * - `etaRatio`: ỹ = η/η_c (needs y > 0);
 * - `c`: c = ηλ₀;
 * - `sigmaW`: σ_w, setting σ_U = σ_v;
 * - `width`: n, rounded to the nearest integer;
 * - `parameterization`: s ∈ [0, 1];
 * - `target`: y;
 * - `f0OverY`: f₀/y, with λ₀ from the experiment's initialization.
 */
export const AXIS_PARAMETERS = ['eta', 'etaRatio', 'c', 'sigmaW', 'width', 'parameterization', 'target', 'f0OverY'] as const;

/** A parameter that an axis can sweep. */
export type AxisParameter = (typeof AXIS_PARAMETERS)[number];

/** Parameters that set the learning rate; a view may use at most one of them. */
export const RATE_PARAMETERS: readonly AxisParameter[] = ['eta', 'etaRatio', 'c'];

/** Display name and symbol of each axis parameter. */
export const AXIS_LABELS: Record<AxisParameter, string> = {
  eta: 'η',
  etaRatio: 'η/η_c',
  c: 'c = ηλ₀',
  sigmaW: 'σ_w',
  width: 'n',
  parameterization: 's',
  target: 'y',
  f0OverY: 'f₀/y',
};

/** One axis of a view: a parameter swept from `min` to `max` on a linear or logarithmic scale. */
export interface Axis {
  parameter: AxisParameter;
  min: number;
  max: number;
  scale: 'linear' | 'log';
}

/** A validated view. */
export interface View {
  experiment: Experiment;
  /** Horizontal axis, `min` at the left edge. */
  x: Axis;
  /** Vertical axis, `min` at the bottom edge. */
  y: Axis;
  /** Pixels across. */
  columns: number;
  /** Pixels down. */
  rows: number;
  /**
   * Trajectories per pixel. Above 1 the experiment's initialization must be
   * `sampled`, and each pixel reports the fraction of its samples in each phase.
   */
  samples: number;
  /**
   * Rows of a larger picture above this view, when the view is one band of it (an
   * export in bands). Sample seeds count pixels from the larger picture's top row, so
   * the bands draw the same samples as one render of the whole picture. 0 when absent.
   */
  seedRowOffset?: number;
}

/** A view as a user writes it. */
export interface ViewInput {
  experiment?: ExperimentInput;
  x: Axis;
  y: Axis;
  columns: number;
  rows: number;
  samples?: number;
  /** See {@link View.seedRowOffset}. */
  seedRowOffset?: number;
}

/** Largest number of trajectories in one view: pixel and trajectory indices are 32-bit in the kernels. */
export const MAX_VIEW_TRAJECTORIES = 2 ** 32 - 1;

/** Default view: a μP network, η/η_c against σ_w, 256 × 256 pixels. */
export const DEFAULT_VIEW_INPUT: Readonly<ViewInput> = Object.freeze<ViewInput>({
  experiment: { learningRate: 1, steps: 1000 },
  x: { parameter: 'etaRatio', min: 0.05, max: 2.2, scale: 'linear' },
  y: { parameter: 'sigmaW', min: 0.1, max: 2, scale: 'linear' },
  columns: 256,
  rows: 256,
  samples: 1,
});

/** Validates a view and fills defaults. Throws a {@link ValidationError} naming the first invalid field. */
export function createView(input: ViewInput): View {
  const experiment = createExperiment(input.experiment ?? {});
  const x = validateAxis('x', input.x);
  const y = validateAxis('y', input.y);
  if (x.parameter === y.parameter) {
    throw new ValidationError('y.parameter', y.parameter, `a parameter other than the x axis's (${x.parameter})`);
  }
  if (RATE_PARAMETERS.includes(x.parameter) && RATE_PARAMETERS.includes(y.parameter)) {
    throw new ValidationError('y.parameter', y.parameter, `a non-learning-rate parameter, because x already sets the learning rate (${x.parameter})`);
  }
  // With y fixed by the experiment, η/η_c = η|x|y/m exists only for y > 0; every pixel would be invalid.
  let rateRatioAxis: 'x' | 'y' | undefined;
  if (x.parameter === 'etaRatio') {
    rateRatioAxis = 'x';
  } else if (y.parameter === 'etaRatio') {
    rateRatioAxis = 'y';
  }
  if (rateRatioAxis !== undefined && x.parameter !== 'target' && y.parameter !== 'target' && !(experiment.target > 0)) {
    throw new ValidationError(
      'target',
      experiment.target,
      `a number > 0 while the ${rateRatioAxis} axis is η/η_c, because η_c = m/(|x|y) needs y > 0 (with another target, put η or c = ηλ₀ on that axis)`,
    );
  }
  for (const [name, count] of [
    ['columns', input.columns],
    ['rows', input.rows],
  ] as const) {
    if (!Number.isInteger(count) || count < 1) {
      throw new ValidationError(name, count, 'an integer ≥ 1');
    }
  }
  const samples = input.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new ValidationError('samples', samples, 'an integer ≥ 1');
  }
  if (experiment.init.kind === 'sampled' && (x.parameter === 'f0OverY' || y.parameter === 'f0OverY')) {
    throw new ValidationError(
      'init.kind',
      'sampled',
      '"typical" or "explicit" with an f₀/y axis, because the axis sets f₀ and λ₀ of every pixel (a sampled start would be replaced)',
    );
  }
  if (samples > 1 && experiment.init.kind !== 'sampled') {
    throw new ValidationError('samples', samples, `1 unless the initialization is "sampled" (it is "${experiment.init.kind}")`);
  }
  if (input.columns * input.rows > MAX_VIEW_TRAJECTORIES) {
    throw new ValidationError('columns', input.columns, `columns × rows ≤ ${MAX_VIEW_TRAJECTORIES} (rows = ${input.rows}); lower the resolution`);
  }
  if (input.columns * input.rows * samples > MAX_VIEW_TRAJECTORIES) {
    throw new ValidationError(
      'samples',
      samples,
      `columns × rows × samples ≤ ${MAX_VIEW_TRAJECTORIES}; lower the resolution or the sample count`,
    );
  }
  const seedRowOffset = input.seedRowOffset ?? 0;
  if (!Number.isInteger(seedRowOffset) || seedRowOffset < 0) {
    throw new ValidationError('seedRowOffset', seedRowOffset, 'an integer ≥ 0');
  }
  const view: View = { experiment, x, y, columns: input.columns, rows: input.rows, samples };
  if (seedRowOffset > 0) {
    view.seedRowOffset = seedRowOffset;
  }
  return view;
}

function validateAxis(name: 'x' | 'y', axis: Axis | undefined): Axis {
  if (axis === undefined || !(AXIS_PARAMETERS as readonly string[]).includes(axis.parameter)) {
    throw new ValidationError(`${name}.parameter`, axis?.parameter, `one of ${AXIS_PARAMETERS.join(', ')}`);
  }
  if (axis.scale !== 'linear' && axis.scale !== 'log') {
    throw new ValidationError(`${name}.scale`, axis.scale, '"linear" or "log"');
  }
  for (const bound of ['min', 'max'] as const) {
    if (typeof axis[bound] !== 'number' || !Number.isFinite(axis[bound])) {
      throw new ValidationError(`${name}.${bound}`, axis[bound], 'a finite number');
    }
  }
  if (!(axis.min < axis.max)) {
    throw new ValidationError(`${name}.max`, axis.max, `a number > ${name}.min = ${axis.min}`);
  }
  if (axis.scale === 'log' && axis.min <= 0) {
    throw new ValidationError(`${name}.min`, axis.min, 'a number > 0 on a logarithmic axis');
  }
  const lowest: Partial<Record<AxisParameter, [number, string]>> = {
    eta: [0, '> 0'],
    etaRatio: [0, '> 0'],
    c: [0, '> 0'],
    sigmaW: [0, '> 0'],
    width: [0.5, '≥ 0.5 (it rounds to n ≥ 1)'],
    parameterization: [0, '≥ 0'],
  };
  const limit = lowest[axis.parameter];
  const inclusive = axis.parameter === 'width' || axis.parameter === 'parameterization';
  if (limit !== undefined && (inclusive ? axis.min < limit[0] : axis.min <= limit[0])) {
    throw new ValidationError(`${name}.min`, axis.min, `a number ${limit[1]} for ${axis.parameter}`);
  }
  if (axis.parameter === 'parameterization' && axis.max > 1) {
    throw new ValidationError(`${name}.max`, axis.max, 'a number ≤ 1 for parameterization');
  }
  return { parameter: axis.parameter, min: axis.min, max: axis.max, scale: axis.scale };
}

/**
 * Returns the axis value at the center of pixel `index` of `count`:
 * t = (index + ½)/count, then min + t(max − min) or min·(max/min)^t.
 */
export function axisValue(axis: Axis, index: number, count: number): number {
  const t = (index + 0.5) / count;
  if (axis.scale === 'log') {
    return Math.exp(Math.log(axis.min) + t * (Math.log(axis.max) - Math.log(axis.min)));
  }
  return axis.min + t * (axis.max - axis.min);
}

/** Returns the x and y values of a pixel. Row 0 is the top row, at y's maximum. */
export function pixelCoordinates(view: View, column: number, row: number): { x: number; y: number } {
  return { x: axisValue(view.x, column, view.columns), y: axisValue(view.y, view.rows - 1 - row, view.rows) };
}

/** Start of one trajectory in the kernel's variables. */
export interface TrajectoryStart extends HatState {
  yTilde: number;
}

/** Mixes every bit of a 32-bit integer with the murmur3 finalizer, a bijection of the 32-bit integers. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Returns the seed of trajectory `index` (pixel × samples + sample) of a view whose
 * experiment has seed `baseSeed`. Its low 32 bits are a bijective mix of the index,
 * so distinct trajectories of one view never share a seed. The high bits come from
 * the base seed.
 */
export function sampleSeed(baseSeed: number, index: number): number {
  const low = mix32(mix32(index ^ mix32(baseSeed >>> 0)) ^ 0x9e3779b9);
  const high = Math.floor(baseSeed / 0x100000000) & 0x1fffff;
  return high * 0x100000000 + low;
}

/**
 * Returns the pixel's experiment with both axis values applied, or undefined when
 * the pixel has no valid trajectory (for example f₀ outside the reachable wedge,
 * or η/η_c with y ≤ 0). Non-rate axes are applied before the learning rate,
 * because η/η_c and ηλ₀ depend on them.
 */
export function pixelExperiment(view: View, column: number, row: number, sample = 0): Experiment | undefined {
  const values = pixelCoordinates(view, column, row);
  const base = view.experiment;
  let width = base.width;
  let parameterization = base.parameterization;
  let sigmaU = base.sigmaU;
  let sigmaV = base.sigmaV;
  let target = base.target;
  let f0OverY: number | undefined;
  for (let a = 0; a < 2; a++) {
    const axis = a === 0 ? view.x : view.y;
    const value = a === 0 ? values.x : values.y;
    switch (axis.parameter) {
      case 'sigmaW':
        sigmaU = value;
        sigmaV = value;
        break;
      case 'width':
        width = Math.max(1, Math.round(value));
        break;
      case 'parameterization':
        parameterization = value;
        break;
      case 'target':
        target = value;
        break;
      case 'f0OverY':
        f0OverY = value;
        break;
      default:
        break;
    }
  }

  const m = width ** ((1 - parameterization) / 2);
  const x2 = base.inputNorm * base.inputNorm;
  let init = base.init;
  if (init.kind === 'sampled') {
    const seedRow = row + (view.seedRowOffset ?? 0);
    init = { kind: 'sampled', seed: sampleSeed(init.seed, (seedRow * view.columns + column) * view.samples + sample) };
  }
  if (f0OverY !== undefined) {
    const lambda0 = init.kind === 'explicit' ? init.lambda0 : x2 * (sigmaU * sigmaU + sigmaV * sigmaV);
    const f0 = f0OverY * target;
    // The same relative slack as createExperiment, so the edge q = 0 itself is valid.
    if (Math.abs(f0) > ((m * lambda0) / (2 * base.inputNorm)) * (1 + 4 * Number.EPSILON)) {
      return undefined;
    }
    init = { kind: 'explicit', f0, lambda0 };
  }

  let learningRate = base.learningRate;
  for (let a = 0; a < 2; a++) {
    const axis = a === 0 ? view.x : view.y;
    const value = a === 0 ? values.x : values.y;
    if (axis.parameter === 'eta') {
      learningRate = value;
    } else if (axis.parameter === 'etaRatio') {
      if (!(target > 0)) {
        return undefined;
      }
      learningRate = (value * m) / (base.inputNorm * target);
    } else if (axis.parameter === 'c') {
      const lambda0 = initialLambda(init, x2, sigmaU, sigmaV, width, parameterization, base.inputNorm);
      if (!(lambda0 > 0)) {
        return undefined;
      }
      learningRate = value / lambda0;
    }
  }
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    return undefined;
  }
  return { ...base, width, parameterization, sigmaU, sigmaV, target, learningRate, init };
}

function initialLambda(
  init: Experiment['init'],
  x2: number,
  sigmaU: number,
  sigmaV: number,
  width: number,
  parameterization: number,
  inputNorm: number,
): number {
  switch (init.kind) {
    case 'typical':
      return x2 * (sigmaU * sigmaU + sigmaV * sigmaV);
    case 'explicit':
      return init.lambda0;
    case 'sampled': {
      const partial = { width, parameterization, inputNorm, sigmaU, sigmaV } as Experiment;
      const { P, Q } = sampleNorms(partial, new Random(init.seed));
      return (P + Q) / (2 * width ** (1 - parameterization));
    }
  }
}

/** Returns the kernel start (P̂, Q̂, ỹ) of one trajectory, or undefined for an invalid pixel. */
export function pixelStart(view: View, column: number, row: number, sample = 0): TrajectoryStart | undefined {
  const experiment = pixelExperiment(view, column, row, sample);
  if (experiment === undefined) {
    return undefined;
  }
  return experimentStart(experiment);
}

/**
 * Returns the kernel start (P̂, Q̂, ỹ) of an experiment, as the kernels receive it.
 * It equals {@link initialHatState} and {@link yTilde} bit for bit (the same
 * operations in the same order) but computes m once, because every pixel of a view
 * calls it.
 */
export function experimentStart(experiment: Experiment): TrajectoryStart {
  const m = experiment.width ** ((1 - experiment.parameterization) / 2);
  const eta = experiment.learningRate;
  const inputNorm = experiment.inputNorm;
  const scale = eta / (4 * m * m);
  const yTildeValue = (eta * inputNorm * experiment.target) / m;
  const init = experiment.init;
  if (init.kind === 'sampled') {
    const { P, Q } = sampleNorms(experiment, new Random(init.seed));
    return { pHat: scale * P, qHat: scale * Q, yTilde: yTildeValue };
  }
  const lambda0 =
    init.kind === 'explicit'
      ? init.lambda0
      : inputNorm * inputNorm * (experiment.sigmaU * experiment.sigmaU + experiment.sigmaV * experiment.sigmaV);
  const sum = m * m * lambda0;
  if (init.kind === 'typical') {
    return { pHat: scale * sum, qHat: scale * sum, yTilde: yTildeValue };
  }
  const half = 2 * inputNorm * m * init.f0;
  return { pHat: scale * Math.max(0, sum + half), qHat: scale * Math.max(0, sum - half), yTilde: yTildeValue };
}
