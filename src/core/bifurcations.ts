/**
 * Bifurcation finder for the period-doubling cascade of the UV model on the EoS
 * manifold q = 0, where z = P̂ = ηλ/2 follows z ← g(z) = z(a − z)² with
 * a = 1 + ỹ. Everything runs in float64 on this one-dimensional map, which is
 * exactly the (P̂, Q̂) map restricted to Q̂ = 0; the (P̂, Q̂) period detector then
 * checks the cycles it predicts.
 *
 * Method. The 2^j-cycle is superstable (contains the critical point c = a/3) at
 * ỹ = s_j, found by Newton in ỹ on g^(2^j)(c) − c. The doubling point ỹ_k, where
 * the 2^(k−1)-cycle turns unstable, lies in (s_(k−1), s_k): bisection there on
 * the sign of Λ + 1, with Λ the multiplier of the 2^(k−1)-cycle (the product of
 * g' over the cycle). Λ is smooth in ỹ, so unlike bisection on a detected
 * period it needs no step count that grows near the doubling point.
 */
import { runHatTrajectory } from './analysis.ts';
import { ValidationError } from './errors.ts';

/** Feigenbaum's constant δ for maps with a quadratic maximum (published value, 10 digits). */
export const FEIGENBAUM_DELTA = 4.669201609;

/** Deepest cascade level that {@link findBifurcations} accepts: 2^23 map steps per multiplier evaluation. */
export const MAX_DEPTH = 24;

/** Levels computed by default: enough for the δ estimates to settle to about 10⁻⁴. */
export const DEFAULT_DEPTH = 8;

const EPSILON = Number.EPSILON;

/** Applies the manifold map g(z) = z(a − z)², a = 1 + ỹ. */
export function manifoldMap(z: number, yTildeValue: number): number {
  const d = 1 + yTildeValue - z;
  return z * d * d;
}

/** Slope g'(z) = (a − z)(a − 3z) of the manifold map, a = 1 + ỹ. */
export function manifoldMapSlope(z: number, yTildeValue: number): number {
  const a = 1 + yTildeValue;
  return (a - z) * (a - 3 * z);
}

/** Critical point c = (1 + ỹ)/3, where g has its maximum on [0, 1 + ỹ]. */
export function criticalPoint(yTildeValue: number): number {
  return (1 + yTildeValue) / 3;
}

/** Result of iterating g^n with forward-mode derivatives. */
interface Composition {
  /** g^n(z). */
  value: number;
  /** ∂g^n/∂z, the cycle multiplier when z is on an n-cycle. */
  slope: number;
  /** ∂²g^n/∂z². */
  curvature: number;
  /** ∂g^n/∂ỹ at fixed z. */
  parameterDerivative: number;
  /** ∂²g^n/∂z∂ỹ. */
  slopeParameterDerivative: number;
}

/** Iterates g n times from z, carrying the derivatives that the Newton solvers need. */
function compose(z0: number, yTildeValue: number, n: number): Composition {
  const a = 1 + yTildeValue;
  let z = z0;
  let slope = 1;
  let curvature = 0;
  let zY = 0;
  let slopeY = 0;
  for (let i = 0; i < n; i++) {
    const d = a - z;
    const g1 = d * (a - 3 * z);
    const g2 = 6 * z - 4 * a;
    // ∂g/∂a = 2z(a − z) and ∂g'/∂a = 2a − 4z. Since a = 1 + ỹ, ∂/∂ỹ = ∂/∂a.
    const gA = 2 * z * d;
    const g1A = 2 * a - 4 * z;
    slopeY = (g2 * zY + g1A) * slope + g1 * slopeY;
    curvature = g2 * slope * slope + g1 * curvature;
    zY = gA + g1 * zY;
    slope = g1 * slope;
    z = z * d * d;
  }
  return { value: z, slope, curvature, parameterDerivative: zY, slopeParameterDerivative: slopeY };
}

/** A point located by bisection, with its error estimate. */
export interface LocatedPoint {
  yTilde: number;
  /** Half the final bracket plus {@link numericalError}. */
  error: number;
  /** Final bracket [lower, upper]. */
  bracket: [number, number];
  /** Estimate of the error from rounding in the bisected function. */
  numericalError: number;
}

