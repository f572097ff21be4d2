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
const STEP_DIVERGED: u32 = 0u;
const STEP_MOVED: u32 = 1u;
const STEP_FIXED: u32 = 2u;
const STEP_CYCLE: u32 = 3u;

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
  // The state before (pHat, qHat), for the period-2 test.
  previousP: Real,
  previousQ: Real,
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

// The tangent vector before a turn: only late-window growth counts, so the first
// counted step starts from a unit vector.
fn tangentBeforeTurn(r: ptr<function, Running>, late: bool) -> vec2f {
  var tangent = vec2f((*r).tangentP, (*r).tangentQ);
  if (late && (*r).logCount == 0u) {
    tangent = tangent / sqrt(tangent.x * tangent.x + tangent.y * tangent.y);
  }
  return tangent;
}

// Stores the turned tangent vector (x, y). It is renormalized, and its logarithm
// banked, only when a component leaves [2⁻⁴⁰, 2⁴⁰] (LyapunovEstimator does the
// same); a zero vector restarts from (0.6, 0.8) and, in the late window, marks the
// orbit superstable.
fn tangentAfterTurn(r: ptr<function, Running>, x: f32, y: f32, late: bool) {
  var tangentP = x;
  var tangentQ = y;
  if (late) {
    (*r).logCount = (*r).logCount + 1u;
  }
  let largest = max(abs(x), abs(y));
  // One test for the common case; zero is below TANGENT_LOW.
  if (!(largest <= TANGENT_HIGH && largest >= TANGENT_LOW)) {
    if (largest == 0.0) {
      if (late) {
        (*r).flags = (*r).flags | FLAG_SUPERSTABLE;
      }
      tangentP = 0.6;
      tangentQ = 0.8;
    } else {
      let norm = sqrt(x * x + y * y);
      if (late) {
        (*r).logSum = (*r).logSum + log(norm);
      }
      tangentP = x / norm;
      tangentQ = y / norm;
    }
  }
  (*r).tangentP = tangentP;
  (*r).tangentQ = tangentQ;
}

// Tangent vector ← J · tangent, with J = [[j11, j12], [j21, j22]] the Jacobian of one state.
fn turnTangent(r: ptr<function, Running>, j11: f32, j12: f32, j21: f32, j22: f32, late: bool) {
  let tangent = tangentBeforeTurn(r, late);
  tangentAfterTurn(r, j11 * tangent.x + j12 * tangent.y, j21 * tangent.x + j22 * tangent.y, late);
}

// Period detection at state t (t ≥ periodReference): state periodReference becomes
// the reference, and each later state close to it sets its candidate bits.
fn observePeriod(r: ptr<function, Running>, t: u32, realP: Real, realQ: Real) {
  if (t == params.periodReference) {
    (*r).referenceP = realP;
    (*r).referenceQ = realQ;
    (*r).first = vec2u(0u);
    (*r).second = vec2u(0u);
    return;
  }
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

// Observes state t: advances the map (t > 0) and applies every analysis rule.
// `tangent`, `late` and `period` say whether t is in the Lyapunov burn-in or
// later, in the late window, and in the period detector's window. The fast
// paths pass constants, so after inlining each loop keeps only the code its
// window needs. Returns STEP_DIVERGED when the trajectory diverged at t, STEP_FIXED
// when the step left P̂ and Q̂ bit for bit as they were, STEP_CYCLE when it brought
// them back bit for bit to state t − 2 (a cycle of period 2), and STEP_MOVED otherwise.
fn observe(r: ptr<function, Running>, t: u32, tangent: bool, late: bool, period: bool) -> u32 {
  var realP = (*r).pHat;
  var realQ = (*r).qHat;
  let realY = (*r).yTilde;
  var unchanged = false;
  var returned = false;
  if (t > 0u) {
    let u = realSub(realSub(realP, realQ), realY);
    let down = realSub(realFromF32(1.0), u);
    let up = realAdd(realFromF32(1.0), u);
    realP = realMul(realMul(realP, down), down);
    realQ = realMul(realMul(realQ, up), up);
    unchanged = realEqual(realP, (*r).pHat) && realEqual(realQ, (*r).qHat);
    returned = t >= 2u && realEqual(realP, (*r).previousP) && realEqual(realQ, (*r).previousQ);
  }

  // Divergence: not finite, or ηλ/2 above the bound. The stored state stays the last finite one.
  let sum = realToF32(realAdd(realP, realQ));
  if (!isFiniteBits(sum) || sum > params.divergenceBound) {
    (*r).flags = (*r).flags | FLAG_DIVERGED;
    (*r).divergenceStep = i32(t);
    return STEP_DIVERGED;
  }
  (*r).previousP = (*r).pHat;
  (*r).previousQ = (*r).qHat;
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
    // J · tangent with the entries of jacobianHat in src/core/analysis.ts, factored:
    // J = [[down(down − 2P̂), 2P̂·down], [2Q̂·up, up(up − 2Q̂)]] with down = 1 − u,
    // up = 1 + u, so with δ = tangent_Q − tangent_P the product is
    // (down(down·tangent_P + 2P̂δ), up(up·tangent_Q − 2Q̂δ)): 3% fewer driver cycles
    // per render on lavapipe than the four entries.
    let down = 1.0 - u;
    let up = 1.0 + u;
    let before = tangentBeforeTurn(r, late);
    let delta = before.y - before.x;
    tangentAfterTurn(r, down * (down * before.x + 2.0 * pHat * delta), up * (up * before.y - 2.0 * qHat * delta), late);
  }

  if (period) {
    observePeriod(r, t, realP, realQ);
  }
  if (unchanged) {
    return STEP_FIXED;
  }
  return select(STEP_MOVED, STEP_CYCLE, returned);
}

