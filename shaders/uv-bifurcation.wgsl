// Bifurcation-diagram density: one invocation advances one trajectory of the
// map P̂ ← P̂(1 − u)², Q̂ ← Q̂(1 + u)², u = P̂ − Q̂ − ỹ, and from state
// `transient` on adds 1 to the density cell (row of the quantity, column of the
// trajectory) with an atomic, because the trajectories of one column and the
// steps of a periodic orbit hit the same cells. accumulateDiagram in
// src/core/bifurcation-diagram.ts is the float64 reference of every rule here.
//
// The map state has the type Real: real-f32.wgsl (f32) or df64.wgsl with
// real-df64.wgsl (a df64 pair) comes first, then uv-common.wgsl. DiagramState
// and DiagramParams come from src/gpu/diagram-schemas.ts. In the df64 kernel
// ηλ/2, Δf and L are computed in df64 up to the subtraction of the range's
// min, so a zoomed vertical range stays resolved. ηλ_H/2 (a square root) and
// logarithmic ranges use f32 values of the df64 state.

@group(0) @binding(0) var<uniform> params: DiagramParams;
@group(0) @binding(1) var<storage, read_write> states: array<DiagramState>;
// columns × rows counts, row 0 at the top, then one divergence count per column.
@group(0) @binding(2) var<storage, read_write> density: array<atomic<u32>>;

const FLAG_DIVERGED: u32 = 1u;
const FLAG_INVALID: u32 = 2u;

// Returns the quantity of DIAGRAM_QUANTITY_CODES `code` at a state.
fn quantityValue(code: u32, pHat: Real, qHat: Real, yTilde: Real, residualScale: f32) -> Real {
  switch (code) {
    case 0u: {
      return realFromF32(0.5 * hessianSharpnessHat(realToF32(pHat), realToF32(qHat), realToF32(yTilde)));
    }
    case 1u: {
      return realAdd(pHat, qHat);
    }
    case 2u: {
      return realMul(realSub(realSub(pHat, qHat), yTilde), realFromF32(residualScale));
    }
    default: {
      let residual = realMul(realSub(realSub(pHat, qHat), yTilde), realFromF32(residualScale));
      return realMul(realFromF32(0.5), realMul(residual, residual));
    }
  }
}

// Returns the row of `value` (0 at the top), or −1 outside the range: band
// ⌊t·rows⌋ from the bottom, t the position of the value (or its logarithm).
fn rowOf(value: Real) -> i32 {
  var offset: f32;
  if (params.logScale == 1u) {
    let single = realToF32(value);
    if (!(single > 0.0)) {
      return -1;
    }
    offset = log(single) - params.rangeMin;
  } else {
    // In df64 the subtraction keeps the digits that a narrow range needs.
    offset = realToF32(realSub(value, realAdd(realFromF32(params.rangeMin), realFromF32(params.rangeMinLow))));
  }
  let t = offset / params.rangeSpan;
  let band = floor(t * f32(params.rows));
  // The comparison also rejects a NaN band.
  if (!(band >= 0.0 && band < f32(params.rows))) {
    return -1;
  }
  return i32(params.rows) - 1 - i32(band);
}

@compute @workgroup_size(64)
fn accumulate(@builtin(global_invocation_id) id: vec3u) {
  let index = id.x + id.y * params.rowStride;
  if (index >= params.trajectoryCount) {
    return;
  }
  var s = states[index];
  if ((s.flags & (FLAG_DIVERGED | FLAG_INVALID)) != 0u) {
    return;
  }
  realSetOpaqueZero(params.opaqueZero);
  var pHat = s.pHat;
  var qHat = s.qHat;
  let yTilde = s.yTilde;
  let one = realFromF32(1.0);
  for (var i = 0u; i < params.steps; i++) {
    let sum = realToF32(realAdd(pHat, qHat));
    if (!isFiniteBits(sum) || sum > params.divergenceBound) {
      s.flags = s.flags | FLAG_DIVERGED;
      atomicAdd(&density[params.columns * params.rows + s.column], 1u);
      break;
    }
    if (params.firstStep + i >= params.transient) {
      let row = rowOf(quantityValue(params.quantity, pHat, qHat, yTilde, s.residualScale));
      if (row >= 0) {
        atomicAdd(&density[u32(row) * params.columns + s.column], 1u);
      }
    }
    let u = realSub(realSub(pHat, qHat), yTilde);
    let down = realSub(one, u);
    let up = realAdd(one, u);
    pHat = realMul(realMul(pHat, down), down);
    qHat = realMul(realMul(qHat, up), up);
  }
  s.pHat = pHat;
  s.qHat = qHat;
  states[index] = s;
}