/** Doubling point ỹ_k where the stable 2^(k−1)-cycle gives way to the 2^k-cycle. */
export interface DoublingPoint extends LocatedPoint {
  k: number;
  /** Period 2^k of the cycle born at ỹ_k. */
  period: number;
  /** Reason the bisection stopped: the tolerance, the bracket reaching 4 ulps, or Λ + 1 within its rounding error. */
  stop: 'tolerance' | 'ulps' | 'rounding';
}

/** Estimate δ_k = (ỹ_k − ỹ_(k−1))/(ỹ_(k+1) − ỹ_k) of Feigenbaum's constant. */
export interface FeigenbaumRatio {
  k: number;
  delta: number;
  /** Worst-case propagation of the three doubling-point errors. */
  error: number;
}

/** Check of one predicted cycle with the (P̂, Q̂) analysis. */
export interface HatMapCheck {
  yTilde: number;
  expectedPeriod: number;
  detectedPeriod: number;
  steps: number;
}

/** Everything {@link findBifurcations} returns. */
export interface BifurcationReport {
  doublings: DoublingPoint[];
  /** Superstable parameters s_0, s_1, …: the 2^j-cycle contains the critical point. */
  superstable: number[];
  ratios: FeigenbaumRatio[];
  /** Onset of chaos ỹ_∞, extrapolated from the last two doubling points with δ. */
  accumulation: { yTilde: number; error: number };
  /** Boundary crisis: the critical orbit escapes above it. */
  crisis: LocatedPoint;
  /** Tangent bifurcation that opens the period-3 window near ỹ = 1.70, where the map acts as a bimodal one. */
  period3: LocatedPoint & { superstable: number };
  /** Tangent bifurcation that opens the first period-3 window, near ỹ = 1.4504, on the unimodal interval [0, 1 + ỹ]. */
  firstPeriod3: LocatedPoint & { superstable: number };
  /** Periods that the (P̂, Q̂) detector finds at s_j (2^j ≤ 64) and just inside the period-3 window. */
  hatChecks: HatMapCheck[];
  /** Reason the cascade stopped before the requested depth, or undefined when it reached it. */
  truncated: string | undefined;
}

/** Options of {@link findBifurcations}. */
export interface BifurcationOptions {
  /** Number of doubling points ỹ_1 … ỹ_depth to locate. */
  depth?: number;
  /** Bracket width in ỹ at which bisection stops. 0 bisects down to 4 ulps. */
  tolerance?: number;
  /** Skips the (P̂, Q̂) checks. */
  skipHatChecks?: boolean;
}

/** Returns the ulp of `value`: the spacing of float64 numbers just above |value|. */
function ulp(value: number): number {
  const magnitude = Math.abs(value);
  if (magnitude === 0) {
    return Number.MIN_VALUE;
  }
  return 2 ** (Math.floor(Math.log2(magnitude)) - 52);
}

/**
 * Decides when a Newton iteration has converged: the step is within 4 ulps of x,
 * or it has reached the rounding noise of the residual, which shows as a step
 * below 10⁻⁹·scale that no longer halves.
 */
function newtonConverged(step: number, previousStep: number, x: number, scale: number): boolean {
  const size = Math.abs(step);
  return size <= 4 * ulp(x) || (size <= 1e-9 * scale && size >= Math.abs(previousStep) / 2);
}

/**
 * Finds the superstable parameter of the n-cycle by Newton in ỹ on g^n(c) − c,
 * with c = (1 + ỹ)/3. Returns undefined when Newton leaves (lower, upper) or
 * does not converge in 100 steps.
 */
export function findSuperstable(n: number, guess: number, lower: number, upper: number): number | undefined {
  let y = guess;
  let previousStep = Infinity;
  for (let iteration = 0; iteration < 100; iteration++) {
    const c = criticalPoint(y);
    const orbit = compose(c, y, n);
    // d/dỹ [g^n(c(ỹ), ỹ) − c(ỹ)] with dc/dỹ = 1/3.
    const derivative = orbit.parameterDerivative + orbit.slope / 3 - 1 / 3;
    const step = (orbit.value - c) / derivative;
    if (!Number.isFinite(step)) {
      return undefined;
    }
    y -= step;
    if (!(y > lower && y < upper)) {
      return undefined;
    }
    if (newtonConverged(step, previousStep, y, upper - lower)) {
      return y;
    }
    previousStep = step;
  }
  return undefined;
}

