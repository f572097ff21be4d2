/**
 * Period-doubling cascade of any experiment, located on an engine by parallel
 * multisection on the detected period. Unlike bifurcations.ts, which solves
 * the one-dimensional manifold map in float64, this module reads only the
 * engine's report for a trajectory (phase, period, Lyapunov exponent), so it works
 * for every initialization, width, parameterization and target, in any rate
 * parameter (η, η/η_c or c = ηλ₀).
 *
 * Method. A scan evaluates `scanPoints` values across [from, to] in one batch.
 * Each transition (the doubling 2^(k−1) → 2^k, the first chaotic orbit, the
 * first period-3 orbit, the first divergence) gets a bracket from the samples,
 * and every open bracket receives `pointsPerBracket` new values, all in the next
 * batch. Each round shrinks a bracket about (pointsPerBracket + 1)-fold, until
 * it reaches the tolerance or a few ulps of the parameter as the engine stores it.
 *
 * Detection band. Near a doubling point the multiplier of the old cycle is close
 * to −1, so the transient decays slowly, and the period detector (two returns
 * within 10⁻⁵ of the reference state, 128 steps before the end) reports the new
 * period before the true point. The offset shrinks about as 1/steps. So the
 * search runs twice, with `steps` and with `bandSteps` (half of it by default),
 * and adds the difference of the two results to each point's error: with an
 * offset proportional to 1/T, that difference equals the offset at T.
 */
import { MAX_PERIOD, type Phase } from './analysis.ts';
import { extrapolateAccumulation, feigenbaumRatios, type FeigenbaumRatio } from './bifurcations.ts';
import { extrapolateMultiplier, type MultiplierEstimate } from './cycle-multiplier.ts';
import { invariant, ValidationError } from './errors.ts';

/** An engine's report on one trajectory. */
export interface OrbitSample {
  /** Phase of the trajectory, or `invalid` when the parameter value gives no valid start. */
  phase: Phase | 'invalid';
  /** Period layer: 1 when converged, 2 … 64 for a detected cycle, 0 when none. */
  period: number;
  /** Largest Lyapunov exponent per step over the late window (NaN when undefined). */
  lyapunovExponent: number;
}

/**
 * Runs one trajectory per parameter value for `steps` steps and returns what the
 * engine reports, in the order of `values`. One call is one batch on the engine.
 */
export type OrbitEvaluator = (values: readonly number[], steps: number, signal?: AbortSignal) => Promise<OrbitSample[]>;

/** Reason a bracket stopped shrinking. */
export type StopReason =
  /** The bracket is no wider than the requested tolerance. */
  | 'tolerance'
  /** The bracket is within `resolutionUlps` ulps of the parameter as the engine stores it. */
  | 'resolution'
  /** A round did not halve the bracket: its new samples are in neither state (unresolved or out of order). */
  | 'no-progress'
  /** `maxRounds` rounds were spent. */
  | 'rounds';

/** A transition located by multisection at one step count. */
export interface BracketedTransition {
  /** Midpoint of the final bracket. */
  value: number;
  /** Final bracket: the highest sample in the old state and the lowest sample in the new one. */
  bracket: [number, number];
  halfWidth: number;
  stop: StopReason;
  /** Refinement rounds spent on this transition, after the scan. */
  rounds: number;
  /** The engine's reports at the two ends of the bracket. */
  lowerSample: OrbitSample;
  upperSample: OrbitSample;
  /** Samples strictly inside the final bracket, which are in neither state. */
  unresolvedInside: number;
  /**
   * For doublings: samples above the bracket, below the end of the cascade, that
   * still report the old period. Non-zero means the detected period is not monotone
   * there, as in the band just above a doubling where the new cycle's two branches
   * are closer than the detector's tolerance.
   */
  outOfOrder: number;
  /** Distance of the highest out-of-order sample above the bracket's upper end (0 when none). */
  outOfOrderExtent: number;
}

/** A transition with its error, from the runs with `steps` and `bandSteps` steps. */
export interface LocatedTransition extends BracketedTransition {
  /** Value found with `bandSteps` steps, or NaN when that run did not find this transition. */
  bandValue: number;
  /**
   * value − bandValue: the estimated offset of the detected transition from the true
   * point caused by the finite step count (NaN when not measured).
   */
  stepOffset: number;
  /**
   * halfWidth + outOfOrderExtent + `resolutionUlps` units of the parameter's
   * resolution + |stepOffset| + the band run's half width, and for doublings the
   * multiplier check's term. NaN when the band run did not find the transition, so
   * no error can be given.
   */
  error: number;
}

/** A located doubling point 2^(k−1) → 2^k: the bracket's upper end reports a period of 2^k or more. */
export interface LocatedDoubling extends LocatedTransition {
  k: number;
  /** 2^(k−1). */
  fromPeriod: number;
  /** 2^k. */
  toPeriod: number;
  /**
   * Estimate of the point from the old cycle's multipliers: where |Λ|, from the
   * Lyapunov exponents of samples around the point, extrapolates to 1 (cycle-multiplier.ts). Undefined for k = 1, because a
   * converged orbit's exponent is 0, or when too few samples qualify. When defined,
   * |value − multiplierEstimate.value| + multiplierEstimate.error is part of `error`.
   */
  multiplierEstimate: MultiplierEstimate | undefined;
}

