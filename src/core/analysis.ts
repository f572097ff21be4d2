/**
 * Trajectory analysis shared by every engine. Each rule is streaming: it reads
 * one state (and one Jacobian) per step and keeps a few numbers, so the WGSL
 * kernels implement the same rule in registers. docs/science.md states the rules.
 */
import { invariant } from './errors.ts';
import type { Matrix2 } from './map.ts';
import { hessianSharpnessHat, type HatState } from './quantities.ts';

/** Maximum period that the detector reports. Its candidates fit two 32-bit masks. */
export const MAX_PERIOD = 64;

/** Tolerances and windows of the analysis. The same values drive every engine. */
export interface AnalysisSettings {
  /**
   * Relative return distance of the period detector: states a and b match when
   * |ΔP̂| + |ΔQ̂| ≤ periodTolerance · (P̂ + Q̂) of the reference state.
   */
  periodTolerance: number;
  /** A step counts as converged when |Δf| ≤ convergenceTolerance · |y| (|u| ≤ tolerance · |ỹ|). */
  convergenceTolerance: number;
  /** Consecutive converged steps, ending at the last step, needed to call a trajectory converged. */
  convergenceWindow: number;
  /** A trajectory diverges at the first step where P̂ + Q̂ = ηλ/2 exceeds this bound or is not finite. */
  divergenceBound: number;
  /** An aperiodic trajectory is chaotic when its largest Lyapunov exponent exceeds this value (per step). */
  chaosThreshold: number;
}

/**
 * Default settings. The period tolerance of 1e-5 is about 80 float32 ulps, so
 * float32 orbits still close. The divergence bound 1e8 on ηλ/2 is far above any
 * bounded orbit (those have ηλ/2 of order 1 + |ỹ|): beyond it a minimum's multiplier
 * 1 − ηλ exceeds 10⁸ in size, so the orbit cannot settle.
 */
export const DEFAULT_ANALYSIS_SETTINGS: Readonly<AnalysisSettings> = Object.freeze({
  periodTolerance: 1e-5,
  convergenceTolerance: 1e-4,
  convergenceWindow: 16,
  divergenceBound: 1e8,
  chaosThreshold: 1e-3,
});

/** Phase of a trajectory, in the order of its numeric code in the GPU buffers. */
export const PHASES = ['converged', 'periodic', 'chaotic', 'unresolved', 'diverged'] as const;

/**
 * Phase of a trajectory:
 * - `converged`: reached a stable global minimum (Δf ≈ 0 and ηλ ≤ 2);
 * - `periodic`: settled on a stable edge-of-stability cycle of period 2 … 64;
 * - `chaotic`: bounded, with a positive largest Lyapunov exponent and no stable cycle;
 * - `unresolved`: bounded but neither of the above within the steps run
 *   (a slow transient, or a period above 64);
 * - `diverged`: left every bounded region.
 */
export type Phase = (typeof PHASES)[number];

/** Direction of the change in sharpness between the first and the last step. */
export type SharpnessTrend = 'sharpening' | 'reduction' | 'unchanged';

/** Per-trajectory readouts, the same in every engine. */
export interface TrajectoryAnalysis {
  phase: Phase;
  /** Detected period of the late-time orbit (1 … 64), or 0 when none was detected. */
  period: number;
  /** First step of the final run of converged steps, or −1 when not converged. */
  convergenceStep: number;
  /** Step at which the trajectory diverged, or −1. */
  divergenceStep: number;
  /** Whether the loss rose above its initial value before converging (only for converged trajectories). */
  catapult: boolean;
  /** Whether λ rose or fell overall. */
  sharpnessTrend: SharpnessTrend;
  /** λ_final/λ₀ (NaN after divergence). */
  sharpnessRatio: number;
  /** max_t L_t / L₀: Infinity after a divergence or when L₀ = 0 < max L, 1 when L stays 0. */
  peakLossRatio: number;
  /**
   * Largest Lyapunov exponent per step over the late window, with the tangent vector
   * evolved from step 0 (NaN when undefined).
   */
  lyapunovExponent: number;
  /** Minimum of ηλ_H/2 over the late window (NaN after divergence). */
  lateSharpnessMin: number;
  /** Maximum of ηλ_H/2 over the late window (NaN after divergence). */
  lateSharpnessMax: number;
}

