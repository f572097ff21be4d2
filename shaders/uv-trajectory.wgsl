// Gradient descent on the UV model, one trajectory per invocation, in the
// dimensionless variables of docs/science.md: with u = P̂ − Q̂ − ỹ,
//   P̂ ← P̂(1 − u)²,   Q̂ ← Q̂(1 + u)²,   ηλ = 2(P̂ + Q̂).
// The analysis mirrors TrajectoryAnalyzer in src/core/analysis.ts line by line,
// in float32. TrajectoryState and StepParams are generated from the TypeGPU
// schemas in src/gpu/schemas.ts and prepended to this file.
//
// One source serves both precisions. The map state P̂, Q̂, ỹ and the period
// reference have the type Real, and the map goes through realAdd, realSub and
// realMul. real-f32.wgsl (Real = f32) or real-df64.wgsl (Real = a df64 pair)
// comes before this file. The analysis reads f32 values of the state
// (realToF32) and stays in f32 in both kernels (docs/precision.md gives the reason).

@group(0) @binding(0) var<uniform> params: StepParams;
@group(0) @binding(1) var<storage, read_write> states: array<TrajectoryState>;
// Read only by `initialize`. `advance` does not use it, so its pipeline layout leaves it out.
@group(0) @binding(2) var<storage, read> starts: array<TrajectoryStart>;

const FLAG_DIVERGED: u32 = 1u;
const FLAG_INVALID: u32 = 2u;
const FLAG_SUPERSTABLE: u32 = 4u;
const MAX_PERIOD: u32 = 64u;
const TANGENT_HIGH: f32 = 1099511627776.0; // 2⁴⁰
const TANGENT_LOW: f32 = 9.094947e-13; // 2⁻⁴⁰