/**
 * The end of a period-2^(k−1) region in a state other than period 2^k or more:
 * divergence, a chaotic or unresolved orbit, or another period. It is no doubling.
 */
export interface LocatedRegionEnd extends LocatedTransition {
  /** Level of the doubling that does not happen here. */
  k: number;
  /** Period of the region that ends, 2^(k−1) (1: converged). */
  period: number;
  /** State of the bracket's upper end, in words, such as "divergence" or "a chaotic orbit". */
  endState: string;
}

/** The first diverging orbit, and whether it is a boundary crisis. */
export interface LocatedDivergence extends LocatedTransition {
  /**
   * The highest sample at or below the bracket's lower end that the engine classifies
   * (not unresolved): the attractor that the start leaves. At the crisis point itself
   * the orbit can land on an unstable orbit and stay unresolved, so those are skipped.
   */
  attractorBelow: OrbitSample | undefined;
  /**
   * Whether `attractorBelow` is chaotic, so the chaotic attractor meets the boundary
   * of its basin here: a boundary crisis. When false, the start escapes from a cycle
   * or a converging orbit instead, before any crisis.
   */
  boundaryCrisis: boolean;
}

/** Everything {@link locateCascade} returns, in the units of the searched parameter. */
export interface CascadeReport {
  from: number;
  to: number;
  steps: number;
  /** Step count of the second run that measures the detection band, or 0 when skipped. */
  bandSteps: number;
  /** Refinement stops at this many resolution units, which each error includes. */
  resolutionUlps: number;
  /** Doubling points in increasing k: only transitions into period 2^k or more. */
  doublings: LocatedDoubling[];
  /** Period-2^(k−1) regions that end in another state than period 2^k, in increasing k. */
  regionEnds: LocatedRegionEnd[];
  /** δ_k = (x_k − x_(k−1))/(x_(k+1) − x_k) over consecutive doublings, with worst-case errors. */
  ratios: FeigenbaumRatio[];
  /**
   * δ_k from the multiplier estimates of consecutive doublings k ≥ 2, with their
   * errors alone. They do not depend on the period detector's bands, so on a float32
   * engine they are often much closer to δ than `ratios`. The estimates rest on a
   * fit (cycle-multiplier.ts), so they are a cross-check.
   */
  multiplierRatios: FeigenbaumRatio[];
  /**
   * Onset of chaos x_∞ extrapolated from the last two doublings with Feigenbaum's δ.
   * Undefined with fewer than 2 consecutive doublings, or when the region after
   * the last of them ends in another state (`regionEnds`), because then the cascade
   * does not accumulate there. `missing` gives the reason.
   */
  accumulation: { value: number; error: number } | undefined;
  /**
   * Lowest value above the deepest period-2^k region seen whose orbit the engine
   * classifies as chaotic (Lyapunov exponent above the chaos threshold).
   */
  chaosOnset: LocatedTransition | undefined;
  /** Lowest value with a detected period 3: the tangent bifurcation that opens the period-3 window. */
  period3: LocatedTransition | undefined;
  /**
   * Lowest value whose orbit diverges. Undefined when none in the range does, or when
   * the lowest sample already diverges, so that the point lies at or below `from`.
   */
  divergence: LocatedDivergence | undefined;
  /**
   * Periodic windows seen in the first, evenly spaced scan above its first chaotic
   * sample: runs of consecutive samples with the same detected period, lowest first.
   * They are not refined, so their ends are known to the scan spacing. Windows
   * narrower than the spacing are missed (raise `scanPoints`).
   */
  windows: PeriodicWindow[];
  /** Reason the cascade stops at its deepest doubling, as one or more sentences. */
  cascadeEnd: string;
  /** Transitions not found, each with the reason. */
  missing: string[];
  /** Trajectories run in all, and batches (engine calls) used. */
  evaluations: number;
  batches: number;
}

/** A periodic window inside the chaotic range, as the samples show it. */
export interface PeriodicWindow {
  period: number;
  /** Lowest and highest sample with that period in the run. */
  first: number;
  last: number;
  /** The window opens between the sample below the run and `first`. */
  opensAfter: number;
}

/** Options of {@link locateCascade}. */
export interface CascadeOptions {
  /** Search range of the parameter, from < to. */
  from: number;
  to: number;
  /** Steps per trajectory, at least 256 (the period detector reads the last 128). */
  steps: number;
  /** Steps of the band run; 0 skips it. Default ⌊steps/2⌋. */
  bandSteps?: number;
  /** Values of the first scan, evenly spaced over [from, to] (default 256). */
  scanPoints?: number;
  /** New values per open bracket and round (default 32). */
  pointsPerBracket?: number;
  /** Most refinement rounds per transition (default 16). */
  maxRounds?: number;
  /** Bracket width at which refinement stops (default 0: stop only at the resolution). */
  tolerance?: number;
  /**
   * Smallest spacing of the parameter that the engine resolves at a value: one
   * float32 ulp for the GPU kernels. Default: one float64 ulp.
   */
  resolution?: (value: number) => number;
  /** Refinement stops at this many resolution units (default 4). */
  resolutionUlps?: number;
  /** Deepest doubling k to locate, 1 … 6 (default 6: period 64, the detector's maximum). */
  depth?: number;
  /** Cross-checks each doubling k ≥ 2 against the old cycle's multipliers, with one more batch (default true). */
  multiplierCheck?: boolean;
  /** Switches for the other transitions (default: all located). */
  chaosOnset?: boolean;
  period3?: boolean;
  divergence?: boolean;
  signal?: AbortSignal;
  /** Called after each batch with the batch's size and the step count of its run. */
  onBatch?: (trajectories: number, steps: number) => void;
}

