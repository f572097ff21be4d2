/**
 * The engine mode of `eos-atlas bifurcations`: locates the period-doubling
 * cascade of any experiment by multisection on the period that the WebGPU or
 * the float64 CPU engine detects (src/core/cascade.ts).
 */
import { MAX_PERIOD } from '../core/analysis.ts';
import { FEIGENBAUM_DELTA } from '../core/bifurcations.ts';
import {
  describeOrbitState,
  formatLocatedValue,
  locateCascade,
  MAX_DETECTABLE_DOUBLING,
  MIN_RANGE_RESOLUTION_UNITS,
  type CascadeReport,
  type LocatedTransition,
} from '../core/cascade.ts';
import { ValidationError } from '../core/errors.ts';
import type { Experiment } from '../core/experiment.ts';
import type { Precision } from '../core/precision.ts';
import { RATE_PARAMETER_NAMES, rateSymbol, type RateParameter } from '../core/rate-parameter.ts';
import { rateResolution, type EngineOrbitEvaluator } from '../gpu/orbit-evaluators.ts';
import { parseNumber, type OptionSpec } from './options.ts';
import { experimentFromOptions } from './trajectory-command.ts';

/** Engines that the engine mode runs on. */
export const ENGINE_KINDS = ['gpu', 'df64', 'cpu'] as const;

/** Arithmetic of each engine kind. */
const ENGINE_PRECISION: Record<(typeof ENGINE_KINDS)[number], Precision> = { gpu: 'float32', df64: 'df64', cpu: 'float64' };

/** Default step count per trajectory in the engine mode. */
export const DEFAULT_ENGINE_STEPS = 8192;

/** Default search range of η/η_c: the cascade, the windows and the crisis at 2 of the EoS manifold. */
const DEFAULT_ETA_RATIO_RANGE: readonly [number, number] = [0.9, 2.1];

/** Options of the engine mode, beyond --depth, --tolerance, --json and --help. */
export const ENGINE_OPTIONS: OptionSpec[] = [
  { name: 'engine', type: 'string', valueName: 'KIND', description: 'gpu (WebGPU, float32 kernels), df64 (WebGPU, df64 kernels, about 44 bits, 7× slower) or cpu (float64): run the search on an engine instead of the manifold map' },
  { name: 'axis', type: 'string', valueName: 'P', description: `rate parameter to search: ${RATE_PARAMETER_NAMES.join(', ')} (η, η/η_c, c = ηλ₀)`, defaultText: 'etaRatio' },
  { name: 'from', type: 'string', valueName: 'V', description: 'low end of the search range, in the unit of --axis', defaultText: `${DEFAULT_ETA_RATIO_RANGE[0]} for etaRatio` },
  { name: 'to', type: 'string', valueName: 'V', description: `high end of the search range, in the unit of --axis, at least ${MIN_RANGE_RESOLUTION_UNITS} units of the engine's resolution above --from`, defaultText: `${DEFAULT_ETA_RATIO_RANGE[1]} for etaRatio` },
  { name: 'steps', type: 'string', valueName: 'T', description: 'gradient-descent steps per trajectory; a second run with T/2 measures the detection band', defaultText: String(DEFAULT_ENGINE_STEPS) },
  { name: 'scan', type: 'string', valueName: 'N', description: 'values of the first scan, evenly spaced over the range', defaultText: '256' },
  { name: 'points', type: 'string', valueName: 'N', description: 'new values per bracket and round', defaultText: '32' },
  { name: 'width', type: 'string', valueName: 'N', description: 'width n of the hidden layer', defaultText: '1024' },
  { name: 'parameterization', type: 'string', valueName: 'S', description: 'NTP (s = 0), muP (s = 1) or any s in [0, 1]', defaultText: 'muP' },
  { name: 'input-norm', type: 'string', valueName: 'X', description: 'input norm |x|', defaultText: '1' },
  { name: 'target', type: 'string', valueName: 'Y', description: 'target y', defaultText: '1' },
  { name: 'sigma-w', type: 'string', valueName: 'SIGMA', description: 'σ_w, sets σ_U = σ_v: weights start with variance σ²/n^s', defaultText: '1' },
  { name: 'sigma-u', type: 'string', valueName: 'SIGMA', description: 'σ_U of the first layer U', defaultText: '1' },
  { name: 'sigma-v', type: 'string', valueName: 'SIGMA', description: 'σ_v of the second layer v', defaultText: '1' },
];

