/**
 * Bifurcation diagrams: one learning-rate-like parameter across, a late-time
 * quantity up. Each column runs `samples` trajectories past a transient and
 * counts, per row, how often the recorded steps land in that row's value band.
 * The WGSL kernel in shaders/uv-bifurcation.wgsl does the same in float32 with
 * integer atomics; {@link accumulateDiagram} is its float64 reference.
 */
import { DEFAULT_ANALYSIS_SETTINGS } from './analysis.ts';
import { ValidationError } from './errors.ts';
import { createExperiment, type Experiment, type ExperimentInput } from './experiment.ts';
import { stepHat } from './map.ts';
import { MIN_ULPS_PER_PIXEL, PRECISIONS, precisionUlp, type Precision } from './precision.ts';
import { hessianSharpnessHat } from './quantities.ts';
import { AXIS_PARAMETERS, axisValue, experimentStart, pixelExperiment, RATE_PARAMETERS, type Axis, type AxisParameter, type View } from './view.ts';

/** Late-time quantities a diagram can show on its vertical axis. */
export const DIAGRAM_QUANTITIES = ['hessianSharpness', 'ntkSharpness', 'residual', 'loss'] as const;

/** One of {@link DIAGRAM_QUANTITIES}. */
export type DiagramQuantity = (typeof DIAGRAM_QUANTITIES)[number];

/** Axis titles of the quantities, in the notation of docs/science.md. */
export const DIAGRAM_QUANTITY_LABELS: Record<DiagramQuantity, string> = {
  hessianSharpness: 'ηλ_H/2',
  ntkSharpness: 'ηλ/2',
  residual: 'Δf',
  loss: 'L = ½Δf²',
};

/** Codes of the quantities in the kernel's `quantity` parameter. */
export const DIAGRAM_QUANTITY_CODES: Record<DiagramQuantity, number> = {
  hessianSharpness: 0,
  ntkSharpness: 1,
  residual: 2,
  loss: 3,
};

/** Vertical range of a diagram: the quantity's values from `min` (bottom edge) to `max` (top edge). */
export interface DiagramRange {
  min: number;
  max: number;
  scale: 'linear' | 'log';
}

/** A parameter held at one value in every column, such as the phase map's row under the pointer. */
export interface FixedParameter {
  parameter: AxisParameter;
  value: number;
}

/** A validated bifurcation diagram. */
export interface BifurcationDiagram {
  experiment: Experiment;
  /** Horizontal axis: η, η/η_c or c = ηλ₀. */
  x: Axis;
  /** A non-rate parameter applied to every column, or undefined to keep the experiment's. */
  fixed: FixedParameter | undefined;
  quantity: DiagramQuantity;
  y: DiagramRange;
  columns: number;
  rows: number;
  /** Steps run before recording starts. */
  transient: number;
  /** Steps recorded per trajectory: states transient … transient + recorded − 1. */
  recorded: number;
  /** Trajectories per column, at evenly spaced parameter values inside the column. */
  samples: number;
}

/** A diagram as a user writes it. */
export interface DiagramInput {
  experiment?: ExperimentInput;
  x: Axis;
  fixed?: FixedParameter;
  quantity?: DiagramQuantity;
  y?: DiagramRange;
  columns: number;
  rows: number;
  transient?: number;
  recorded?: number;
  samples?: number;
}

/** Largest number of column trajectories: the kernel indexes them with 32-bit integers. */
export const MAX_DIAGRAM_TRAJECTORIES = 2 ** 32 - 1;

/** Largest count of density cells, so that rows × columns fits one 32-bit index and a 2 GiB buffer. */
export const MAX_DIAGRAM_CELLS = 2 ** 29;

/**
 * Defaults: the cascade of the EoS manifold in η/η_c (μP, σ_w = 0.5, whose trajectories
 * settle on q = 0), 1024 × 512 cells, 1000 transient and 1000 recorded steps.
 */
export const DEFAULT_DIAGRAM_INPUT: Readonly<DiagramInput> = Object.freeze<DiagramInput>({
  experiment: { parameterization: 'muP', sigmaW: 0.5, learningRate: 1, steps: 2000 },
  x: { parameter: 'etaRatio', min: 0.9, max: 2.05, scale: 'linear' },
  quantity: 'hessianSharpness',
  y: { min: 0, max: 3, scale: 'linear' },
  columns: 1024,
  rows: 512,
  transient: 1000,
  recorded: 1000,
  samples: 1,
});