// Finiteness from the bit pattern: WGSL lets a compiler assume that no value is
// NaN or infinite, so comparisons such as x != x may be folded away.
fn isFiniteBits(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// ηλ_H = max(½[ηλ + √((ηλ)² + 4u(2w + u))], |u|), with u = w − ỹ from the caller,
// because the df64 kernel computes it before rounding to f32.
fn hessianSharpnessHat(pHat: f32, qHat: f32, u: f32) -> f32 {
  let etaLambda = 2.0 * (pHat + qHat);
  let w = pHat - qHat;
  let discriminant = etaLambda * etaLambda + 4.0 * u * (2.0 * w + u);
  return max(0.5 * (etaLambda + sqrt(max(0.0, discriminant))), abs(u));
}

// Candidate k (1 … 64) is bit k − 1 of the 64-bit mask (x: candidates 1 … 32, y: 33 … 64).
fn withBit(mask: vec2u, k: u32) -> vec2u {
  if (k <= 32u) {
    return vec2u(mask.x | (1u << (k - 1u)), mask.y);
  }
  return vec2u(mask.x, mask.y | (1u << (k - 33u)));
}

fn hasBit(mask: vec2u, k: u32) -> bool {
  if (k <= 32u) {
    return (mask.x & (1u << (k - 1u))) != 0u;
  }
  return (mask.y & (1u << (k - 33u))) != 0u;
}

// The running values of one trajectory, kept in registers during a chunk.
struct Running {
  pHat: Real,
  qHat: Real,
  yTilde: Real,
  uScale: f32,
  flags: u32,
  initialSum: f32,
  initialU2: f32,
  peakU2: f32,
  runStart: i32,
  divergenceStep: i32,
  lateMin: f32,
  lateMax: f32,
  tangentP: f32,
  tangentQ: f32,
  logSum: f32,
  logCount: u32,
  referenceP: Real,
  referenceQ: Real,
  first: vec2u,
  second: vec2u,
}

// Observes state t: advances the map (t > 0) and applies every analysis rule.
// `tangent`, `late` and `period` say whether t is in the Lyapunov burn-in or
// later, in the late window, and in the period detector's window. The fast
// paths pass constants, so after inlining each loop keeps only the code its
// window needs. Returns false when the trajectory diverged at t.
fn observe(r: ptr<function, Running>, t: u32, tangent: bool, late: bool, period: bool) -> bool {
  var realP = (*r).pHat;
  var realQ = (*r).qHat;
  let realY = (*r).yTilde;
  if (t > 0u) {
    let u = realSub(realSub(realP, realQ), realY);
    let down = realSub(realFromF32(1.0), u);
    let up = realAdd(realFromF32(1.0), u);
    realP = realMul(realMul(realP, down), down);
    realQ = realMul(realMul(realQ, up), up);
  }

  // Divergence: not finite, or ηλ/2 above the bound. The stored state stays the last finite one.
  let sum = realToF32(realAdd(realP, realQ));
  if (!isFiniteBits(sum) || sum > params.divergenceBound) {
    (*r).flags = (*r).flags | FLAG_DIVERGED;
    (*r).divergenceStep = i32(t);
    return false;
  }
  (*r).pHat = realP;
  (*r).qHat = realQ;

  // The analysis runs on f32 values. u is rounded only after the cancellation in P̂ − Q̂ − ỹ.
  let pHat = realToF32(realP);
  let qHat = realToF32(realQ);
  let yTilde = realToF32(realY);
  let u = realToF32(realSub(realSub(realP, realQ), realY));
  let u2 = u * u;
  if (t == 0u) {
    (*r).initialSum = sum;
    (*r).initialU2 = u2;
    if (yTilde != 0.0) {
      (*r).uScale = abs(yTilde);
    } else if (abs(u) > 0.0) {
      (*r).uScale = abs(u);
    } else {
      (*r).uScale = 1.0;
    }
  }
  (*r).peakU2 = max((*r).peakU2, u2);

  if (abs(u) <= params.convergenceTolerance * (*r).uScale) {
    if ((*r).runStart < 0) {
      (*r).runStart = i32(t);
    }
  } else {
    (*r).runStart = -1;
  }

  if (late) {
    let halfSharpness = 0.5 * hessianSharpnessHat(pHat, qHat, u);
    (*r).lateMin = min((*r).lateMin, halfSharpness);
    (*r).lateMax = max((*r).lateMax, halfSharpness);
  }

  if (tangent && t < params.totalSteps) {
    // Tangent vector ← J · tangent. Only late-window growth counts: the first counted
    // step starts from a unit vector. The vector is renormalized, and its logarithm
    // banked, only when a component leaves [2⁻⁴⁰, 2⁴⁰] (LyapunovEstimator does the same).
    var tangentP = (*r).tangentP;
    var tangentQ = (*r).tangentQ;
    if (late && (*r).logCount == 0u) {
      let norm = sqrt(tangentP * tangentP + tangentQ * tangentQ);
      tangentP = tangentP / norm;
      tangentQ = tangentQ / norm;
    }
    let down = 1.0 - u;
    let up = 1.0 + u;
    let x = (down * down - 2.0 * pHat * down) * tangentP + (2.0 * pHat * down) * tangentQ;
    let y = (2.0 * qHat * up) * tangentP + (up * up - 2.0 * qHat * up) * tangentQ;
    tangentP = x;
    tangentQ = y;
    if (late) {
      (*r).logCount = (*r).logCount + 1u;
    }
    let largest = max(abs(x), abs(y));
    if (largest == 0.0) {
      if (late) {
        (*r).flags = (*r).flags | FLAG_SUPERSTABLE;
      }
      tangentP = 0.6;
      tangentQ = 0.8;
    } else if (largest > TANGENT_HIGH || largest < TANGENT_LOW) {
      let norm = sqrt(x * x + y * y);
      if (late) {
        (*r).logSum = (*r).logSum + log(norm);
      }
      tangentP = x / norm;
      tangentQ = y / norm;
    }
    (*r).tangentP = tangentP;
    (*r).tangentQ = tangentQ;
  }

  if (period) {
    if (t == params.periodReference) {
      (*r).referenceP = realP;
      (*r).referenceQ = realQ;
      (*r).first = vec2u(0u);
      (*r).second = vec2u(0u);
    } else {
      let j = t - params.periodReference;
      let distance = abs(realToF32(realSub(realP, (*r).referenceP))) + abs(realToF32(realSub(realQ, (*r).referenceQ)));
      let scale = abs(realToF32((*r).referenceP)) + abs(realToF32((*r).referenceQ));
      if (distance <= params.periodTolerance * scale) {
        if (j <= MAX_PERIOD) {
          (*r).first = withBit((*r).first, j);
        }
        if (j % 2u == 0u && hasBit((*r).first, j / 2u)) {
          (*r).second = withBit((*r).second, j / 2u);
        }
      }
    }
  }
  return true;
}

// Expands each uploaded start into the state before step 0: the host sends 16 bytes
// per trajectory (32 in df64) instead of the whole state. Fields not set here start
// at zero, as in TrajectoryAnalyzer.
@compute @workgroup_size(64)
fn initialize(@builtin(global_invocation_id) id: vec3u) {
  let index = id.y * params.rowStride + id.x;
  if (index >= params.trajectoryCount) {
    return;
  }
  let start = starts[index];
  var s: TrajectoryState;
  s.pHat = start.pHat;
  s.qHat = start.qHat;
  s.yTilde = start.yTilde;
  s.flags = start.flags;
  s.nextStep = 0u;
  s.convergedRunStart = -1;
  s.divergenceStep = -1;
  s.lateMin = bitcast<f32>(params.infinityBits);
  s.lateMax = -bitcast<f32>(params.infinityBits);
  s.tangentP = params.tangentStartP;
  s.tangentQ = params.tangentStartQ;
  states[index] = s;
}

@compute @workgroup_size(64)
fn advance(@builtin(global_invocation_id) id: vec3u) {
  let index = id.y * params.rowStride + id.x;
  if (index >= params.trajectoryCount) {
    return;
  }
  realSetOpaqueZero(params.opaqueZero);
  var s = states[index];
  if ((s.flags & (FLAG_DIVERGED | FLAG_INVALID)) != 0u) {
    return;
  }
  var r = Running(
    s.pHat, s.qHat, s.yTilde, s.uScale, s.flags, s.initialSum, s.initialU2, s.peakU2,
    s.convergedRunStart, s.divergenceStep, s.lateMin, s.lateMax, s.tangentP, s.tangentQ,
    s.logSum, s.logCount, s.referenceP, s.referenceQ,
    vec2u(s.firstReturnsLow, s.firstReturnsHigh), vec2u(s.secondReturnsLow, s.secondReturnsHigh),
  );

  // The run splits into windows where each rule is on or off for every step: tangent
  // burn-in from tangentStart, late window from lateStart, period detection from
  // periodReference (through totalSteps = periodReference + 128). When they come in that
  // order (runs of 256 steps or more) each window gets its own loop, which runs only
  // the rules it needs; a CPU driver otherwise executes every branch under a mask.
  // The first three loops take four steps per iteration while four remain in the
  // window, which saves loop tests (6–10% on lavapipe, BENCHMARKS.md); each ends
  // with a one-step loop for the rest. A trajectory that diverges inside an
  // iteration skips its remaining observations, and its nextStep is never read again.
  let last = min(params.lastStep, params.totalSteps);
  let tangentFrom = params.tangentStart;
  let lateFrom = params.lateStart;
  let periodFrom = select(params.totalSteps + 1u, params.periodReference, params.hasPeriodReference == 1u);
  var t = s.nextStep;
  var alive = true;
  if (tangentFrom <= lateFrom && lateFrom <= periodFrom) {
    loop {
      if (!alive || t + 3u > last || t + 3u >= tangentFrom) {
        break;
      }
      alive = observe(&r, t, false, false, false);
      if (alive) {
        alive = observe(&r, t + 1u, false, false, false);
      }
      if (alive) {
        alive = observe(&r, t + 2u, false, false, false);
      }
      if (alive) {
        alive = observe(&r, t + 3u, false, false, false);
      }
      t = t + 4u;
    }
    loop {
      if (!alive || t > last || t >= tangentFrom) {
        break;
      }
      alive = observe(&r, t, false, false, false);
      t = t + 1u;
    }
    loop {
      if (!alive || t + 3u > last || t + 3u >= lateFrom) {
        break;
      }
      alive = observe(&r, t, true, false, false);
      if (alive) {
        alive = observe(&r, t + 1u, true, false, false);
      }
      if (alive) {
        alive = observe(&r, t + 2u, true, false, false);
      }
      if (alive) {
        alive = observe(&r, t + 3u, true, false, false);
      }
      t = t + 4u;
    }
    loop {
      if (!alive || t > last || t >= lateFrom) {
        break;
      }
      alive = observe(&r, t, true, false, false);
      t = t + 1u;
    }
    loop {
      if (!alive || t + 3u > last || t + 3u >= periodFrom) {
        break;
      }
      alive = observe(&r, t, true, true, false);
      if (alive) {
        alive = observe(&r, t + 1u, true, true, false);
      }
      if (alive) {
        alive = observe(&r, t + 2u, true, true, false);
      }
      if (alive) {
        alive = observe(&r, t + 3u, true, true, false);
      }
      t = t + 4u;
    }
    loop {
      if (!alive || t > last || t >= periodFrom) {
        break;
      }
      alive = observe(&r, t, true, true, false);
      t = t + 1u;
    }
    loop {
      if (!alive || t > last) {
        break;
      }
      alive = observe(&r, t, true, true, true);
      t = t + 1u;
    }
  } else {
    loop {
      if (!alive || t > last) {
        break;
      }
      alive = observe(&r, t, t >= tangentFrom, t >= lateFrom, t >= periodFrom);
      t = t + 1u;
    }
  }

  s.nextStep = t;
  s.pHat = r.pHat;
  s.qHat = r.qHat;
  s.uScale = r.uScale;
  s.flags = r.flags;
  s.initialSum = r.initialSum;
  s.initialU2 = r.initialU2;
  s.peakU2 = r.peakU2;
  s.convergedRunStart = r.runStart;
  s.divergenceStep = r.divergenceStep;
  s.lateMin = r.lateMin;
  s.lateMax = r.lateMax;
  s.tangentP = r.tangentP;
  s.tangentQ = r.tangentQ;
  s.logSum = r.logSum;
  s.logCount = r.logCount;
  s.referenceP = r.referenceP;
  s.referenceQ = r.referenceQ;
  s.firstReturnsLow = r.first.x;
  s.firstReturnsHigh = r.first.y;
  s.secondReturnsLow = r.second.x;
  s.secondReturnsHigh = r.second.y;
  states[index] = s;
}