/** Options that only the engine mode reads, which the manifold mode rejects. */
export const ENGINE_ONLY_OPTIONS = ENGINE_OPTIONS.map((spec) => spec.name).concat(['init', 'f0', 'lambda0', 'seed']);

/** Parsed options. */
type OptionValues = Record<string, string | boolean | undefined>;

function parseCount(option: string, raw: string | boolean | undefined, fallback: number, min: number): number {
  const value = parseNumber(option, raw) ?? fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new ValidationError(`--${option}`, raw, `an integer ≥ ${min}`);
  }
  return value;
}

/** Reads the engine mode's options into an experiment, an axis and the search settings. */
function parseEngineOptions(values: OptionValues): {
  engine: (typeof ENGINE_KINDS)[number];
  axis: RateParameter;
  experiment: Experiment;
  from: number;
  to: number;
  steps: number;
  scan: number;
  points: number;
  depth: number;
  tolerance: number;
} {
  const engine = values.engine as string;
  if (!(ENGINE_KINDS as readonly string[]).includes(engine)) {
    throw new ValidationError('--engine', engine, `one of ${ENGINE_KINDS.join(', ')}`);
  }
  const axis = (values.axis ?? 'etaRatio') as string;
  if (!(RATE_PARAMETER_NAMES as readonly string[]).includes(axis)) {
    throw new ValidationError('--axis', axis, `one of ${RATE_PARAMETER_NAMES.join(', ')}`);
  }
  const steps = parseCount('steps', values.steps, DEFAULT_ENGINE_STEPS, 4 * MAX_PERIOD);
  // The learning rate comes from the axis, so the experiment is built without one.
  const experiment = experimentFromOptions({ ...values, steps: String(steps), eta: undefined, 'eta-ratio': undefined, c: undefined });
  if (axis === 'etaRatio' && !(experiment.target > 0)) {
    throw new ValidationError('--target', values.target, 'a target y > 0 with --axis etaRatio, because η/η_c is defined only then; use --axis eta or c');
  }

  const defaults = axis === 'etaRatio' ? DEFAULT_ETA_RATIO_RANGE : undefined;
  const from = parseNumber('from', values.from) ?? defaults?.[0];
  const to = parseNumber('to', values.to) ?? defaults?.[1];
  if (from === undefined || to === undefined) {
    const name = from === undefined ? '--from' : '--to';
    throw new ValidationError(name, undefined, `a value in the unit of --axis ${axis} (${rateSymbol(axis as RateParameter)}): only etaRatio has a default range`);
  }
  if (!(Number.isFinite(from) && from > 0)) {
    throw new ValidationError('--from', values.from, `a number > 0, because ${rateSymbol(axis as RateParameter)} sets a positive learning rate`);
  }
  if (!(Number.isFinite(to) && to > from)) {
    throw new ValidationError('--to', values.to, `a number > --from = ${from}`);
  }
  const precision = ENGINE_PRECISION[engine as (typeof ENGINE_KINDS)[number]];
  const minWidth = MIN_RANGE_RESOLUTION_UNITS * rateResolution(experiment, axis as RateParameter, precision)(to);
  if (to - from < minWidth) {
    throw new ValidationError(
      '--to',
      values.to,
      `a value at least ${minWidth.toExponential(2)} above --from = ${from}: the range must span ${MIN_RANGE_RESOLUTION_UNITS} units of the parameter's ${precision} resolution, which --engine ${engine} computes in`,
    );
  }
  const depth = parseNumber('depth', values.depth) ?? MAX_DETECTABLE_DOUBLING;
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DETECTABLE_DOUBLING) {
    throw new ValidationError(
      '--depth',
      values.depth,
      `an integer from 1 to ${MAX_DETECTABLE_DOUBLING} with --engine: the period detector sees periods up to ${MAX_PERIOD} = 2^${MAX_DETECTABLE_DOUBLING}`,
    );
  }
  const tolerance = parseNumber('tolerance', values.tolerance) ?? 0;
  if (!(tolerance >= 0 && tolerance < to - from)) {
    throw new ValidationError('--tolerance', values.tolerance, `a width ≥ 0 below the range width ${to - from}, in the unit of --axis`);
  }
  return {
    engine: engine as (typeof ENGINE_KINDS)[number],
    axis: axis as RateParameter,
    experiment,
    from,
    to,
    steps,
    scan: parseCount('scan', values.scan, 256, 3),
    points: parseCount('points', values.points, 32, 1),
    depth,
    tolerance,
  };
}