/**
 * Finds a point of the n-cycle at ỹ by Newton on g^n(z) − z from `start`.
 * Returns undefined without convergence in 60 steps.
 */
function solveCycle(n: number, yTildeValue: number, start: number): number | undefined {
  let z = start;
  let previousStep = Infinity;
  for (let iteration = 0; iteration < 60; iteration++) {
    const orbit = compose(z, yTildeValue, n);
    const step = (orbit.value - z) / (orbit.slope - 1);
    if (!Number.isFinite(step)) {
      return undefined;
    }
    z -= step;
    if (newtonConverged(step, previousStep, z, Math.abs(z))) {
      return z;
    }
    previousStep = step;
  }
  return undefined;
}

/**
 * Follows the n-cycle point from (fromY, fromZ) to toY. Newton jumps straight
 * there when it can, otherwise the step in ỹ is halved (at most 40 times).
 */
function trackCycle(n: number, fromY: number, fromZ: number, toY: number, depth = 0): number | undefined {
  const direct = solveCycle(n, toY, fromZ);
  // A jump of 0.5 or more in z means Newton landed on another branch, so it is rejected.
  if (direct !== undefined && Math.abs(direct - fromZ) < 0.5) {
    return direct;
  }
  if (depth >= 40) {
    return undefined;
  }
  const middleY = fromY + (toY - fromY) / 2;
  const middleZ = trackCycle(n, fromY, fromZ, middleY, depth + 1);
  return middleZ === undefined ? undefined : trackCycle(n, middleY, middleZ, toY, depth + 1);
}

/**
 * Locates the doubling point of the n-cycle in (lower, upper), where the cycle
 * through `lowerZ` at ỹ = lower has multiplier above −1. Bisects on the sign of
 * Λ + 1 and stops at the tolerance, at 4 ulps, or when |Λ + 1| drops below its
 * rounding estimate 8nε|Λ| (each of the n factors g'(z_i) carries a few ulps).
 * The numerical error is that estimate divided by the secant slope of Λ + 1.
 */
function bisectDoubling(
  n: number,
  lower: number,
  lowerZ: number,
  upper: number,
  tolerance: number,
): Omit<DoublingPoint, 'k' | 'period'> | undefined {
  let lo = lower;
  let hi = upper;
  let loZ = lowerZ;
  let loValue = compose(loZ, lo, n).slope + 1;
  const hiZ = trackCycle(n, lo, loZ, hi);
  if (hiZ === undefined) {
    return undefined;
  }
  let hiValue = compose(hiZ, hi, n).slope + 1;
  if (!(loValue > 0 && hiValue < 0)) {
    return undefined;
  }
  let slope = (hiValue - loValue) / (hi - lo);
  let roundingError = 8 * n * EPSILON;
  let stop: DoublingPoint['stop'] = 'ulps';

  for (;;) {
    const mid = lo + (hi - lo) / 2;
    if (hi - lo <= tolerance) {
      stop = 'tolerance';
      break;
    }
    if (hi - lo <= 4 * ulp(mid) || mid <= lo || mid >= hi) {
      stop = 'ulps';
      break;
    }
    const midZ = trackCycle(n, lo, loZ, mid);
    if (midZ === undefined) {
      return undefined;
    }
    const multiplier = compose(midZ, mid, n).slope;
    const value = multiplier + 1;
    roundingError = 8 * n * EPSILON * Math.abs(multiplier);
    if (Math.abs(value) <= roundingError) {
      stop = 'rounding';
      break;
    }
    if (value > 0) {
      lo = mid;
      loZ = midZ;
      loValue = value;
    } else {
      hi = mid;
      hiValue = value;
    }
    // Keep the secant slope from brackets whose end values are well above rounding.
    if (Math.min(Math.abs(loValue), Math.abs(hiValue)) > 100 * roundingError) {
      slope = (hiValue - loValue) / (hi - lo);
    }
  }
  // ỹ is rounded when a = 1 + ỹ is formed (2 ulps), and the n-fold composition adds
  // more: against 40-digit solutions of g^n(z) = z with Λ = −1, the points for k ≤ 10
  // miss by up to 11 ulps (k = 10, n = 512). The floor of 2 + log₂ n ulps covers that
  // measurement; it is an estimate, not a bound.
  const numericalError = Math.max(roundingError / Math.abs(slope), (2 + Math.log2(n)) * ulp(hi));
  return {
    yTilde: lo + (hi - lo) / 2,
    error: (hi - lo) / 2 + numericalError,
    bracket: [lo, hi],
    numericalError,
    stop,
  };
}