/**
 * Streaming period detector. With the reference state x_r at step
 * r = last − 2·MAX_PERIOD, candidate k ∈ [1, 64] is accepted when both x_{r+k}
 * and x_{r+2k} match x_r; the period is the smallest accepted k. Requiring two
 * returns rejects chance near-returns of chaotic orbits.
 */
export class PeriodDetector {
  private reference: number[] | undefined;
  private referenceScale = 0;
  private offset = 0;
  // Candidate k is bit k − 1 of a 64-bit mask kept as two 32-bit words, as in the kernel.
  private firstLow = 0;
  private firstHigh = 0;
  private secondLow = 0;
  private secondHigh = 0;

  constructor(private readonly tolerance: number) {}

  /** Starts a new detection with `state` as the reference x_r. */
  start(state: readonly number[]): void {
    this.reference = [...state];
    this.referenceScale = state.reduce((sum, value) => sum + Math.abs(value), 0);
    this.offset = 0;
    this.firstLow = 0;
    this.firstHigh = 0;
    this.secondLow = 0;
    this.secondHigh = 0;
  }

  /** Feeds the next state x_{r+j}, j = 1 … 2·MAX_PERIOD. */
  observe(state: readonly number[]): void {
    invariant(this.reference !== undefined, 'PeriodDetector.observe before start');
    let distance = 0;
    for (let i = 0; i < state.length; i++) {
      distance += Math.abs(state[i]! - this.reference[i]!);
    }
    this.observeDistance(distance);
  }

  /** Feeds the distance |x_{r+j} − x_r|₁ of the next state, for callers that keep the reference themselves. */
  observeDistance(distance: number): void {
    this.offset += 1;
    const j = this.offset;
    // A NaN distance compares false, so non-finite states never match.
    if (j > 2 * MAX_PERIOD || !(distance <= this.tolerance * this.referenceScale)) {
      return;
    }
    if (j <= MAX_PERIOD) {
      if (j <= 32) {
        this.firstLow |= 1 << (j - 1);
      } else {
        this.firstHigh |= 1 << (j - 33);
      }
    }
    if (j % 2 === 0) {
      const k = j / 2;
      if (k <= 32 ? (this.firstLow & (1 << (k - 1))) !== 0 : (this.firstHigh & (1 << (k - 33))) !== 0) {
        if (k <= 32) {
          this.secondLow |= 1 << (k - 1);
        } else {
          this.secondHigh |= 1 << (k - 33);
        }
      }
    }
  }

  /** Sets the reference scale |x_r|₁ for {@link observeDistance} and clears the candidates. */
  startWithScale(scale: number): void {
    this.reference = undefined;
    this.referenceScale = scale;
    this.offset = 0;
    this.firstLow = 0;
    this.firstHigh = 0;
    this.secondLow = 0;
    this.secondHigh = 0;
  }

  /** Returns the smallest accepted period, or 0 when none was accepted yet. */
  period(): number {
    if (this.secondLow !== 0) {
      return 32 - Math.clz32(this.secondLow & -this.secondLow);
    }
    if (this.secondHigh !== 0) {
      return 64 - Math.clz32(this.secondHigh & -this.secondHigh);
    }
    return 0;
  }
}

/** The tangent vector is renormalized only when its largest component leaves [2⁻⁴⁰, 2⁴⁰]. */
export const TANGENT_RENORMALIZE_HIGH = 2 ** 40;
/** Lower bound of the unnormalized tangent range. */
export const TANGENT_RENORMALIZE_LOW = 2 ** -40;

/** Start of the Lyapunov tangent vector (and its restart after a collapse to zero). */
export const TANGENT_START: readonly [number, number] = [0.6, 0.8];

/** Fewest counted steps for a Lyapunov exponent to classify a run as chaotic or as a stable cycle. */
export const MIN_LYAPUNOV_STEPS = 64;