/** Creates the evaluator of the chosen engine, and a function that releases it. */
async function startEvaluator(
  kind: (typeof ENGINE_KINDS)[number],
  experiment: Experiment,
  axis: RateParameter,
): Promise<{ evaluator: EngineOrbitEvaluator; dispose: () => void }> {
  // Loaded here, so the manifold mode never loads Dawn or the kernels.
  const evaluators = await import('../gpu/orbit-evaluators.ts');
  if (kind === 'cpu') {
    return { evaluator: evaluators.createCpuOrbitEvaluator(experiment, axis), dispose: () => undefined };
  }
  const { GpuEngine } = await import('../gpu/trajectory-engine.ts');
  const { requestNodeAdapter } = await import('../gpu/node-webgpu.ts');
  let engine;
  try {
    engine = await GpuEngine.create(async () => (await requestNodeAdapter()).adapter);
  } catch (error) {
    throw new ValidationError(
      '--engine',
      kind,
      `an engine that exists here, but WebGPU failed to start (${(error as Error).message}). ` +
        'On a machine without a GPU, set up lavapipe with "npm run setup:gpu" (as root), or use --engine cpu',
    );
  }
  const precision = kind === 'df64' ? 'df64' : 'float32';
  return { evaluator: evaluators.createGpuOrbitEvaluator(engine, experiment, axis, precision), dispose: () => engine.dispose() };
}