// Growth of a vector under the m-th power of a constant matrix M: the direction of
// Mᵐv and ln(|Mᵐv| / |v|).
struct Growth {
  direction: vec2f,
  logGrowth: f32,
}

// Mᵐv by repeated squaring: about 2 log₂ m products instead of m. Both the vector and
// the squared matrix are rescaled after every product, and the logarithms of the
// scales are summed, so neither overflows. M must be invertible, so that no product
// is zero.
fn powerGrowth(m: mat2x2f, v: vec2f, power: u32) -> Growth {
  // a = e^logScale · (the stored a) is M^(2^k) at bit k of the power.
  var a = m;
  var logScale = 0.0;
  var w = v / length(v);
  var logGrowth = 0.0;
  var k = power;
  loop {
    if ((k & 1u) != 0u) {
      let product = a * w;
      let norm = length(product);
      w = product / norm;
      logGrowth = logGrowth + logScale + log(norm);
    }
    k = k >> 1u;
    if (k == 0u) {
      break;
    }
    let b = a * a;
    let largest = max(max(abs(b[0].x), abs(b[0].y)), max(abs(b[1].x), abs(b[1].y)));
    a = mat2x2f(b[0] / largest, b[1] / largest);
    logScale = 2.0 * logScale + log(largest);
  }
  return Growth(w, logGrowth);
}

// The Jacobian of the map at a state (jacobianHat in src/core/analysis.ts), as a
// column-major matrix: [[j11, j12], [j21, j22]] is mat2x2f((j11, j21), (j12, j22)).
fn jacobianAt(pHat: f32, qHat: f32, u: f32) -> mat2x2f {
  let down = 1.0 - u;
  let up = 1.0 + u;
  return mat2x2f(down * down - 2.0 * pHat * down, 2.0 * qHat * up, 2.0 * pHat * down, up * up - 2.0 * qHat * up);
}

// Growth of v over `count` steps of a repeating orbit whose states alternate with
// Jacobians j0 (even steps from the orbit's start) and j1 (odd steps); `phase` is the
// parity of the first step. A fixed point has j0 = j1.
fn orbitGrowth(j0: mat2x2f, j1: mat2x2f, v: vec2f, phase: u32, count: u32) -> Growth {
  var w = v / length(v);
  var logGrowth = 0.0;
  var left = count;
  if (phase == 1u && left > 0u) {
    let single = powerGrowth(j1, w, 1u);
    w = single.direction;
    logGrowth = logGrowth + single.logGrowth;
    left = left - 1u;
  }
  if (left >= 2u) {
    let pairs = powerGrowth(j1 * j0, w, left / 2u);
    w = pairs.direction;
    logGrowth = logGrowth + pairs.logGrowth;
  }
  if (left % 2u == 1u) {
    let single = powerGrowth(j0, w, 1u);
    w = single.direction;
    logGrowth = logGrowth + single.logGrowth;
  }
  return Growth(w, logGrowth);
}