/** Deepest doubling that the period detector can see: period 2^6 = 64 = MAX_PERIOD. */
export const MAX_DETECTABLE_DOUBLING = Math.log2(MAX_PERIOD);

/**
 * Narrowest search range, in units of the engine's resolution at `to`. The engine
 * rounds the values of a narrower range to a few distinct starts, so its brackets
 * would stop at the resolution straight after the scan.
 */
export const MIN_RANGE_RESOLUTION_UNITS = 16;

/** Values per doubling in the batch of the multiplier check. */
const MULTIPLIER_POINTS = 48;

/** Feigenbaum-ratio estimates need at least this many doublings. */
const MIN_DOUBLINGS_FOR_RATIO = 3;

/** Returns the float64 ulp of `value`: the spacing of doubles just above |value|. */
export function float64Ulp(value: number): number {
  const magnitude = Math.abs(value);
  return magnitude === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(magnitude)) - 52);
}

/** Returns k when the sample is converged (k = 0) or on a detected cycle of period 2^k; otherwise undefined. */
export function cascadeLevel(sample: OrbitSample): number | undefined {
  if (sample.phase === 'converged') {
    return 0;
  }
  const period = sample.period;
  if (sample.phase === 'periodic' && period >= 2 && (period & (period - 1)) === 0) {
    return Math.log2(period);
  }
  return undefined;
}

/** One transition to locate: a doubling k, or the first sample of a state. */
type Target = { kind: 'doubling'; k: number } | { kind: 'first'; name: 'chaosOnset' | 'period3' | 'divergence' };

const FIRST_STATE: Record<'chaosOnset' | 'period3' | 'divergence', (sample: OrbitSample) => boolean> = {
  chaosOnset: (sample) => sample.phase === 'chaotic',
  period3: (sample) => sample.phase === 'periodic' && sample.period === 3,
  divergence: (sample) => sample.phase === 'diverged',
};

/** Each first state as a verb phrase, for the lowest orbit when it is in that state already. */
const FIRST_STATE_WORDS: Record<'chaosOnset' | 'period3' | 'divergence', string> = {
  chaosOnset: 'is already chaotic',
  period3: 'already has period 3',
  divergence: 'already diverges',
};

function targetKey(target: Target): string {
  return target.kind === 'doubling' ? `doubling ${target.k}` : target.name;
}

/** Samples sorted by parameter value. */
class SampleSet {
  readonly values: number[] = [];
  readonly samples: OrbitSample[] = [];

  add(value: number, sample: OrbitSample): void {
    // Binary search for the insertion index; a repeated value keeps its first sample.
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.values[mid]! < value) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (this.values[lo] === value) {
      return;
    }
    this.values.splice(lo, 0, value);
    this.samples.splice(lo, 0, sample);
  }
}

/** Indices of a bracket's ends in a SampleSet, and the doubling's extra facts. */
interface BracketIndices {
  lower: number;
  upper: number;
}

/**
 * Finds the bracket of a target in the samples, or undefined when the samples do
 * not show both states yet.
 *
 * Doubling k: the region of level k − 1 starts at its first sample. It runs on
 * over samples of level k − 1, of lower levels, unresolved ones and weakly
 * chaotic ones, because the detection bands of the doublings leave such samples
 * out of order.
 * In a band the finite-time Lyapunov exponent of the slow transient can exceed
 * the chaos threshold, by about ln(start deviation / tolerance)/steps, so a
 * "chaotic" sample with an exponent below `weakChaos` does not end the region.
 * The first sample of any other state (level ≥ k, chaotic, diverged, another
 * period) ends it. The
 * bracket is the region's last sample of level k − 1 and that first other
 * sample; refinement then finds level k inside when it exists.
 * First state: the first sample in the state and the sample before it. When the
 * search's lowest sample is already in the state, the transition lies at or below
 * it, so there is no bracket (see {@link startsInState}).
 */
function findBracket(target: Target, set: SampleSet, weakChaos: number): BracketIndices | undefined {
  const samples = set.samples;
  if (target.kind === 'first') {
    if (startsInState(target.name, samples)) {
      return undefined;
    }
    const start = firstStateSearchStart(target.name, samples);
    const upper = samples.findIndex((sample, i) => i > start && FIRST_STATE[target.name](sample));
    return upper > 0 ? { lower: upper - 1, upper } : undefined;
  }
  const k = target.k;
  const first = samples.findIndex((sample) => cascadeLevel(sample) === k - 1);
  if (first < 0) {
    return undefined;
  }
  let last = first;
  let next = first + 1;
  for (; next < samples.length; next++) {
    const level = cascadeLevel(samples[next]!);
    if (level === k - 1) {
      last = next;
    } else if (!((level !== undefined && level < k - 1) || samples[next]!.phase === 'unresolved' || isWeaklyChaotic(samples[next]!, weakChaos))) {
      break;
    }
  }
  return next < samples.length ? { lower: last, upper: next } : undefined;
}

/** Index of the lowest sample above which a first state is searched. */
function firstStateSearchStart(name: 'chaosOnset' | 'period3' | 'divergence', samples: readonly OrbitSample[]): number {
  return name === 'chaosOnset' ? deepestCascadeStart(samples) : 0;
}

