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
 * `real` is the type of the map state P̂, Q̂, ỹ and of the period reference:
 * f32 in the float32 kernel, vec2f (a df64 pair, hi then lo) in the df64 one.
 * The analysis fields stay f32 in both (docs/precision.md gives the reason). In this
 * field order neither variant needs padding.
 */
function trajectoryStateSchema<Real extends d.F32 | d.Vec2f>(real: Real) {
  return d.struct({
    /** P̂ of the last observed state. */
    pHat: real,
    /** Q̂ of the last observed state. */
    qHat: real,
    /** Dimensionless target ỹ = η|x|y/m. */
    yTilde: real,
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
    referenceP: real,
    /** Period detector reference state Q̂_r. */
    referenceQ: real,
    /** P̂ of the state before the last observed one, for the kernel's period-2 test. */
    previousP: real,
    /** Q̂ of the state before the last observed one. */
    previousQ: real,
    /** First returns, candidates 1 … 32 (bit k−1). */
    firstReturnsLow: d.u32,
    /** First returns, candidates 33 … 64. */
    firstReturnsHigh: d.u32,
    /** Confirmed second returns, candidates 1 … 32. */
    secondReturnsLow: d.u32,
    /** Confirmed second returns, candidates 33 … 64. */
    secondReturnsHigh: d.u32,
  });
}

/** Trajectory state of the float32 kernel. */
export const TrajectoryState = trajectoryStateSchema(d.f32);
/** Trajectory state of the df64 kernel. */
export const TrajectoryStateDf64 = trajectoryStateSchema(d.vec2f);

/** Number of 4-byte fields of {@link TrajectoryState}. */
export const TRAJECTORY_STATE_WORDS = 25;
invariant(d.sizeOf(TrajectoryState) === TRAJECTORY_STATE_WORDS * 4, 'TrajectoryState must be 25 packed 4-byte fields');
/** Number of 4-byte words of {@link TrajectoryStateDf64}: seven df64 pairs and 18 other fields. */
export const TRAJECTORY_STATE_DF64_WORDS = 32;
invariant(d.sizeOf(TrajectoryStateDf64) === TRAJECTORY_STATE_DF64_WORDS * 4, 'TrajectoryStateDf64 must be 32 words without padding');

/**
 * Start of one trajectory as the host uploads it: the kernel's `initialize` entry
 * point expands it into a full {@link TrajectoryState} on the device. `real` is
 * f32 or vec2f (a df64 pair, hi then lo) as in the state.
 */
function trajectoryStartSchema<Real extends d.F32 | d.Vec2f>(real: Real) {
  return d.struct({
    pHat: real,
    qHat: real,
    yTilde: real,
    /** 0, or FLAG_INVALID for a pixel without a valid trajectory. */
    flags: d.u32,
  });
}

/** Start record of the float32 kernel: four words. */
export const TrajectoryStartRecord = trajectoryStartSchema(d.f32);
/** Start record of the df64 kernel: three pairs and the flags, padded to eight words (vec2f aligns to 8 bytes). */
export const TrajectoryStartRecordDf64 = trajectoryStartSchema(d.vec2f);

/** Word offsets in a start record; a df64 field's lo follows its hi. */
export interface StartWordOffsets {
  pHat: number;
  qHat: number;
  yTilde: number;
  flags: number;
  /** 4-byte words per record, padding included. */
  words: number;
}

function startWordOffsets(schema: typeof TrajectoryStartRecord | typeof TrajectoryStartRecordDf64): StartWordOffsets {
  const word = (accessor: (start: d.Infer<typeof schema>) => unknown) => d.memoryLayoutOf(schema, accessor).offset / 4;
  return {
    pHat: word((start) => start.pHat),
    qHat: word((start) => start.qHat),
    yTilde: word((start) => start.yTilde),
    flags: word((start) => start.flags),
    words: d.sizeOf(schema) / 4,
  };
}

/** Word offsets in {@link TrajectoryStartRecord}. */
export const START_WORD: StartWordOffsets = startWordOffsets(TrajectoryStartRecord);
/** Word offsets in {@link TrajectoryStartRecordDf64}. */
export const START_WORD_DF64: StartWordOffsets = startWordOffsets(TrajectoryStartRecordDf64);

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
  /** 0, which the df64 kernel reads at run time to guard its arithmetic (shaders/df64.wgsl). */
  opaqueZero: d.u32,
  /** Bits of +∞, which `initialize` writes as the empty late minimum (WGSL constants cannot be infinite). */
  infinityBits: d.u32,
  /** Unit tangent vector that `initialize` writes (TANGENT_START in src/core/analysis.ts), first component. */
  tangentStartP: d.f32,
  /** Second component of the initial tangent vector. */
  tangentStartQ: d.f32,
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
