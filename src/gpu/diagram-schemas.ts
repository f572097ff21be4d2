/**
 * TypeGPU schemas of the bifurcation-diagram kernel's buffers. The WGSL
 * struct declarations are generated from them, like those of the trajectory
 * kernels in schemas.ts.
 */
import * as d from 'typegpu/data';
import { invariant } from '../core/errors.ts';

/**
 * State of one diagram trajectory between step chunks. `real` is the type of the
 * map state: f32 in the float32 kernel, vec2f (a df64 pair, hi then lo) in the df64 one.
 */
function diagramStateSchema<Real extends d.F32 | d.Vec2f>(real: Real) {
  return d.struct({
    pHat: real,
    qHat: real,
    /** Dimensionless target ỹ = η|x|y/m. */
    yTilde: real,
    /** m/(η|x|): the residual is Δf = u · residualScale. */
    residualScale: d.f32,
    /** Column of the density image that the trajectory counts into. */
    column: d.u32,
    /** DIAGRAM_FLAG_DIVERGED and DIAGRAM_FLAG_INVALID bits. */
    flags: d.u32,
  });
}

/** State of the float32 kernel: six 4-byte fields, no padding. */
export const DiagramState = diagramStateSchema(d.f32);
/** State of the df64 kernel: three pairs and three 4-byte fields, padded to 40 bytes for the pairs' 8-byte alignment. */
export const DiagramStateDf64 = diagramStateSchema(d.vec2f);

/** Word offsets of a diagram state's fields; a df64 field's lo word follows its hi word. */
export interface DiagramStateLayout {
  words: number;
  pHat: number;
  qHat: number;
  yTilde: number;
  residualScale: number;
  column: number;
  flags: number;
}

/** Layout of {@link DiagramState}. */
export const DIAGRAM_STATE_LAYOUT: DiagramStateLayout = { words: 6, pHat: 0, qHat: 1, yTilde: 2, residualScale: 3, column: 4, flags: 5 };
/** Layout of {@link DiagramStateDf64}. */
export const DIAGRAM_STATE_DF64_LAYOUT: DiagramStateLayout = { words: 10, pHat: 0, qHat: 2, yTilde: 4, residualScale: 6, column: 7, flags: 8 };
invariant(d.sizeOf(DiagramState) === DIAGRAM_STATE_LAYOUT.words * 4, 'DiagramState must be 6 packed 4-byte fields');
invariant(d.sizeOf(DiagramStateDf64) === DIAGRAM_STATE_DF64_LAYOUT.words * 4, 'DiagramStateDf64 must take 40 bytes');

/** Flag: the trajectory diverged and is no longer advanced. */
export const DIAGRAM_FLAG_DIVERGED = 1;
/** Flag: the trajectory's parameters are invalid; it records nothing. */
export const DIAGRAM_FLAG_INVALID = 2;

/** Uniform parameters of one step chunk. */
export const DiagramParams = d.struct({
  /** Trajectories in the tile. */
  trajectoryCount: d.u32,
  /** Invocations per row of the 2D dispatch: workgroups along x × workgroup size. */
  rowStride: d.u32,
  /** Index of the state that the chunk observes first. */
  firstStep: d.u32,
  /** States observed (and steps advanced) in this chunk. */
  steps: d.u32,
  /** States before this index are not recorded. */
  transient: d.u32,
  columns: d.u32,
  rows: d.u32,
  /** DIAGRAM_QUANTITY_CODES of the quantity. */
  quantity: d.u32,
  /** 1 when the vertical range is logarithmic; `rangeMin` and `rangeSpan` are then in natural logarithms. */
  logScale: d.u32,
  rangeMin: d.f32,
  /** rangeMax − rangeMin, computed in float64: the difference of the f32 ends loses the digits of a narrow range. */
  rangeSpan: d.f32,
  /** Bound on ηλ/2 = P̂ + Q̂ above which a trajectory has diverged. */
  divergenceBound: d.f32,
  /** rangeMin − f32(rangeMin): the df64 kernel subtracts rangeMin as a pair; the float32 kernel ignores it. */
  rangeMinLow: d.f32,
  /** 0, read at run time for the df64 compiler guard (see shaders/df64.wgsl). */
  opaqueZero: d.u32,
});