/**
 * Returns whether the sample where the search for a first state starts is already
 * in that state. That happens only at the range's lowest sample, because samples
 * on the cascade are never chaotic, diverged or of period 3.
 */
function startsInState(name: 'chaosOnset' | 'period3' | 'divergence', samples: readonly OrbitSample[]): boolean {
  const start = samples[firstStateSearchStart(name, samples)];
  return start !== undefined && FIRST_STATE[name](start);
}

function isWeaklyChaotic(sample: OrbitSample, weakChaos: number): boolean {
  return sample.phase === 'chaotic' && sample.lyapunovExponent < weakChaos;
}

/** Lyapunov exponent per step below which a chaotic sample may be a doubling's slow transient: 32/steps. */
function weakChaosBound(steps: number): number {
  return 32 / steps;
}

/**
 * Returns the index of the first sample of the deepest cascade level seen, or 0
 * when no sample has reached a cycle. The chaos onset is searched above it,
 * because in the detection band of a doubling the finite-time Lyapunov exponent
 * can exceed the chaos threshold, so single samples there are classified chaotic.
 */
function deepestCascadeStart(samples: readonly OrbitSample[]): number {
  let deepest = 0;
  let index = 0;
  samples.forEach((sample, i) => {
    const level = cascadeLevel(sample);
    if (level !== undefined && level > deepest) {
      deepest = level;
      index = i;
    }
  });
  return index;
}

/**
 * Counts the samples above a doubling's bracket that still report the old
 * period, and returns the distance of the highest of them from the bracket's
 * upper end. The count stops at the first sample that is chaotic, diverged or
 * on a cycle whose period is not a power of two, where the cascade has ended.
 */
function outOfOrderSamples(set: SampleSet, upper: number, k: number): { count: number; extent: number } {
  let count = 0;
  let extent = 0;
  for (let i = upper + 1; i < set.samples.length; i++) {
    const sample = set.samples[i]!;
    const level = cascadeLevel(sample);
    if (sample.phase === 'chaotic' || sample.phase === 'diverged' || (sample.phase === 'periodic' && level === undefined)) {
      break;
    }
    if (level === k - 1) {
      count += 1;
      extent = set.values[i]! - set.values[upper]!;
    }
  }
  return { count, extent };
}

/** Evenly spaced interior values of (lower, upper), at most `count`, no closer than `spacing`. */
function interiorValues(lower: number, upper: number, count: number, spacing: number): number[] {
  const width = upper - lower;
  const n = Math.max(1, Math.min(count, Math.floor(width / spacing) - 1));
  const values: number[] = [];
  for (let i = 1; i <= n; i++) {
    const value = lower + (width * i) / (n + 1);
    if (value > lower && value < upper) {
      values.push(value);
    }
  }
  return values;
}

/** Settings shared by the runs of one search. */
interface SearchSettings {
  from: number;
  to: number;
  scanPoints: number;
  pointsPerBracket: number;
  maxRounds: number;
  tolerance: number;
  resolution: (value: number) => number;
  resolutionUlps: number;
  signal: AbortSignal | undefined;
  onBatch: ((trajectories: number, steps: number) => void) | undefined;
}

/** Transitions found by one run, by target key, with the run's counts. */
interface SearchRun {
  found: Map<string, BracketedTransition>;
  samples: SampleSet;
  /** The evenly spaced samples of the first scan alone. */
  scan: SampleSet;
  evaluations: number;
  batches: number;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new DOMException('The bifurcation search was cancelled.', 'AbortError');
  }
}

/** Evaluates `values` in one batch and adds them to the set. */
async function evaluateBatch(evaluate: OrbitEvaluator, values: number[], steps: number, set: SampleSet, settings: SearchSettings): Promise<void> {
  throwIfAborted(settings.signal);
  const samples = await evaluate(values, steps, settings.signal);
  if (samples.length !== values.length) {
    throw new Error(`The evaluator returned ${samples.length} samples for ${values.length} values.`);
  }
  values.forEach((value, i) => set.add(value, samples[i]!));
  settings.onBatch?.(values.length, steps);
}

/**
 * Runs the scan and the rounds of multisection at one step count, for all
 * targets at once: each round sends the new values of every open bracket to the
 * engine in one batch.
 */
