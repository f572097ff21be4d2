// Bifurcation-diagram density: one invocation advances one trajectory of the
// map P̂ ← P̂(1 − u)², Q̂ ← Q̂(1 + u)², u = P̂ − Q̂ − ỹ, and from state
// `transient` on adds 1 to the density cell (row of the quantity, column of the
// trajectory) with an atomic, because the trajectories of one column and the
// steps of a periodic orbit hit the same cells. accumulateDiagram in
// src/core/bifurcation-diagram.ts is the float64 reference of every rule here.
// DiagramState and DiagramParams come from src/gpu/diagram-schemas.ts;
// uv-common.wgsl is prepended.

@group(0) @binding(0) var<uniform> params: DiagramParams;
@group(0) @binding(1) var<storage, read_write> states: array<DiagramState>;
// columns × rows counts, row 0 at the top, then one divergence count per column.
@group(0) @binding(2) var<storage, read_write> density: array<atomic<u32>>;

const FLAG_DIVERGED: u32 = 1u;
const FLAG_INVALID: u32 = 2u;

// Returns the quantity of DIAGRAM_QUANTITY_CODES `code` at a state.
fn quantityValue(code: u32, pHat: f32, qHat: f32, yTilde: f32, residualScale: f32) -> f32 {
  switch (code) {
    case 0u: {
      return 0.5 * hessianSharpnessHat(pHat, qHat, yTilde);
    }
    case 1u: {
      return pHat + qHat;
    }
    case 2u: {
      return (pHat - qHat - yTilde) * residualScale;
    }
    default: {
      let residual = (pHat - qHat - yTilde) * residualScale;
      return 0.5 * residual * residual;
    }
  }
}

// Returns the row of `value` (0 at the top), or −1 outside the range: band
// ⌊t·rows⌋ from the bottom, t the position of the value (or its logarithm).
fn rowOf(value: f32) -> i32 {
  var position = value;
  if (params.logScale == 1u) {
    if (!(value > 0.0)) {
      return -1;
    }
    position = log(value);
  }
  let t = (position - params.rangeMin) / (params.rangeMax - params.rangeMin);
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
  var pHat = s.pHat;
  var qHat = s.qHat;
  let yTilde = s.yTilde;
  for (var i = 0u; i < params.steps; i++) {
    let sum = pHat + qHat;
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
    let u = pHat - qHat - yTilde;
    let down = 1.0 - u;
    let up = 1.0 + u;
    pHat = pHat * down * down;
    qHat = qHat * up * up;
  }
  s.pHat = pHat;
  s.qHat = qHat;
  states[index] = s;
}