/**
 * Locates the boundary crisis: the smallest ỹ in [1.9, 2.1] where the orbit of
 * the critical point leaves [0, ỹ + 2] within 2000 steps. Above it g(c) exceeds
 * the repelling fixed point ỹ + 2, whose multiplier 2ỹ + 5 sends orbits to infinity.
 */
export function findCrisis(tolerance = 0): LocatedPoint {
  const escapes = (y: number): boolean => {
    let z = criticalPoint(y);
    for (let t = 0; t < 2000; t++) {
      z = manifoldMap(z, y);
      if (!(z >= 0 && z <= y + 2)) {
        return true;
      }
    }
    return false;
  };
  let lo = 1.9;
  let hi = 2.1;
  while (hi - lo > Math.max(tolerance, 4 * ulp(hi))) {
    const mid = lo + (hi - lo) / 2;
    if (escapes(mid)) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  // g(c) − (ỹ + 2) has slope 4a²/9 − 1 = 3 at a = 3, and g(c) carries about 4 ulps.
  const numericalError = (4 * ulp(4)) / 3;
  return { yTilde: lo + (hi - lo) / 2, error: (hi - lo) / 2 + numericalError, bracket: [lo, hi], numericalError };
}

/**
 * Locates the tangent bifurcation that opens the period-3 window: Newton on
 * (z, ỹ) for g³(z) = z with (g³)'(z) = 1, started from the superstable 3-cycle,
 * then a bisection on existence of the 3-cycle. Existence is the sign of
 * F = g³(z_e) − z_e at the extremum z_e of g³(z) − z near the tangency (where
 * (g³)'(z_e) = 1): the cycle exists on the side where F has the sign it has at s₃'s
 * saddle-node pair. The reported error adds the Newton–bisection difference.
 *
 * The superstable 3-cycle is searched in [scanFrom, scanFrom + 0.2]. The default
 * [1.6, 1.8] contains the window near ỹ = 1.70. Another period-3 window opens near
 * ỹ = 1.4504, where the attractor still lies in [0, 1 + ỹ], on which g is unimodal;
 * scanFrom = 1.4 finds that one.
 */
/** Start of the scan for the first period-3 window's superstable cycle, in [1.4, 1.6]. */
export const FIRST_PERIOD3_SCAN_FROM = 1.4;

export function findPeriod3Window(tolerance = 0, scanFrom = 1.6): LocatedPoint & { superstable: number } {
  const scanTo = scanFrom + 0.2;
  // The superstable 3-cycle: a sign change of g³(c) − c on a scan of [scanFrom, scanTo].
  let superstable: number | undefined;
  let previous = compose(criticalPoint(scanFrom), scanFrom, 3).value - criticalPoint(scanFrom);
  for (let i = 1; i <= 200 && superstable === undefined; i++) {
    const y = scanFrom + i * 0.001;
    const value = compose(criticalPoint(y), y, 3).value - criticalPoint(y);
    if (Math.sign(value) !== Math.sign(previous)) {
      superstable = findSuperstable(3, y - 0.0005, y - 0.001, y);
    }
    previous = value;
  }
  if (superstable === undefined) {
    throw new Error(`Superstable 3-cycle not found in [${scanFrom}, ${scanTo}]`);
  }

  // Newton on (z, ỹ): F1 = g³(z) − z, F2 = (g³)'(z) − 1, with the exact Jacobian.
  let z = criticalPoint(superstable);
  let y = superstable;
  for (let iteration = 0; iteration < 100; iteration++) {
    const orbit = compose(z, y, 3);
    const f1 = orbit.value - z;
    const f2 = orbit.slope - 1;
    const j11 = orbit.slope - 1;
    const j12 = orbit.parameterDerivative;
    const j21 = orbit.curvature;
    const j22 = orbit.slopeParameterDerivative;
    const determinant = j11 * j22 - j12 * j21;
    const dz = (f1 * j22 - f2 * j12) / determinant;
    const dy = (j11 * f2 - j21 * f1) / determinant;
    z -= dz;
    y -= dy;
    if (!Number.isFinite(z) || !Number.isFinite(y)) {
      throw new Error('Newton for the period-3 tangent bifurcation diverged');
    }
    if (Math.abs(dy) <= 2 * ulp(y) && Math.abs(dz) <= 2 * ulp(z)) {
      break;
    }
  }
  const tangentY = y;
  const tangentZ = z;

  // Bisection on existence: F at the extremum z_e, solved by Newton on (g³)' = 1 from the tangent point.
  const extremumValue = (yValue: number): number => {
    let ze = tangentZ;
    for (let iteration = 0; iteration < 60; iteration++) {
      const orbit = compose(ze, yValue, 3);
      const step = (orbit.slope - 1) / orbit.curvature;
      ze -= step;
      if (Math.abs(step) <= 2 * ulp(ze)) {
        break;
      }
    }
    return compose(ze, yValue, 3).value - ze;
  };
  const width = 1e-3;
  let lo = tangentY - width;
  let hi = tangentY + width;
  const existsSign = Math.sign(extremumValue(superstable));
  if (Math.sign(extremumValue(lo)) === existsSign || Math.sign(extremumValue(hi)) !== existsSign) {
    throw new Error('Period-3 existence test did not bracket the tangent bifurcation');
  }
  while (hi - lo > Math.max(tolerance, 4 * ulp(hi))) {
    const mid = lo + (hi - lo) / 2;
    if (Math.sign(extremumValue(mid)) === existsSign) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  const bisected = lo + (hi - lo) / 2;
  const numericalError = Math.abs(bisected - tangentY) + 8 * ulp(tangentY);
  return { yTilde: tangentY, error: (hi - lo) / 2 + numericalError, bracket: [lo, hi], numericalError, superstable };
}

/**
 * Derives δ_k = (ỹ_k − ỹ_(k−1))/(ỹ_(k+1) − ỹ_k) for every inner doubling point, with
 * worst-case errors. The points may be in any parameter proportional to ỹ, such as η.
 */
export function feigenbaumRatios(doublings: ReadonlyArray<Pick<LocatedPoint, 'yTilde' | 'error'>>): FeigenbaumRatio[] {
  const ratios: FeigenbaumRatio[] = [];
  for (let i = 1; i + 1 < doublings.length; i++) {
    const before = doublings[i - 1]!;
    const at = doublings[i]!;
    const after = doublings[i + 1]!;
    const left = at.yTilde - before.yTilde;
    const right = after.yTilde - at.yTilde;
    const delta = left / right;
    const error = delta * ((at.error + before.error) / left + (after.error + at.error) / right);
    ratios.push({ k: i + 1, delta, error });
  }
  return ratios;
}

/**
 * Extrapolates the onset of chaos ỹ_∞ = ỹ_K + (ỹ_K − ỹ_(K−1))/(δ − 1) from the
 * last two doubling points. The error is the change that the last δ_k in place
 * of δ makes, plus the errors of the two points.
 */
export function extrapolateAccumulation(
  doublings: ReadonlyArray<Pick<LocatedPoint, 'yTilde' | 'error'>>,
  ratios: readonly FeigenbaumRatio[],
): { yTilde: number; error: number } {
  const last = doublings.at(-1)!;
  const before = doublings.at(-2)!;
  const gap = last.yTilde - before.yTilde;
  const yTildeValue = last.yTilde + gap / (FEIGENBAUM_DELTA - 1);
  const lastDelta = ratios.at(-1)?.delta ?? FEIGENBAUM_DELTA;
  const modelError = Math.abs(gap / (lastDelta - 1) - gap / (FEIGENBAUM_DELTA - 1));
  const pointError = last.error + (last.error + before.error) / (FEIGENBAUM_DELTA - 1);
  return { yTilde: yTildeValue, error: modelError + pointError };
}

/**
 * Runs the (P̂, Q̂) map on the manifold (Q̂ = 0, P̂ = c) at ỹ and returns the
 * detected period. At a superstable parameter the orbit converges
 * superexponentially, so a fixed 4096 steps suffice.
 */
export function detectManifoldPeriod(yTildeValue: number, steps = 4096): number {
  const run = runHatTrajectory({ pHat: criticalPoint(yTildeValue), qHat: 0 }, yTildeValue, steps);
  return run.analysis.period;
}

/** Locates the period-doubling cascade, its accumulation point, the crisis and the period-3 window. */
export function findBifurcations(options: BifurcationOptions = {}): BifurcationReport {
  const depth = options.depth ?? DEFAULT_DEPTH;
  const tolerance = options.tolerance ?? 0;
  if (!Number.isInteger(depth) || depth < 2 || depth > MAX_DEPTH) {
    throw new ValidationError('depth', depth, `an integer from 2 to ${MAX_DEPTH}`);
  }
  if (!(tolerance >= 0 && tolerance < 0.1)) {
    throw new ValidationError('tolerance', tolerance, 'a number in [0, 0.1)');
  }

  // s_0 = 1/2: the fixed point ỹ equals c = (1 + ỹ)/3. s_1 follows from a guess inside (1, 2).
  const superstable: number[] = [0.5];
  const doublings: DoublingPoint[] = [];
  let truncated: string | undefined;
  for (let k = 1; k <= depth; k++) {
    const previous = superstable[k - 1]!;
    const guess = k === 1 ? 1.25 : previous + (previous - superstable[k - 2]!) / (k === 2 ? FEIGENBAUM_DELTA : ratioOf(superstable, k));
    const upperLimit = k === 1 ? 2 : previous + 2 * (previous - superstable[k - 2]!);
    const next = findSuperstable(2 ** k, guess, previous, upperLimit);
    if (next === undefined) {
      truncated = `Newton for the superstable ${2 ** k}-cycle did not converge, so the cascade stops at k = ${k - 1}`;
      break;
    }
    const found = bisectDoubling(2 ** (k - 1), previous, criticalPoint(previous), next, tolerance);
    if (found === undefined) {
      truncated = `Λ + 1 of the ${2 ** (k - 1)}-cycle did not change sign between s_${k - 1} and s_${k}, so the cascade stops at k = ${k - 1}`;
      break;
    }
    const before = doublings.at(-1);
    if (before !== undefined && found.yTilde - before.yTilde <= 10 * (found.error + before.error)) {
      truncated = `ỹ_${k} − ỹ_${k - 1} is within 10 errors of zero, so float64 resolves the cascade only to k = ${k - 1}`;
      break;
    }
    superstable.push(next);
    doublings.push({ k, period: 2 ** k, ...found });
  }
  if (doublings.length < 2) {
    throw new Error(`Only ${doublings.length} doubling point found: ${truncated}`);
  }

  const ratios = feigenbaumRatios(doublings);
  const accumulation = extrapolateAccumulation(doublings, ratios);
  const crisis = findCrisis(tolerance);
  const period3 = findPeriod3Window(tolerance);
  const firstPeriod3 = findPeriod3Window(tolerance, FIRST_PERIOD3_SCAN_FROM);

  const hatChecks: HatMapCheck[] = [];
  if (!options.skipHatChecks) {
    for (let j = 0; j < superstable.length && 2 ** j <= 64; j++) {
      hatChecks.push({ yTilde: superstable[j]!, expectedPeriod: 2 ** j, detectedPeriod: detectManifoldPeriod(superstable[j]!), steps: 4096 });
    }
    for (const window of [firstPeriod3, period3]) {
      hatChecks.push({ yTilde: window.superstable, expectedPeriod: 3, detectedPeriod: detectManifoldPeriod(window.superstable), steps: 4096 });
    }
  }
  return { doublings, superstable, ratios, accumulation, crisis, period3, firstPeriod3, hatChecks, truncated };
}

/** Ratio (s_(k−2) − s_(k−3))/(s_(k−1) − s_(k−2)) of the superstable spacings, a δ estimate for the next guess. */
function ratioOf(superstable: readonly number[], k: number): number {
  if (k < 3) {
    return FEIGENBAUM_DELTA;
  }
  return (superstable[k - 2]! - superstable[k - 3]!) / (superstable[k - 1]! - superstable[k - 2]!);
}