async function searchAtSteps(evaluate: OrbitEvaluator, steps: number, targets: Target[], settings: SearchSettings): Promise<SearchRun> {
  const set = new SampleSet();
  const weakChaos = weakChaosBound(steps);
  const scan: number[] = [];
  for (let i = 0; i < settings.scanPoints; i++) {
    scan.push(settings.from + ((settings.to - settings.from) * i) / (settings.scanPoints - 1));
  }
  scan[scan.length - 1] = settings.to;
  await evaluateBatch(evaluate, scan, steps, set, settings);
  const scanSet = new SampleSet();
  scan.forEach((value, i) => scanSet.add(value, set.samples[set.values.indexOf(value)]!));
  let evaluations = scan.length;
  let batches = 1;

  const state = new Map<string, { rounds: number; width: number; stop?: StopReason; bracket?: [number, number] }>();
  for (const target of targets) {
    state.set(targetKey(target), { rounds: 0, width: Infinity });
  }
  for (;;) {
    const batch: number[] = [];
    for (const target of targets) {
      const entry = state.get(targetKey(target))!;
      const bracket = findBracket(target, set, weakChaos);
      if (bracket === undefined) {
        continue;
      }
      const lower = set.values[bracket.lower]!;
      const upper = set.values[bracket.upper]!;
      if (entry.bracket !== undefined && (lower < entry.bracket[0] || upper > entry.bracket[1])) {
        // Samples of another bracket moved this one elsewhere (a deeper level's region
        // appeared lower down), so its refinement starts over there.
        entry.rounds = 0;
        entry.width = Infinity;
        entry.stop = undefined;
      }
      entry.bracket = [lower, upper];
      if (entry.stop !== undefined) {
        continue;
      }
      const width = upper - lower;
      const middle = lower + width / 2;
      const unit = settings.resolution(middle);
      if (width <= settings.tolerance) {
        entry.stop = 'tolerance';
      } else if (width <= settings.resolutionUlps * unit) {
        entry.stop = 'resolution';
      } else if (entry.rounds > 0 && width > entry.width / 2) {
        entry.stop = 'no-progress';
      } else if (entry.rounds >= settings.maxRounds) {
        entry.stop = 'rounds';
      } else {
        entry.rounds += 1;
        entry.width = width;
        batch.push(...interiorValues(lower, upper, settings.pointsPerBracket, unit));
      }
    }
    if (batch.length === 0) {
      break;
    }
    await evaluateBatch(evaluate, batch, steps, set, settings);
    evaluations += batch.length;
    batches += 1;
  }

  const found = new Map<string, BracketedTransition>();
  for (const target of targets) {
    const entry = state.get(targetKey(target))!;
    const bracket = findBracket(target, set, weakChaos);
    if (bracket === undefined) {
      continue;
    }
    // The loop ends only when every target with a bracket has stopped in that bracket.
    invariant(entry.stop !== undefined && entry.bracket?.[0] === set.values[bracket.lower], `${targetKey(target)} has a bracket but did not stop`);
    const lower = set.values[bracket.lower]!;
    const upper = set.values[bracket.upper]!;
    const outOfOrder = target.kind === 'doubling' ? outOfOrderSamples(set, bracket.upper, target.k) : { count: 0, extent: 0 };
    found.set(targetKey(target), {
      value: lower + (upper - lower) / 2,
      bracket: [lower, upper],
      halfWidth: (upper - lower) / 2,
      stop: entry.stop,
      rounds: entry.rounds,
      lowerSample: set.samples[bracket.lower]!,
      upperSample: set.samples[bracket.upper]!,
      unresolvedInside: bracket.upper - bracket.lower - 1,
      outOfOrder: outOfOrder.count,
      outOfOrderExtent: outOfOrder.extent,
    });
  }
  return { found, samples: set, scan: scanSet, evaluations, batches };
}

/** Validates the options and fills defaults. */
function searchSettings(options: CascadeOptions): SearchSettings & { steps: number; bandSteps: number; depth: number } {
  const { from, to, steps } = options;
  if (!Number.isFinite(from)) {
    throw new ValidationError('from', from, 'a finite number');
  }
  if (!(Number.isFinite(to) && to > from)) {
    throw new ValidationError('to', to, `a finite number > from = ${from}`);
  }
  if (!(Number.isInteger(steps) && steps >= 4 * MAX_PERIOD)) {
    throw new ValidationError('steps', steps, `an integer ≥ ${4 * MAX_PERIOD}, so that the band run with half the steps still detects periods`);
  }
  const bandSteps = options.bandSteps ?? Math.floor(steps / 2);
  if (!(Number.isInteger(bandSteps) && (bandSteps === 0 || (bandSteps >= 2 * MAX_PERIOD && bandSteps !== steps)))) {
    throw new ValidationError('bandSteps', bandSteps, `0 (no band run) or an integer ≥ ${2 * MAX_PERIOD} other than steps = ${steps}`);
  }

  const scanPoints = options.scanPoints ?? 256;
  if (!(Number.isInteger(scanPoints) && scanPoints >= 3)) {
    throw new ValidationError('scanPoints', scanPoints, 'an integer ≥ 3');
  }
  const pointsPerBracket = options.pointsPerBracket ?? 32;
  if (!(Number.isInteger(pointsPerBracket) && pointsPerBracket >= 1)) {
    throw new ValidationError('pointsPerBracket', pointsPerBracket, 'an integer ≥ 1');
  }
  const maxRounds = options.maxRounds ?? 16;
  if (!(Number.isInteger(maxRounds) && maxRounds >= 0)) {
    throw new ValidationError('maxRounds', maxRounds, 'an integer ≥ 0');
  }

  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0 && tolerance < to - from)) {
    throw new ValidationError('tolerance', tolerance, `a width ≥ 0 below the range width ${to - from}`);
  }
  const resolutionUlps = options.resolutionUlps ?? 4;
  if (!(resolutionUlps >= 1)) {
    throw new ValidationError('resolutionUlps', resolutionUlps, 'a number ≥ 1');
  }
  const resolution = options.resolution ?? float64Ulp;
  const minWidth = MIN_RANGE_RESOLUTION_UNITS * resolution(to);
  if (to - from < minWidth) {
    throw new ValidationError('to', to, `a value at least ${minWidth.toExponential(2)} above from = ${from}: ${MIN_RANGE_RESOLUTION_UNITS} units of the engine's resolution`);
  }
  const depth = options.depth ?? MAX_DETECTABLE_DOUBLING;
  if (!(Number.isInteger(depth) && depth >= 1 && depth <= MAX_DETECTABLE_DOUBLING)) {
    throw new ValidationError('depth', depth, `an integer from 1 to ${MAX_DETECTABLE_DOUBLING} (period 2^k ≤ ${MAX_PERIOD}, the period detector's maximum)`);
  }

  return {
    from,
    to,
    steps,
    bandSteps,
    depth,
    scanPoints,
    pointsPerBracket,
    maxRounds,
    tolerance,
    resolution,
    resolutionUlps,
    signal: options.signal,
    onBatch: options.onBatch,
  };
}