// Observes states first … last of a trajectory whose states repeat: state first is
// the stored previous state and state first + 1 the stored state, and the two
// alternate (they are equal at a fixed point). Every later state is known, so the
// rules need no further steps of the map:
// - the late range takes the values of ηλ_H/2 at the states in the late window;
// - the peak loss and divergence cannot change, and neither can the convergence
//   run unless exactly one of two alternating states passes the convergence test:
//   then the run restarts at every other step, and ends at `last` or not at all;
// - period detection runs on against the known states;
// - the tangent vector turns by the two Jacobians in turn, so its remaining burn-in
//   and late growth come from powers of their product (powerGrowth). They equal the
//   step-by-step products up to float32 rounding.
// A singular Jacobian, whose products can reach the zero vector that turnTangent()
// resets, is still applied step by step.
fn fastForward(r: ptr<function, Running>, first: u32, last: u32) {
  let evenP = (*r).previousP;
  let evenQ = (*r).previousQ;
  let oddP = (*r).pHat;
  let oddQ = (*r).qHat;
  let p0 = realToF32(evenP);
  let q0 = realToF32(evenQ);
  let u0 = realToF32(realSub(realSub(evenP, evenQ), (*r).yTilde));
  let p1 = realToF32(oddP);
  let q1 = realToF32(oddQ);
  let u1 = realToF32(realSub(realSub(oddP, oddQ), (*r).yTilde));

  let passes0 = abs(u0) <= params.convergenceTolerance * (*r).uScale;
  let passes1 = abs(u1) <= params.convergenceTolerance * (*r).uScale;
  if (first <= last && passes0 != passes1) {
    let lastPasses = select(passes1, passes0, (last - first) % 2u == 0u);
    (*r).runStart = select(-1, i32(last), lastPasses);
  }

  let lateFirst = max(first, params.lateStart);
  if (lateFirst <= last) {
    var halfSharpness = 0.5 * hessianSharpnessHat(p0, q0, u0);
    if ((lateFirst - first) % 2u == 1u) {
      halfSharpness = 0.5 * hessianSharpnessHat(p1, q1, u1);
    }
    (*r).lateMin = min((*r).lateMin, halfSharpness);
    (*r).lateMax = max((*r).lateMax, halfSharpness);
  }
  if (lateFirst + 1u <= last) {
    var halfSharpness = 0.5 * hessianSharpnessHat(p1, q1, u1);
    if ((lateFirst - first) % 2u == 1u) {
      halfSharpness = 0.5 * hessianSharpnessHat(p0, q0, u0);
    }
    (*r).lateMin = min((*r).lateMin, halfSharpness);
    (*r).lateMax = max((*r).lateMax, halfSharpness);
  }

  let j0 = jacobianAt(p0, q0, u0);
  let j1 = jacobianAt(p1, q1, u1);
  // Steps t with a tangent turn: tangentStart ≤ t < totalSteps, burn-in before lateStart.
  let tangentEnd = min(last + 1u, params.totalSteps);
  let burnFrom = max(first, params.tangentStart);
  let burnTo = min(tangentEnd, params.lateStart);
  let burnSteps = select(0u, burnTo - burnFrom, burnTo > burnFrom);
  let lateFrom = max(burnFrom, params.lateStart);
  let lateSteps = select(0u, tangentEnd - lateFrom, tangentEnd > lateFrom);
  if (determinant(j0) != 0.0 && determinant(j1) != 0.0) {
    var v = vec2f((*r).tangentP, (*r).tangentQ);
    if (burnSteps > 0u) {
      // Only the direction matters before the late window.
      v = orbitGrowth(j0, j1, v, (burnFrom - first) % 2u, burnSteps).direction;
    }
    if (lateSteps > 0u) {
      if ((*r).logCount == 0u) {
        v = v / length(v);
      }
      let growth = orbitGrowth(j0, j1, v, (lateFrom - first) % 2u, lateSteps);
      (*r).logSum = (*r).logSum + log(length(v)) + growth.logGrowth;
      (*r).logCount = (*r).logCount + lateSteps;
      v = growth.direction;
    }
    (*r).tangentP = v.x;
    (*r).tangentQ = v.y;
  } else {
    for (var t = burnFrom; t < burnTo; t = t + 1u) {
      var j = j0;
      if ((t - first) % 2u == 1u) {
        j = j1;
      }
      turnTangent(r, j[0].x, j[1].x, j[0].y, j[1].y, false);
    }
    for (var t = lateFrom; t < tangentEnd; t = t + 1u) {
      var j = j0;
      if ((t - first) % 2u == 1u) {
        j = j1;
      }
      turnTangent(r, j[0].x, j[1].x, j[0].y, j[1].y, true);
    }
  }

  if (params.hasPeriodReference == 1u) {
    for (var t = max(first, params.periodReference); t <= last; t = t + 1u) {
      if ((t - first) % 2u == 0u) {
        observePeriod(r, t, evenP, evenQ);
      } else {
        observePeriod(r, t, oddP, oddQ);
      }
    }
  }

  // The last state observed is state `last`; λ_final/λ₀ and the convergence test read it.
  if ((last - first) % 2u == 0u) {
    (*r).pHat = evenP;
    (*r).qHat = evenQ;
    (*r).previousP = oddP;
    (*r).previousQ = oddQ;
  }
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
    s.pHat, s.qHat, s.previousP, s.previousQ, s.yTilde, s.uScale, s.flags, s.initialSum, s.initialU2, s.peakU2,
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
  // A step that leaves the state unchanged also ends the loops: from such a fixed
  // point on, fastForward() does the rest of the run.
  let last = min(params.lastStep, params.totalSteps);
  let tangentFrom = params.tangentStart;
  let lateFrom = params.lateStart;
  let periodFrom = select(params.totalSteps + 1u, params.periodReference, params.hasPeriodReference == 1u);
  var t = s.nextStep;
  var status = STEP_MOVED;
  if (tangentFrom <= lateFrom && lateFrom <= periodFrom) {
    loop {
      if (status != STEP_MOVED || t + 3u > last || t + 3u >= tangentFrom) {
        break;
      }
      status = observe(&r, t, false, false, false);
      t = t + 1u;
      if (status == STEP_MOVED) {
        status = observe(&r, t, false, false, false);
        t = t + 1u;
      }
      if (status == STEP_MOVED) {
        status = observe(&r, t, false, false, false);
        t = t + 1u;
      }
      if (status == STEP_MOVED) {
        status = observe(&r, t, false, false, false);
        t = t + 1u;
      }
    }
    loop {
      if (status != STEP_MOVED || t > last || t >= tangentFrom) {
        break;
      }
      status = observe(&r, t, false, false, false);
      t = t + 1u;
    }
    loop {
      if (status != STEP_MOVED || t + 3u > last || t + 3u >= lateFrom) {
        break;
      }
      status = observe(&r, t, true, false, false);
      t = t + 1u;
      if (status == STEP_MOVED) {
        status = observe(&r, t, true, false, false);
        t = t + 1u;
      }
      if (status == STEP_MOVED) {
        status = observe(&r, t, true, false, false);
        t = t + 1u;
      }
      if (status == STEP_MOVED) {
        status = observe(&r, t, true, false, false);
        t = t + 1u;
      }
    }
    loop {
      if (status != STEP_MOVED || t > last || t >= lateFrom) {
        break;
      }
      status = observe(&r, t, true, false, false);
      t = t + 1u;
    }
    loop {
      if (status != STEP_MOVED || t + 3u > last || t + 3u >= periodFrom) {
        break;
      }
      status = observe(&r, t, true, true, false);
      t = t + 1u;
      if (status == STEP_MOVED) {
        status = observe(&r, t, true, true, false);
        t = t + 1u;
      }
      if (status == STEP_MOVED) {
        status = observe(&r, t, true, true, false);
        t = t + 1u;
      }
      if (status == STEP_MOVED) {
        status = observe(&r, t, true, true, false);
        t = t + 1u;
      }
    }
    loop {
      if (status != STEP_MOVED || t > last || t >= periodFrom) {
        break;
      }
      status = observe(&r, t, true, true, false);
      t = t + 1u;
    }
    loop {
      if (status != STEP_MOVED || t > last) {
        break;
      }
      status = observe(&r, t, true, true, true);
      t = t + 1u;
    }
  } else {
    loop {
      if (status != STEP_MOVED || t > last) {
        break;
      }
      status = observe(&r, t, t >= tangentFrom, t >= lateFrom, t >= periodFrom);
      t = t + 1u;
    }
  }
  if (status == STEP_FIXED || status == STEP_CYCLE) {
    // State t − 1 equals state t − 2 (fixed) or state t − 3 (period 2), and so the
    // states repeat from here on. The rest of the run, past this chunk, is done here,
    // so chunk boundaries do not change the result.
    fastForward(&r, t, params.totalSteps);
    t = params.totalSteps + 1u;
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
  s.previousP = r.previousP;
  s.previousQ = r.previousQ;
  s.firstReturnsLow = r.first.x;
  s.firstReturnsHigh = r.first.y;
  s.secondReturnsLow = r.second.x;
  s.secondReturnsHigh = r.second.y;
  states[index] = s;
}
