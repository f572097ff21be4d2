/**
 * TypeGPU schemas of every buffer that the trajectory kernels read or write.
 * The WGSL struct declarations are generated from these schemas (see
 * `resolveKernel`), so the TypeScript and WGSL layouts cannot drift apart.
 */
import * as d from 'typegpu/data';
import { invariant } from '../core/errors.ts';

/**
 * Per-trajectory state that persists between step chunks: the map's state and
 * the streaming analysis of `src/core/analysis.ts` (same rules, float32).
 * Every field is a 4-byte scalar, so the struct has no padding.
 */
export const TrajectoryState = d.struct({
  /** P̂ of the last observed state. */
  pHat: d.f32,
  /** Q̂ of the last observed state. */
  qHat: d.f32,
  /** Dimensionless target ỹ = η|x|y/m. */
  yTilde: d.f32,
  /** Scale of the convergence test, set at step 0: |ỹ|, else |u₀|, else 1. */
  uScale: d.f32,
  /** Index of the next state to observe (0 before the first chunk). */
  nextStep: d.u32,
  /** Bit flags: FLAG_DIVERGED, FLAG_INVALID, FLAG_SUPERSTABLE. */
  flags: d.u32,
  /** P̂ + Q̂ = ηλ₀/2 at step 0. */
  initialSum: d.f32,
  /** u² at step 0. */
  initialU2: d.f32,
  /** Maximum of u² so far. */
  peakU2: d.f32,
  /** First step of the current run of converged states, or −1. */
  convergedRunStart: d.i32,
  /** Step of divergence, or −1. */
  divergenceStep: d.i32,
  /** Late-window minimum of ηλ_H/2. */
  lateMin: d.f32,
  /** Late-window maximum of ηλ_H/2. */
  lateMax: d.f32,
  /** Lyapunov tangent vector, first component, renormalized only when it leaves [2⁻⁴⁰, 2⁴⁰]. */
  tangentP: d.f32,
  /** Lyapunov tangent vector, second component. */
  tangentQ: d.f32,
  /** Logarithms banked at renormalizations of the tangent vector during the late window. */
  logSum: d.f32,
  /** Number of counted steps (Jacobians) in the late window. */
  logCount: d.u32,
  /** Period detector reference state P̂_r. */
  referenceP: d.f32,
  /** Period detector reference state Q̂_r. */
  referenceQ: d.f32,
  /** First returns, candidates 1 … 32 (bit k−1). */
  firstReturnsLow: d.u32,
  /** First returns, candidates 33 … 64. */
  firstReturnsHigh: d.u32,
  /** Confirmed second returns, candidates 1 … 32. */
  secondReturnsLow: d.u32,
  /** Confirmed second returns, candidates 33 … 64. */
  secondReturnsHigh: d.u32,
});

/** Number of 4-byte fields of {@link TrajectoryState}. */
export const TRAJECTORY_STATE_WORDS = 23;
invariant(d.sizeOf(TrajectoryState) === TRAJECTORY_STATE_WORDS * 4, 'TrajectoryState must be 23 packed 4-byte fields');

/** Word offsets of the fields that the host writes when it initializes a tile. */
export const STATE_WORD = {
  pHat: 0,
  qHat: 1,
  yTilde: 2,
  nextStep: 4,
  flags: 5,
  convergedRunStart: 9,
  divergenceStep: 10,
  lateMin: 11,
  lateMax: 12,
  tangentP: 13,
  tangentQ: 14,
} as const;

/** Flag: the trajectory diverged and is no longer advanced. */
export const FLAG_DIVERGED = 1;
/** Flag: the pixel has no valid trajectory. */
export const FLAG_INVALID = 2;
/** Flag: a tangent vector collapsed to zero during the late window (exponent −∞). */
export const FLAG_SUPERSTABLE = 4;

/** Uniform parameters of one step chunk. */
export const StepParams = d.struct({
  /** Trajectories in the tile. */
  trajectoryCount: d.u32,
  /** Invocations per row of the 2D dispatch: workgroups along x × workgroup size. */
  rowStride: d.u32,
  /** Observe states up to this index (inclusive) in this chunk. */
  lastStep: d.u32,
  /** T, the number of steps of every trajectory. */
  totalSteps: d.u32,
  /** First state of the late window: T − ⌊T/2⌋. */
  lateStart: d.u32,
  /** First state whose Jacobian turns the Lyapunov tangent vector. */
  tangentStart: d.u32,
  /** Step of the period reference state: T − 128, when hasPeriodReference is 1. */
  periodReference: d.u32,
  /** 1 when T ≥ 128, so period detection runs. */
  hasPeriodReference: d.u32,
  /** Consecutive converged states needed at the end. */
  convergenceWindow: d.u32,
  periodTolerance: d.f32,
  convergenceTolerance: d.f32,
  divergenceBound: d.f32,
  chaosThreshold: d.f32,
});

/** Uniform parameters of the per-pixel reduction. */
export const ReduceParams = d.struct({
  /** Pixels in the tile. */
  pixelCount: d.u32,
  /** Samples per pixel; trajectory p·samples + k is sample k of pixel p. */
  samples: d.u32,
  /** Invocations per row of the 2D dispatch. */
  rowStride: d.u32,
  totalSteps: d.u32,
  convergenceWindow: d.u32,
  chaosThreshold: d.f32,
  /** Fewest counted steps for the exponent to make a run chaotic or a stable cycle. */
  minLyapunovSteps: d.u32,
  /** 0x7fc00000, the bits of a quiet NaN. */
  nanBits: d.u32,
  /** 0x7f800000, the bits of +∞. */
  infinityBits: d.u32,
});