/** Runs the engine mode and prints its report. */
export async function runEngineBifurcations(values: OptionValues, output: (text: string) => void): Promise<number> {
  const settings = parseEngineOptions(values);
  const { evaluator, dispose } = await startEvaluator(settings.engine, settings.experiment, settings.axis);

  const started = performance.now();
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once('SIGINT', onInterrupt);
  let report: CascadeReport;
  try {
    report = await locateCascade(evaluator.evaluate, {
      from: settings.from,
      to: settings.to,
      steps: settings.steps,
      scanPoints: settings.scan,
      pointsPerBracket: settings.points,
      depth: settings.depth,
      tolerance: settings.tolerance,
      resolution: evaluator.resolution,
      signal: controller.signal,
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') {
      process.stderr.write('eos-atlas bifurcations: interrupted.\n');
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
    dispose();
  }

  const seconds = (performance.now() - started) / 1000;
  const header = { engine: evaluator.description, axis: settings.axis, experiment: settings.experiment, seconds };
  output(values.json ? JSON.stringify({ ...header, ...report }, null, 2) + '\n' : formatEngineReport(report, header));
  return 0;
}

function describeExperiment(e: Experiment): string {
  const g = (value: number): string => String(Number(value.toPrecision(6)));
  let init = 'typical';
  if (e.init.kind === 'explicit') {
    init = `explicit (f₀ = ${g(e.init.f0)}, λ₀ = ${g(e.init.lambda0)})`;
  } else if (e.init.kind === 'sampled') {
    init = `sampled (seed ${e.init.seed})`;
  }
  return `n = ${e.width}, s = ${g(e.parameterization)}, |x| = ${g(e.inputNorm)}, y = ${g(e.target)}, σ_U = ${g(e.sigmaU)}, σ_v = ${g(e.sigmaV)}, init = ${init}`;
}

function formatTransition(label: string, symbol: string, transition: LocatedTransition | undefined, note: string): string | undefined {
  if (transition === undefined) {
    return undefined;
  }
  return `${label.padEnd(18)}${symbol} = ${formatLocatedValue(transition.value, transition.error)} (${note}; stop: ${transition.stop})`;
}

/** Returns the lines that list every term of a point's error (LocatedTransition.error). */
function errorLegend(report: CascadeReport): string[] {
  const bracket = 'error = half the final bracket + the out-of-order extent (old-period samples above the bracket)';
  const multiplier = ['+ |point − multiplier estimate| + that estimate\'s error (|Λ| of the old cycle from the Lyapunov', 'layer, extrapolated to 1).'];
  if (report.bandSteps === 0) {
    return [bracket, `+ ${report.resolutionUlps} units of the engine's resolution, and for k ≥ 2`, ...multiplier];
  }
  return [
    bracket,
    `+ ${report.resolutionUlps} units of the engine's resolution + |step offset| (the point at T = ${report.steps} minus at T/2: the`,
    'detection band, which shrinks as 1/T) + half the T/2 run\'s final bracket, and for k ≥ 2',
    ...multiplier,
  ];
}

/** Formats the engine report: the doubling table, the ratios, the other transitions and what is missing. */
export function formatEngineReport(
  report: CascadeReport,
  header: { engine: string; axis: RateParameter; experiment: Experiment; seconds: number },
): string {
  const symbol = rateSymbol(header.axis);
  const lines: string[] = [];
  lines.push(`Period-doubling points located on ${header.engine}, in ${symbol}`);
  lines.push(`experiment        ${describeExperiment(header.experiment)}`);
  lines.push(
    `search            ${symbol} in [${report.from}, ${report.to}], ${report.steps} steps` +
      (report.bandSteps > 0 ? ` (band run: ${report.bandSteps} steps)` : ''),
  );
  lines.push('');
  const columns = ['k', 'period', `${symbol} ± error`, 'stop', 'step offset', 'multiplier estimate', 'δ_k ± error'];
  const rows = report.doublings.map((doubling) => {
    const ratio = report.ratios.find((candidate) => candidate.k === doubling.k);
    const multiplier = doubling.multiplierEstimate;
    return [
      String(doubling.k),
      `${doubling.fromPeriod} → ${doubling.toPeriod}`,
      formatLocatedValue(doubling.value, doubling.error),
      doubling.stop,
      Number.isNaN(doubling.stepOffset) ? '' : doubling.stepOffset.toExponential(1),
      multiplier === undefined ? '' : formatLocatedValue(multiplier.value, multiplier.error),
      ratio === undefined ? '' : `${ratio.delta.toFixed(3)} ± ${ratio.error.toExponential(1)}`,
    ];
  });
  const widths = columns.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const formatRow = (row: string[]): string =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  lines.push(formatRow(columns));
  rows.forEach((row) => lines.push(formatRow(row)));
  lines.push('');
  if (rows.length === 0) {
    lines.push('(no doubling located)');
  }
  lines.push(report.cascadeEnd);
  lines.push(...errorLegend(report));
  lines.push(`δ_k = (x_k − x_(k−1))/(x_(k+1) − x_k); Feigenbaum δ = ${FEIGENBAUM_DELTA}.`);
  if (report.multiplierRatios.length > 0) {
    const ratios = report.multiplierRatios.map((ratio) => `δ_${ratio.k} = ${ratio.delta.toFixed(3)} ± ${ratio.error.toExponential(1)}`);
    lines.push(`From the multiplier estimates alone: ${ratios.join(', ')}.`);
  }
  lines.push('');
  const accumulation = report.accumulation;
  if (accumulation !== undefined) {
    lines.push(`onset of chaos    ${symbol} = ${formatLocatedValue(accumulation.value, accumulation.error)} (extrapolated from the last two doublings with δ)`);
  }
  for (const end of report.regionEnds) {
    const region = end.period === 1 ? 'the converged region' : `the period-${end.period} region`;
    lines.push(formatTransition('region end', symbol, end, `${region} ends in ${end.endState}, not in period ${2 * end.period}`)!);
  }
  const divergence = report.divergence;
  let divergenceNote = 'the boundary crisis: the first diverging orbit, just above a chaotic one';
  if (divergence !== undefined && !divergence.boundaryCrisis) {
    const below = divergence.attractorBelow === undefined ? 'no classified orbit' : describeOrbitState(divergence.attractorBelow);
    divergenceNote = `the first diverging orbit, just above ${below}, so no boundary crisis`;
  }
  const others = [
    formatTransition('first chaos', symbol, report.chaosOnset, 'lowest chaotic orbit above the cascade: Lyapunov exponent > 1e-3 per step'),
    formatTransition('period-3 window', symbol, report.period3, 'lowest detected period 3'),
    formatTransition('divergence', symbol, divergence, divergenceNote),
  ];
  others.forEach((line) => line !== undefined && lines.push(line));
  if (report.windows.length > 0) {
    // Unrefined: each window opens between the sample below it and its first sample.
    const windows = report.windows.map((window) => `${window.period} at ${window.opensAfter.toPrecision(7)}–${window.first.toPrecision(7)}`);
    lines.push(`windows           ${windows.join(', ')} (period, then the samples between which it opens)`);
  }
  for (const reason of report.missing) {
    lines.push(`not found         ${reason}`);
  }
  lines.push('');
  lines.push(`${report.evaluations} trajectories in ${report.batches} batches, ${header.seconds.toFixed(1)} s`);
  return lines.join('\n') + '\n';
}