/**
 * Largest Lyapunov exponent of a 2-dimensional map from the product of its
 * Jacobians. A tangent vector is multiplied by each Jacobian; its logarithmic
 * growth over the counted steps, divided by their number, is the exponent.
 *
 * The vector is renormalized (and its logarithm banked) only when a component
 * leaves [2⁻⁴⁰, 2⁴⁰], not every step: that is the same product, and it saves a
 * logarithm, a square root and two divisions per step in the kernels. One step
 * grows the vector by at most about 10¹⁷ before the divergence bound stops a run,
 * so float32 (up to 3·10³⁸) cannot overflow between renormalizations.
 */
export class LyapunovEstimator {
  // (0.6, 0.8): a unit vector off the diagonal, because (1, 1)/√2 is exactly the neutral
  // eigenvector of the Jacobian at a minimum with P̂ = Q̂ and would hide the unstable one.
  private tangentP = TANGENT_START[0];
  private tangentQ = TANGENT_START[1];
  private logSum = 0;
  private count = 0;
  private superstable = false;

  /**
   * Multiplies the tangent vector by one Jacobian. With `accumulate` false the
   * vector still turns, but its growth is not counted (a burn-in). The first
   * counted step starts from a unit vector, which discards the burn-in growth.
   */
  observe(jacobian: Matrix2, accumulate = true): void {
    this.observeEntries(jacobian[0], jacobian[1], jacobian[2], jacobian[3], accumulate);
  }

  /** {@link observe} with the Jacobian [[a, b], [c, d]] given entry by entry, allocating nothing. */
  observeEntries(a: number, b: number, c: number, d: number, accumulate = true): void {
    if (accumulate && this.count === 0) {
      this.renormalize(false);
    }
    const x = a * this.tangentP + b * this.tangentQ;
    const y = c * this.tangentP + d * this.tangentQ;
    this.tangentP = x;
    this.tangentQ = y;
    if (accumulate) {
      this.count += 1;
    }
    const largest = Math.max(Math.abs(x), Math.abs(y));
    if (largest === 0) {
      // The Jacobian maps the tangent to zero: a superstable orbit, exponent −∞ if counted.
      this.superstable ||= accumulate;
      this.tangentP = TANGENT_START[0];
      this.tangentQ = TANGENT_START[1];
    } else if (largest > TANGENT_RENORMALIZE_HIGH || largest < TANGENT_RENORMALIZE_LOW) {
      this.renormalize(accumulate);
    }
  }

  private renormalize(bank: boolean): void {
    const norm = Math.sqrt(this.tangentP * this.tangentP + this.tangentQ * this.tangentQ);
    if (bank) {
      this.logSum += Math.log(norm);
    }
    this.tangentP /= norm;
    this.tangentQ /= norm;
  }

  /** Number of counted steps. */
  get steps(): number {
    return this.count;
  }

  /** Returns the mean log growth per counted step: NaN before the first, −∞ for a superstable orbit. */
  exponent(): number {
    if (this.count === 0) {
      return NaN;
    }
    if (this.superstable) {
      return -Infinity;
    }
    const norm = Math.sqrt(this.tangentP * this.tangentP + this.tangentQ * this.tangentQ);
    return (this.logSum + Math.log(norm)) / this.count;
  }
}

/** Steps that frame the late-time analysis of a run of `steps` steps. */
export interface AnalysisWindows {
  /** First state of the late window: the late window is states lateStart … steps. */
  lateStart: number;
  /**
   * First state whose Jacobian turns the Lyapunov tangent vector: up to
   * {@link LYAPUNOV_BURN_IN} steps before the late window, which align the vector
   * with the most expanding direction before its growth is counted.
   */
  tangentStart: number;
  /** State used as the period detector's reference, or −1 when the run is too short (< 128 steps). */
  periodReference: number;
}

/** Steps of tangent-vector alignment before the late window. */
export const LYAPUNOV_BURN_IN = 256;

/** Returns the late window (the second half of the run), the tangent burn-in start and the period reference step. */
export function analysisWindows(steps: number): AnalysisWindows {
  const lateStart = steps - Math.floor(steps / 2);
  return {
    lateStart,
    tangentStart: Math.max(0, lateStart - LYAPUNOV_BURN_IN),
    periodReference: steps >= 2 * MAX_PERIOD ? steps - 2 * MAX_PERIOD : -1,
  };
}

/**
 * Streaming analysis of one trajectory of the (P̂, Q̂) map. Call {@link observe}
 * with states 0 … steps in order (it stops reading after a divergence), then
 * {@link result}.
 */