/** Adds the band run's result to a transition of the main run. */
function withBand(main: BracketedTransition, band: BracketedTransition | undefined, bandRun: boolean, settings: SearchSettings): LocatedTransition {
  // The engine rounds each start, so it cannot resolve the parameter below a few ulps.
  const bracketError = main.halfWidth + main.outOfOrderExtent + settings.resolutionUlps * settings.resolution(main.value);
  if (!bandRun) {
    return { ...main, bandValue: NaN, stepOffset: NaN, error: bracketError };
  }
  if (band === undefined) {
    return { ...main, bandValue: NaN, stepOffset: NaN, error: NaN };
  }
  const stepOffset = main.value - band.value;
  return { ...main, bandValue: band.value, stepOffset, error: bracketError + Math.abs(stepOffset) + band.halfWidth };
}

/** Returns whether a doubling target's bracket ends in period 2^k or more, so that it is a doubling. */
function isDoubling(found: BracketedTransition, k: number): boolean {
  const upperLevel = cascadeLevel(found.upperSample);
  return upperLevel !== undefined && upperLevel >= k;
}

/**
 * Evaluates, in one batch, MULTIPLIER_POINTS values around each doubling k ≥ 2 of
 * the main run, within half the distance to the doubling before it (or to `from`)
 * on either side, and fits the old cycle's multipliers there. Samples of both
 * periods 2^(k−1) and 2^k enter, because in the detection band the detector
 * reports the new period on the old cycle, whose exponent is still right.
 */
async function estimateMultipliers(
  evaluate: OrbitEvaluator,
  steps: number,
  run: SearchRun,
  settings: SearchSettings & { depth: number },
): Promise<Map<number, MultiplierEstimate | undefined>> {
  const ranges: Array<{ k: number; values: number[] }> = [];
  for (let k = 2; k <= settings.depth; k++) {
    const found = run.found.get(targetKey({ kind: 'doubling', k }));
    if (found === undefined || !isDoubling(found, k)) {
      continue;
    }
    const before = run.found.get(targetKey({ kind: 'doubling', k: k - 1 }));
    const previous = before !== undefined && isDoubling(before, k - 1) ? before.value : settings.from;
    const span = (found.value - previous) / 2;
    const values: number[] = [];
    for (let i = 0; i < MULTIPLIER_POINTS; i++) {
      values.push(found.value - span + (2 * span * i) / (MULTIPLIER_POINTS - 1));
    }
    ranges.push({ k, values });
  }
  const estimates = new Map<number, MultiplierEstimate | undefined>();
  if (ranges.length === 0) {
    return estimates;
  }
  const set = new SampleSet();
  const all = ranges.flatMap((range) => range.values);
  await evaluateBatch(evaluate, all, steps, set, settings);
  run.evaluations += all.length;
  run.batches += 1;
  for (const { k, values } of ranges) {
    const samples = values.flatMap((value) => {
      const index = set.values.indexOf(value);
      const sample = set.samples[index]!;
      const level = cascadeLevel(sample);
      return level === k - 1 || level === k ? [{ value, lyapunovExponent: sample.lyapunovExponent }] : [];
    });
    estimates.set(k, extrapolateMultiplier(samples, 2 ** (k - 1)));
  }
  return estimates;
}

/** Returns the highest sample at or below `value` that is not unresolved, or undefined when there is none. */
function classifiedSampleAtOrBelow(set: SampleSet, value: number): OrbitSample | undefined {
  for (let i = set.values.length - 1; i >= 0; i--) {
    if (set.values[i]! <= value && set.samples[i]!.phase !== 'unresolved') {
      return set.samples[i];
    }
  }
  return undefined;
}

/** Returns the longest run of doublings with consecutive k (the first one on a tie). */
function longestConsecutiveRun(doublings: readonly LocatedDoubling[]): LocatedDoubling[] {
  let longest: LocatedDoubling[] = [];
  let current: LocatedDoubling[] = [];
  for (const doubling of doublings) {
    if (current.length > 0 && doubling.k !== current.at(-1)!.k + 1) {
      current = [];
    }
    current.push(doubling);
    if (current.length > longest.length) {
      longest = current;
    }
  }
  return longest;
}

/** Returns the state of a sample in words, such as "divergence", "a chaotic orbit" or "period 3". */
export function describeOrbitState(sample: OrbitSample): string {
  switch (sample.phase) {
    case 'diverged':
      return 'divergence';
    case 'chaotic':
      return 'a chaotic orbit';
    case 'unresolved':
      return 'an unresolved orbit';
    case 'invalid':
      return 'an invalid start';
    case 'periodic':
      return `period ${sample.period}`;
    case 'converged':
      return 'a converged orbit';
  }
}

