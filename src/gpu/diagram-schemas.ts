/**
 * TypeGPU schemas of the bifurcation-diagram kernel's buffers. The WGSL
 * struct declarations are generated from them, like those of the trajectory
 * kernels in schemas.ts.
 */
import * as d from 'typegpu/data';
import { invariant } from '../core/errors.ts';

/** State of one diagram trajectory between step chunks. */
export const DiagramState = d.struct({
  pHat: d.f32,
  qHat: d.f32,
  /** Dimensionless target ỹ = η|x|y/m. */
  yTilde: d.f32,
  /** m/(η|x|): the residual is Δf = u · residualScale. */
  residualScale: d.f32,
  /** Column of the density image that the trajectory counts into. */
  column: d.u32,
  /** DIAGRAM_FLAG_DIVERGED and DIAGRAM_FLAG_INVALID bits. */
  flags: d.u32,
});

/** Number of 4-byte fields of {@link DiagramState}. */
export const DIAGRAM_STATE_WORDS = 6;
invariant(d.sizeOf(DiagramState) === DIAGRAM_STATE_WORDS * 4, 'DiagramState must be 6 packed 4-byte fields');

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
  /** 1 when the vertical range is logarithmic; `rangeMin` and `rangeMax` are then natural logarithms. */
  logScale: d.u32,
  rangeMin: d.f32,
  rangeMax: d.f32,
  /** Bound on ηλ/2 = P̂ + Q̂ above which a trajectory has diverged. */
  divergenceBound: d.f32,
});