export class TrajectoryAnalyzer {
  private readonly windows: AnalysisWindows;
  private readonly uScale: number;
  private readonly period: PeriodDetector;
  private readonly lyapunov = new LyapunovEstimator();
  private initialSum = NaN;
  private initialU2 = NaN;
  private peakU2 = 0;
  private convergedRunStart = -1;
  private divergenceStep = -1;
  private lastStep = -1;
  private lastP = NaN;
  private lastQ = NaN;
  private lateMin = Infinity;
  private lateMax = -Infinity;
  private referenceP = 0;
  private referenceQ = 0;

  constructor(
    private readonly steps: number,
    private readonly yTildeValue: number,
    initialState: HatState,
    private readonly settings: AnalysisSettings = DEFAULT_ANALYSIS_SETTINGS,
  ) {
    this.windows = analysisWindows(steps);
    this.period = new PeriodDetector(settings.periodTolerance);
    const u0 = initialState.pHat - initialState.qHat - yTildeValue;
    // The convergence scale is |ỹ|; a zero target falls back to the initial residual.
    this.uScale = yTildeValue !== 0 ? Math.abs(yTildeValue) : Math.abs(u0) > 0 ? Math.abs(u0) : 1;
  }

  /** Whether a divergence was seen; later states are ignored. */
  get diverged(): boolean {
    return this.divergenceStep >= 0;
  }

  /** Feeds state number `step` (0 … steps). */
  observe(step: number, state: HatState): void {
    if (step !== this.lastStep + 1) {
      // Checked before building the message: this runs once per step.
      invariant(false, `states must arrive in order: expected ${this.lastStep + 1}, got ${step}`);
    }
    if (this.diverged) {
      return;
    }
    this.lastStep = step;
    const sum = state.pHat + state.qHat;
    if (!(sum <= this.settings.divergenceBound)) {
      // Catches NaN, ±Infinity and the bound in one comparison.
      this.divergenceStep = step;
      return;
    }
    this.lastP = state.pHat;
    this.lastQ = state.qHat;

    const u = state.pHat - state.qHat - this.yTildeValue;
    const u2 = u * u;
    if (step === 0) {
      this.initialSum = sum;
      this.initialU2 = u2;
    }
    this.peakU2 = Math.max(this.peakU2, u2);

    const converged = Math.abs(u) <= this.settings.convergenceTolerance * this.uScale;
    if (!converged) {
      this.convergedRunStart = -1;
    } else if (this.convergedRunStart < 0) {
      this.convergedRunStart = step;
    }

    if (step >= this.windows.lateStart) {
      const halfSharpness = 0.5 * hessianSharpnessHat(state, this.yTildeValue);
      this.lateMin = Math.min(this.lateMin, halfSharpness);
      this.lateMax = Math.max(this.lateMax, halfSharpness);
    }
    if (step < this.steps && step >= this.windows.tangentStart) {
      // The tangent vector turns toward the most expanding direction during the burn-in,
      // and only the late half's growth counts, which removes the start-up bias.
      // The entries are those of jacobianHat, inlined to allocate nothing per step.
      const down = 1 - u;
      const up = 1 + u;
      this.lyapunov.observeEntries(
        down * down - 2 * state.pHat * down,
        2 * state.pHat * down,
        2 * state.qHat * up,
        up * up - 2 * state.qHat * up,
        step >= this.windows.lateStart,
      );
    }

    if (step === this.windows.periodReference) {
      this.referenceP = state.pHat;
      this.referenceQ = state.qHat;
      this.period.startWithScale(Math.abs(state.pHat) + Math.abs(state.qHat));
    } else if (this.windows.periodReference >= 0 && step > this.windows.periodReference) {
      this.period.observeDistance(Math.abs(state.pHat - this.referenceP) + Math.abs(state.qHat - this.referenceQ));
    }
  }