/** Names the period-2^level region: "the converged region" at level 0. */
function regionName(level: number): string {
  return level === 0 ? 'the converged region' : `the period-${2 ** level} region`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Formats a located value with its error, as the reports print it. */
export function formatLocatedValue(value: number, error: number): string {
  return `${value.toPrecision(10)} ± ${Number.isNaN(error) ? '?' : error.toExponential(1)}`;
}

/**
 * Returns the region end that stops the cascade: the one right after the deepest
 * doubling, or without doublings the lowest one.
 */
function cascadeRegionEnd(doublings: readonly LocatedDoubling[], regionEnds: readonly LocatedRegionEnd[]): LocatedRegionEnd | undefined {
  const deepest = doublings.at(-1)?.k;
  return deepest === undefined ? regionEnds[0] : regionEnds.find((end) => end.k === deepest + 1);
}

/** Explains, in sentences, why the doublings stop at the deepest one found. */
function describeCascadeEnd(doublings: LocatedDoubling[], regionEnds: LocatedRegionEnd[], depth: number, run: SearchRun): string {
  const deepest = doublings.at(-1)?.k ?? 0;
  if (deepest >= MAX_DETECTABLE_DOUBLING) {
    return `Period ${2 * MAX_PERIOD} (k = ${MAX_DETECTABLE_DOUBLING + 1}) exceeds the period detector's maximum of ${MAX_PERIOD}.`;
  }
  if (deepest >= depth) {
    return `The requested depth k = ${depth} was reached.`;
  }
  const end = cascadeRegionEnd(doublings, regionEnds);
  if (end !== undefined) {
    return `${capitalize(regionName(end.k - 1))} ends in ${end.endState} at ${formatLocatedValue(end.value, end.error)}, not in period ${2 ** end.k}.`;
  }
  const levels = run.samples.samples.map(cascadeLevel).filter((level): level is number => level !== undefined);
  if (levels.length === 0) {
    return 'No sample converged or reached a cycle of period 2^k, so the range contains no cascade.';
  }
  const maxLevel = Math.max(...levels);
  if (maxLevel === deepest && deepest > 0) {
    return `No sample above the period-${2 ** deepest} region reached period ${2 ** (deepest + 1)}, so the next doubling is narrower than the samples' spacing there or lies outside the range.`;
  }
  if (maxLevel === 0) {
    return 'Every sample of the cascade converged, so the first doubling lies above the range.';
  }
  return `${capitalize(regionName(maxLevel))} has no sample of the next period in the range.`;
}

/**
 * Locates the period-doubling points 2^(k−1) → 2^k of the experiment that `evaluate`
 * runs, in [from, to], with the Feigenbaum ratios and the extrapolated onset of
 * chaos. When the range contains them, it also locates the first chaotic orbit, the
 * opening of the period-3 window and the first divergence. A period-2^(k−1) region
 * that ends in another state than period 2^k is reported in `regionEnds`, not as a
 * doubling. Each point's error combines the final bracket and the detection band
 * (module comment).
 */
export async function locateCascade(evaluate: OrbitEvaluator, options: CascadeOptions): Promise<CascadeReport> {
  const settings = searchSettings(options);
  const targets: Target[] = [];
  for (let k = 1; k <= settings.depth; k++) {
    targets.push({ kind: 'doubling', k });
  }
  for (const name of ['chaosOnset', 'period3', 'divergence'] as const) {
    if (options[name] !== false) {
      targets.push({ kind: 'first', name });
    }
  }

  const main = await searchAtSteps(evaluate, settings.steps, targets, settings);
  const bandRun = settings.bandSteps > 0;
  const band = bandRun ? await searchAtSteps(evaluate, settings.bandSteps, targets, settings) : undefined;
  const multipliers = options.multiplierCheck === false ? new Map<number, undefined>() : await estimateMultipliers(evaluate, settings.steps, main, settings);

  const doublings: LocatedDoubling[] = [];
  const regionEnds: LocatedRegionEnd[] = [];
  const missing: string[] = [];
  for (let k = 1; k <= settings.depth; k++) {
    const key = targetKey({ kind: 'doubling', k });
    const found = main.found.get(key);
    if (found === undefined) {
      continue;
    }
    const located = withBand(found, band?.found.get(key), bandRun, settings);
    if (!isDoubling(found, k)) {
      regionEnds.push({ ...located, k, period: 2 ** (k - 1), endState: describeOrbitState(found.upperSample) });
      continue;
    }
    const multiplierEstimate = multipliers.get(k);
    if (multiplierEstimate !== undefined) {
      located.error += Math.abs(located.value - multiplierEstimate.value) + multiplierEstimate.error;
    }
    doublings.push({ ...located, k, fromPeriod: 2 ** (k - 1), toPeriod: 2 ** k, multiplierEstimate });
  }
  if (doublings.length === 0) {
    missing.push('doublings: no sample pair in the range shows a period 2^(k−1) followed by 2^k');
  }

  // Ratios and the accumulation point need consecutive doublings.
  const run = longestConsecutiveRun(doublings);
  const points = run.map((doubling) => ({ yTilde: doubling.value, error: doubling.error }));
  const ratios =
    run.length >= MIN_DOUBLINGS_FOR_RATIO
      ? feigenbaumRatios(points).map((ratio, i) => ({ ...ratio, k: run[i + 1]!.k }))
      : [];
  const withMultiplier = longestConsecutiveRun(doublings.filter((doubling) => doubling.multiplierEstimate !== undefined));
  const multiplierRatios =
    withMultiplier.length >= MIN_DOUBLINGS_FOR_RATIO
      ? feigenbaumRatios(withMultiplier.map((doubling) => ({ yTilde: doubling.multiplierEstimate!.value, error: doubling.multiplierEstimate!.error }))).map(
          (ratio, i) => ({ ...ratio, k: withMultiplier[i + 1]!.k }),
        )
      : [];
  let accumulation: CascadeReport['accumulation'];
  const runEnd = run.length > 0 ? regionEnds.find((end) => end.k === run.at(-1)!.k + 1) : undefined;
  if (run.length < 2) {
    missing.push('onset of chaos by extrapolation: fewer than 2 consecutive doublings');
  } else if (runEnd !== undefined) {
    missing.push(
      `onset of chaos by extrapolation: ${regionName(runEnd.k - 1)} ends in ${runEnd.endState}, not in period ${2 ** runEnd.k}, so the cascade does not accumulate in the range`,
    );
  } else {
    const extrapolated = extrapolateAccumulation(points, ratios);
    accumulation = { value: extrapolated.yTilde, error: extrapolated.error };
  }

  const range = `[${settings.from}, ${settings.to}]`;
  const first = (name: 'chaosOnset' | 'period3' | 'divergence', label: string, description: string): LocatedTransition | undefined => {
    if (options[name] === false) {
      return undefined;
    }
    const found = main.found.get(name);
    if (found !== undefined) {
      return withBand(found, band?.found.get(name), bandRun, settings);
    }
    if (startsInState(name, main.samples.samples)) {
      missing.push(`${label}: the orbit at the range's low end, ${settings.from}, ${FIRST_STATE_WORDS[name]}, so the ${label} lies at or below ${settings.from} and is not located`);
    } else {
      missing.push(`${label}: ${description}`);
    }
    return undefined;
  };
  const chaosOnset = first('chaosOnset', 'first chaotic orbit', `no sample in ${range} above its lowest one is chaotic`);
  const period3 = first(
    'period3',
    'period-3 window',
    `no sample in ${range} above its lowest one has period 3; the window may be narrower than the scan spacing or outside the range`,
  );
  const diverging = first('divergence', 'divergence', `no sample in ${range} above its lowest one diverges`);
  let divergence: LocatedDivergence | undefined;
  if (diverging !== undefined) {
    const attractorBelow = classifiedSampleAtOrBelow(main.samples, diverging.bracket[0]);
    divergence = { ...diverging, attractorBelow, boundaryCrisis: attractorBelow?.phase === 'chaotic' };
  }

  return {
    from: settings.from,
    to: settings.to,
    steps: settings.steps,
    bandSteps: settings.bandSteps,
    windows: periodicWindows(main.scan),
    resolutionUlps: settings.resolutionUlps,
    doublings,
    regionEnds,
    ratios,
    multiplierRatios,
    accumulation,
    chaosOnset,
    period3,
    divergence,
    cascadeEnd: describeCascadeEnd(doublings, regionEnds, settings.depth, main),
    missing,
    evaluations: main.evaluations + (band?.evaluations ?? 0),
    batches: main.batches + (band?.batches ?? 0),
  };
}

/**
 * Returns the runs of consecutive periodic samples of one period above the first chaotic
 * sample, in order. A run must start right after a chaotic or unresolved sample, so the
 * cycles of the cascade itself and the band above a doubling do not count.
 */
export function periodicWindows(set: { values: readonly number[]; samples: readonly OrbitSample[] }): PeriodicWindow[] {
  const windows: PeriodicWindow[] = [];
  const firstChaotic = set.samples.findIndex((sample) => sample.phase === 'chaotic');
  if (firstChaotic < 0) {
    return windows;
  }
  let i = firstChaotic + 1;
  while (i < set.samples.length) {
    const sample = set.samples[i]!;
    const before = set.samples[i - 1]!;
    const opens = sample.phase === 'periodic' && sample.period > 1 && (before.phase === 'chaotic' || before.phase === 'unresolved');
    if (!opens) {
      i += 1;
      continue;
    }
    let end = i;
    while (end + 1 < set.samples.length && set.samples[end + 1]!.phase === 'periodic' && set.samples[end + 1]!.period === sample.period) {
      end += 1;
    }
    windows.push({ period: sample.period, first: set.values[i]!, last: set.values[end]!, opensAfter: set.values[i - 1]! });
    i = end + 1;
  }
  return windows;
}

/** Options of {@link locateNextDoubling}: those of {@link locateCascade} without the other transitions. */
export type NextDoublingOptions = Omit<CascadeOptions, 'depth' | 'chaosOnset' | 'period3' | 'divergence'>;

/**
 * Locates the lowest period doubling in [from, to], for a "zoom to the next
 * doubling" action: the returned bracket is the region to zoom into. Returns
 * undefined when the range shows no doubling.
 */
export async function locateNextDoubling(evaluate: OrbitEvaluator, options: NextDoublingOptions): Promise<LocatedDoubling | undefined> {
  const report = await locateCascade(evaluate, { ...options, chaosOnset: false, period3: false, divergence: false });
  return report.doublings[0];
}