/** Suggested vertical range of each quantity: the range of the EoS cascade up to the crisis at ỹ = 2. */
export function defaultDiagramRange(quantity: DiagramQuantity): DiagramRange {
  switch (quantity) {
    case 'hessianSharpness':
    case 'ntkSharpness':
      // On the manifold ηλ/2 = z ≤ max g = 4a³/27 = 4 at a = 1 + ỹ = 3.
      return { min: 0, max: 3, scale: 'linear' };
    case 'residual':
      return { min: -2, max: 2, scale: 'linear' };
    case 'loss':
      return { min: 1e-8, max: 10, scale: 'log' };
  }
}

/** Allowed values of a fixed parameter, as the view's axes allow them. */
const FIXED_VALUE_LIMITS: Partial<Record<AxisParameter, { accepts: (value: number) => boolean; allowed: string }>> = {
  sigmaW: { accepts: (value) => value > 0, allowed: 'a number > 0' },
  width: { accepts: (value) => value >= 0.5, allowed: 'a number ≥ 0.5 (it rounds to n ≥ 1)' },
  parameterization: { accepts: (value) => value >= 0 && value <= 1, allowed: 'a number in [0, 1]' },
};

/** Validates a diagram and fills defaults. Throws a {@link ValidationError} naming the first invalid field. */
export function createDiagram(input: DiagramInput): BifurcationDiagram {
  const experiment = createExperiment(input.experiment ?? {});
  const x = input.x;
  if (x === undefined || !RATE_PARAMETERS.includes(x.parameter)) {
    throw new ValidationError('x.parameter', x?.parameter, `a learning-rate parameter: one of ${RATE_PARAMETERS.join(', ')}`);
  }
  validateRange('x', x);
  if (!(x.min > 0)) {
    throw new ValidationError('x.min', x.min, `a number > 0 for ${x.parameter}`);
  }

  const fixed = input.fixed;
  if (fixed !== undefined) {
    if (!AXIS_PARAMETERS.includes(fixed.parameter) || RATE_PARAMETERS.includes(fixed.parameter)) {
      throw new ValidationError('fixed.parameter', fixed.parameter, 'a parameter other than the learning rate (the x axis sets it)');
    }
    if (!Number.isFinite(fixed.value)) {
      throw new ValidationError('fixed.value', fixed.value, 'a finite number');
    }
    const limit = FIXED_VALUE_LIMITS[fixed.parameter];
    if (limit !== undefined && !limit.accepts(fixed.value)) {
      throw new ValidationError('fixed.value', fixed.value, `${limit.allowed} for ${fixed.parameter}`);
    }
  }

  const quantity = input.quantity ?? 'hessianSharpness';
  if (!DIAGRAM_QUANTITIES.includes(quantity)) {
    throw new ValidationError('quantity', quantity, `one of ${DIAGRAM_QUANTITIES.join(', ')}`);
  }
  const y = input.y ?? defaultDiagramRange(quantity);
  validateRange('y', y);
  if (y.scale === 'log' && !(y.min > 0)) {
    throw new ValidationError('y.min', y.min, 'a number > 0 on a logarithmic axis');
  }

  for (const [name, value, lowest] of [
    ['columns', input.columns, 1],
    ['rows', input.rows, 1],
    ['transient', input.transient ?? 1000, 0],
    ['recorded', input.recorded ?? 1000, 1],
    ['samples', input.samples ?? 1, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < lowest || value > 0x7fffffff) {
      throw new ValidationError(name, value, `an integer from ${lowest} to ${0x7fffffff}`);
    }
  }
  const samples = input.samples ?? 1;
  const transient = input.transient ?? 1000;
  const recorded = input.recorded ?? 1000;
  if (transient + recorded > 0x7fffffff) {
    throw new ValidationError('recorded', recorded, `transient + recorded ≤ ${0x7fffffff} (transient = ${transient})`);
  }
  if (input.columns * input.rows > MAX_DIAGRAM_CELLS) {
    throw new ValidationError('rows', input.rows, `columns × rows ≤ ${MAX_DIAGRAM_CELLS} (columns = ${input.columns}); lower the resolution`);
  }
  if (input.columns * samples > MAX_DIAGRAM_TRAJECTORIES) {
    throw new ValidationError('samples', samples, `columns × samples ≤ ${MAX_DIAGRAM_TRAJECTORIES}; lower the sample count`);
  }
  return {
    experiment,
    x: { parameter: x.parameter, min: x.min, max: x.max, scale: x.scale },
    fixed: fixed === undefined ? undefined : { parameter: fixed.parameter, value: fixed.value },
    quantity,
    y: { min: y.min, max: y.max, scale: y.scale },
    columns: input.columns,
    rows: input.rows,
    transient,
    recorded,
    samples,
  };
}

function validateRange(name: 'x' | 'y', range: DiagramRange): void {
  if (range.scale !== 'linear' && range.scale !== 'log') {
    throw new ValidationError(`${name}.scale`, range.scale, '"linear" or "log"');
  }
  for (const bound of ['min', 'max'] as const) {
    if (typeof range[bound] !== 'number' || !Number.isFinite(range[bound])) {
      throw new ValidationError(`${name}.${bound}`, range[bound], 'a finite number');
    }
  }
  if (!(range.min < range.max)) {
    throw new ValidationError(`${name}.max`, range.max, `a number > ${name}.min = ${range.min}`);
  }
}

/**
 * Returns the one-row view whose pixel `column · samples + sample` is trajectory
 * `sample` of `column`: the x axis is split into columns × samples equal parts, so
 * sample s of column j sits at fraction (j + (s + ½)/samples)/columns. The fixed
 * parameter (or the experiment's own parameterization, which changes nothing) fills
 * the y axis with min = max, so {@link pixelExperiment} applies it exactly.
 */
export function diagramTrajectoryView(diagram: BifurcationDiagram): View {
  const fixed = diagram.fixed ?? { parameter: 'parameterization', value: diagram.experiment.parameterization };
  return {
    experiment: { ...diagram.experiment, steps: diagram.transient + diagram.recorded },
    x: diagram.x,
    y: { parameter: fixed.parameter, min: fixed.value, max: fixed.value, scale: 'linear' },
    columns: diagram.columns * diagram.samples,
    rows: 1,
    samples: 1,
  };
}

/** Start of one diagram trajectory: the kernel's (P̂, Q̂, ỹ) and the factor Δf = u · residualScale. */
export interface DiagramStart {
  pHat: number;
  qHat: number;
  yTilde: number;
  /** m/(η|x|), which turns u = P̂ − Q̂ − ỹ into the residual Δf = f − y. */
  residualScale: number;
}

/** Returns the experiment of trajectory `sample` of `column`, or undefined where the parameters are invalid. */
export function diagramExperiment(diagram: BifurcationDiagram, column: number, sample = 0): Experiment | undefined {
  return pixelExperiment(diagramTrajectoryView(diagram), column * diagram.samples + sample, 0);
}

/** Returns the start of trajectory `sample` of `column`, or undefined where the parameters are invalid. */
export function diagramStart(diagram: BifurcationDiagram, column: number, sample = 0, view = diagramTrajectoryView(diagram)): DiagramStart | undefined {
  const experiment = pixelExperiment(view, column * diagram.samples + sample, 0);
  if (experiment === undefined) {
    return undefined;
  }
  const start = experimentStart(experiment);
  const m = experiment.width ** ((1 - experiment.parameterization) / 2);
  return { ...start, residualScale: m / (experiment.learningRate * experiment.inputNorm) };
}

/** Returns the diagram quantity of a state: ηλ_H/2, ηλ/2 = P̂ + Q̂, Δf = u·residualScale or L = ½Δf². */
export function diagramQuantityValue(quantity: DiagramQuantity, pHat: number, qHat: number, yTilde: number, residualScale: number): number {
  switch (quantity) {
    case 'hessianSharpness':
      return 0.5 * hessianSharpnessHat({ pHat, qHat }, yTilde);
    case 'ntkSharpness':
      return pHat + qHat;
    case 'residual':
      return (pHat - qHat - yTilde) * residualScale;
    case 'loss': {
      const residual = (pHat - qHat - yTilde) * residualScale;
      return 0.5 * residual * residual;
    }
  }
}

/**
 * Returns the row of `value` (row 0 at the top, the range's max), or −1 outside the
 * range. Band r from the bottom covers [min + r·h, min + (r + 1)·h) with h = (max − min)/rows,
 * in the logarithm on a log scale.
 */
export function diagramRow(range: DiagramRange, rows: number, value: number): number {
  let t: number;
  if (range.scale === 'log') {
    if (!(value > 0)) {
      return -1;
    }
    t = (Math.log(value) - Math.log(range.min)) / (Math.log(range.max) - Math.log(range.min));
  } else {
    t = (value - range.min) / (range.max - range.min);
  }
  const band = Math.floor(t * rows);
  if (!(band >= 0 && band < rows)) {
    return -1;
  }
  return rows - 1 - band;
}

/** Counts of a diagram. */
export interface DiagramDensity {
  columns: number;
  rows: number;
  /** Recorded states per cell, row-major with row 0 at the top. */
  counts: Uint32Array;
  /** Trajectories per column that diverged (ηλ/2 above the bound, or not finite) before recording ended. */
  diverged: Uint32Array;
  /** Trajectories per column with invalid parameters, which record nothing. */
  invalid: Uint32Array;
}

/**
 * Computes the counts of `diagram` in float64, for columns `firstColumn` … `firstColumn + columnCount − 1`
 * (the whole diagram by default); the counts of other columns stay 0. This is the reference of the
 * WGSL kernel and the CPU engine's implementation. Divergence uses the trajectory analysis' rule: ηλ/2
 * above {@link DEFAULT_ANALYSIS_SETTINGS}.divergenceBound or not finite.
 */
export function accumulateDiagram(diagram: BifurcationDiagram, firstColumn = 0, columnCount = diagram.columns, into?: DiagramDensity): DiagramDensity {
  const density = into ?? emptyDensity(diagram);
  const view = diagramTrajectoryView(diagram);
  const bound = DEFAULT_ANALYSIS_SETTINGS.divergenceBound;
  const total = diagram.transient + diagram.recorded;
  for (let column = firstColumn; column < firstColumn + columnCount; column++) {
    for (let sample = 0; sample < diagram.samples; sample++) {
      const start = diagramStart(diagram, column, sample, view);
      if (start === undefined) {
        density.invalid[column]! += 1;
        continue;
      }
      let state = { pHat: start.pHat, qHat: start.qHat };
      for (let t = 0; t < total; t++) {
        const sum = state.pHat + state.qHat;
        if (!(sum <= bound)) {
          density.diverged[column]! += 1;
          break;
        }
        if (t >= diagram.transient) {
          const value = diagramQuantityValue(diagram.quantity, state.pHat, state.qHat, start.yTilde, start.residualScale);
          const row = diagramRow(diagram.y, diagram.rows, value);
          if (row >= 0) {
            density.counts[row * diagram.columns + column]! += 1;
          }
        }
        state = stepHat(state, start.yTilde);
      }
    }
  }
  return density;
}

/** Returns zeroed counts for `diagram`. */
export function emptyDensity(diagram: Pick<BifurcationDiagram, 'columns' | 'rows'>): DiagramDensity {
  return {
    columns: diagram.columns,
    rows: diagram.rows,
    counts: new Uint32Array(diagram.columns * diagram.rows),
    diverged: new Uint32Array(diagram.columns),
    invalid: new Uint32Array(diagram.columns),
  };
}

/** Trajectory-steps of a diagram: columns × samples × (transient + recorded). */
export function diagramTrajectorySteps(diagram: BifurcationDiagram): number {
  return diagram.columns * diagram.samples * (diagram.transient + diagram.recorded);
}

/** Minimum ulps between the ỹ of neighbouring trajectories, as for phase-map pixels. */
const MIN_DIAGRAM_ULPS = MIN_ULPS_PER_PIXEL;

/**
 * Most recorded steps per trajectory that each precision draws. A chaotic orbit in finite
 * precision is a walk on finitely many numbers, so it falls into a cycle and then repeats
 * it instead of sampling the attractor. In float32 the cycles are short: from the
 * critical point of the manifold map, after 1000 steps, they are 279 to 4938 steps long
 * at ỹ = 1.35 … 1.95 (measured with Math.fround), so float32 draws at most 64 recorded
 * steps. For df64 the bound is an estimate: a random map on N values has cycles of about
 * √(πN/8) steps, 10⁷ or more for N ≈ 2⁴⁸, and 2²⁰ leaves a margin of ten. float64 has no
 * bound below the step limit.
 */
export const MAX_RECORDED_STEPS: Readonly<Record<Precision, number>> = { float32: 64, df64: 2 ** 20, float64: 0x7fffffff };

/**
 * Returns why kernels in `precision` cannot resolve `diagram`, or undefined when they can.
 * Neighbouring trajectories (columns × samples across) must differ by at least 4 ulps
 * of ỹ, or they run the same orbit. Each row must span at least 4 ulps of the quantity
 * at the range's larger end, or rounding decides the row of a value. The df64 kernel
 * computes ηλ_H/2 and logarithms from f32 values, so there the rows need float32's 4 ulps.
 * The record must also fit {@link MAX_RECORDED_STEPS}.
 */
export function diagramPrecisionProblem(diagram: BifurcationDiagram, precision: Precision): string | undefined {
  if (diagram.recorded > MAX_RECORDED_STEPS[precision]) {
    return (
      `${diagram.recorded} recorded steps exceed the ${MAX_RECORDED_STEPS[precision]} that ${precision} draws: its chaotic orbits ` +
      'fall into cycles, and a longer record would repeat a cycle instead of sampling the attractor'
    );
  }
  const view = diagramTrajectoryView(diagram);
  const trajectories = diagram.columns * diagram.samples;
  let compared = false;
  let worst = Infinity;
  let worstAt = 0;
  // Sampling up to 4096 neighbouring pairs is enough: the spacing varies smoothly along the axis.
  const stride = Math.max(1, Math.floor(trajectories / 4096));
  for (let index = 0; index + 1 < trajectories; index += stride) {
    const first = pixelExperiment(view, index, 0);
    const second = pixelExperiment(view, index + 1, 0);
    if (first === undefined || second === undefined) {
      continue;
    }
    const a = experimentStart(first).yTilde;
    const b = experimentStart(second).yTilde;
    const ulps = Math.abs(b - a) / precisionUlp(Math.max(Math.abs(a), Math.abs(b)), precision);
    compared = true;
    if (ulps < worst) {
      worst = ulps;
      worstAt = a;
    }
  }

  if (compared && worst < MIN_DIAGRAM_ULPS) {
    return (
      `neighbouring trajectories differ in ỹ = η/η_c by ${worst === 0 ? '0' : worst.toPrecision(3)} ${precision} ulps near ỹ = ${worstAt.toPrecision(12)} ` +
      `(at least ${MIN_DIAGRAM_ULPS} are needed)`
    );
  }

  const range = diagram.y;
  const rowPrecision = precision === 'df64' && (diagram.quantity === 'hessianSharpness' || range.scale === 'log') ? 'float32' : precision;
  const rowSpan =
    range.scale === 'log'
      ? range.max * (1 - (range.min / range.max) ** (1 / diagram.rows))
      : (range.max - range.min) / diagram.rows;
  const rowUlps = rowSpan / precisionUlp(Math.max(Math.abs(range.min), Math.abs(range.max)), rowPrecision);
  if (rowUlps < MIN_DIAGRAM_ULPS) {
    return (
      `each row spans ${rowUlps === 0 ? '0' : rowUlps.toPrecision(3)} ${rowPrecision} ulps of ${DIAGRAM_QUANTITY_LABELS[diagram.quantity]} (at least ${MIN_DIAGRAM_ULPS} are needed)`
    );
  }
  return undefined;
}

/** The cheapest precision that resolves a diagram, and why each cheaper one does not. */
export interface DiagramPrecisionChoice {
  precision: Precision | undefined;
  /** Reasons of the precisions tried before the chosen one (all of them when none resolves the diagram). */
  problems: Array<{ precision: Precision; problem: string }>;
}

/** Picks the cheapest of `available` (default: float32, df64, float64) that resolves `diagram`. */
export function chooseDiagramPrecision(diagram: BifurcationDiagram, available: readonly Precision[] = PRECISIONS): DiagramPrecisionChoice {
  const problems: Array<{ precision: Precision; problem: string }> = [];
  for (const precision of PRECISIONS) {
    if (!available.includes(precision)) {
      continue;
    }
    const problem = diagramPrecisionProblem(diagram, precision);
    if (problem === undefined) {
      return { precision, problems };
    }
    problems.push({ precision, problem });
  }
  return { precision: undefined, problems };
}

/**
 * Returns the span of values that the counts of `density` cover in the columns whose
 * centres lie in [xMin, xMax]: from the lower edge of the lowest occupied row to the upper
 * edge of the highest. Returns undefined when no such column has a count.
 */
export function occupiedValueRange(
  diagram: Pick<BifurcationDiagram, 'x' | 'y' | 'columns' | 'rows'>,
  density: Pick<DiagramDensity, 'counts'>,
  xMin: number,
  xMax: number,
): { min: number; max: number } | undefined {
  let lowestBand = Infinity;
  let highestBand = -Infinity;
  for (let column = 0; column < diagram.columns; column++) {
    const x = axisValue(diagram.x, column, diagram.columns);
    if (x < xMin || x > xMax) {
      continue;
    }
    for (let row = 0; row < diagram.rows; row++) {
      if (density.counts[row * diagram.columns + column]! > 0) {
        const band = diagram.rows - 1 - row;
        lowestBand = Math.min(lowestBand, band);
        highestBand = Math.max(highestBand, band);
      }
    }
  }
  if (!Number.isFinite(lowestBand)) {
    return undefined;
  }
  const range = diagram.y;
  const edge = (band: number): number => {
    const t = band / diagram.rows;
    return range.scale === 'log' ? range.min * (range.max / range.min) ** t : range.min + t * (range.max - range.min);
  };
  return { min: edge(lowestBand), max: edge(highestBand + 1) };
}