  /** Classifies the trajectory from what was observed. */
  result(): TrajectoryAnalysis {
    invariant(this.diverged || this.lastStep === this.steps, `observed ${this.lastStep + 1} of ${this.steps + 1} states`);
    let peakLossRatio = 1;
    if (this.initialU2 > 0) {
      peakLossRatio = this.peakU2 / this.initialU2;
    } else if (this.peakU2 > 0) {
      peakLossRatio = Infinity;
    }

    if (this.diverged) {
      return {
        phase: 'diverged',
        period: 0,
        convergenceStep: -1,
        divergenceStep: this.divergenceStep,
        catapult: false,
        sharpnessTrend: 'sharpening',
        sharpnessRatio: NaN,
        // The loss grows without bound, so the peak is infinite (the last finite value depends on the bound).
        peakLossRatio: Infinity,
        lyapunovExponent: NaN,
        lateSharpnessMin: NaN,
        lateSharpnessMax: NaN,
      };
    }

    const finalSum = this.lastP + this.lastQ;
    const sharpnessRatio = finalSum / this.initialSum;
    let sharpnessTrend: SharpnessTrend = 'unchanged';
    if (sharpnessRatio > 1) {
      sharpnessTrend = 'sharpening';
    } else if (sharpnessRatio < 1) {
      sharpnessTrend = 'reduction';
    }
    const runLength = this.convergedRunStart >= 0 ? this.steps - this.convergedRunStart + 1 : 0;
    // A stable minimum needs ηλ ≤ 2, that is P̂ + Q̂ ≤ 1.
    const converged = runLength >= this.settings.convergenceWindow && finalSum <= 1;
    const period = this.period.period();
    const lyapunovExponent = this.lyapunov.exponent();

    let phase: Phase;
    // A few steps cannot tell chaos from a transient: short runs are never chaotic.
    const expanding = lyapunovExponent > this.settings.chaosThreshold && this.lyapunov.steps >= MIN_LYAPUNOV_STEPS;
    if (converged) {
      phase = 'converged';
    } else if (period >= 2 && !expanding) {
      phase = 'periodic';
    } else if (period !== 1 && expanding) {
      // An orbit that returns exactly onto an unstable cycle (possible in finite
      // precision, where a chaotic orbit can close on itself) still counts as chaotic.
      phase = 'chaotic';
    } else {
      // Period 1 away from a minimum is a slow approach to one; the other fixed points are unstable.
      phase = 'unresolved';
    }

    return {
      phase,
      period: reportedPeriod(converged, phase, period),
      convergenceStep: converged ? this.convergedRunStart : -1,
      divergenceStep: -1,
      catapult: converged && peakLossRatio > 1,
      sharpnessTrend,
      sharpnessRatio,
      peakLossRatio,
      lyapunovExponent,
      lateSharpnessMin: this.lateMin,
      lateSharpnessMax: this.lateMax,
    };
  }
}

/** Returns the period to report: 1 at a minimum, 0 for chaos (whose cycle is unstable), else the detected one. */
function reportedPeriod(converged: boolean, phase: Phase, detected: number): number {
  if (converged) {
    return 1;
  }
  return phase === 'chaotic' ? 0 : detected;
}

/** A trajectory of the (P̂, Q̂) map with its analysis. */
export interface HatRun {
  analysis: TrajectoryAnalysis;
  /** States 0 … steps, or up to the divergence when `keepStates` was set. */
  states: HatState[] | undefined;
}

/** Runs the float64 (P̂, Q̂) map from `initialState` for `steps` steps and analyzes it. */
export function runHatTrajectory(
  initialState: HatState,
  yTildeValue: number,
  steps: number,
  options: { settings?: AnalysisSettings; keepStates?: boolean } = {},
): HatRun {
  const analyzer = new TrajectoryAnalyzer(steps, yTildeValue, initialState, options.settings);
  const states: HatState[] | undefined = options.keepStates ? [] : undefined;
  // One mutable state, stepped in place: the analyzer copies what it keeps.
  const state = { pHat: initialState.pHat, qHat: initialState.qHat };
  for (let t = 0; t <= steps; t++) {
    if (t > 0) {
      // stepHat, inlined.
      const u = state.pHat - state.qHat - yTildeValue;
      const down = 1 - u;
      const up = 1 + u;
      state.pHat = state.pHat * down * down;
      state.qHat = state.qHat * up * up;
    }
    analyzer.observe(t, state);
    states?.push({ pHat: state.pHat, qHat: state.qHat });
    if (analyzer.diverged) {
      break;
    }
  }
  return { analysis: analyzer.result(), states };
}
