// Gradient descent on the UV model, one trajectory per invocation, in the
// dimensionless variables of docs/science.md: with u = P̂ − Q̂ − ỹ,
//   P̂ ← P̂(1 − u)²,   Q̂ ← Q̂(1 + u)²,   ηλ = 2(P̂ + Q̂).
// The analysis mirrors TrajectoryAnalyzer in src/core/analysis.ts line by line,
// in float32. TrajectoryState and StepParams are generated from the TypeGPU
// schemas in src/gpu/schemas.ts and prepended to this file.

@group(0) @binding(0) var<uniform> params: StepParams;
@group(0) @binding(1) var<storage, read_write> states: array<TrajectoryState>;

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

// ηλ_H = max(½[ηλ + √((ηλ)² + 4u(2w + u))], |u|).
fn hessianSharpnessHat(pHat: f32, qHat: f32, yTilde: f32) -> f32 {
  let etaLambda = 2.0 * (pHat + qHat);
  let w = pHat - qHat;
  let u = w - yTilde;
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

@compute @workgroup_size(64)
fn advance(@builtin(global_invocation_id) id: vec3u) {
  let index = id.y * params.rowStride + id.x;
  if (index >= params.trajectoryCount) {
    return;
  }
  var s = states[index];
  if ((s.flags & (FLAG_DIVERGED | FLAG_INVALID)) != 0u) {
    return;
  }
  let last = min(params.lastStep, params.totalSteps);
  var pHat = s.pHat;
  var qHat = s.qHat;
  let yTilde = s.yTilde;
  var t = s.nextStep;
  loop {
    if (t > last) {
      break;
    }
    if (t > 0u) {
      let u = pHat - qHat - yTilde;
      let down = 1.0 - u;
      let up = 1.0 + u;
      pHat = pHat * down * down;
      qHat = qHat * up * up;
    }

    // Divergence: not finite, or ηλ/2 above the bound. The run stops here.
    let sum = pHat + qHat;
    if (!isFiniteBits(sum) || sum > params.divergenceBound) {
      s.flags = s.flags | FLAG_DIVERGED;
      s.divergenceStep = i32(t);
      t = t + 1u;
      break;
    }
    s.pHat = pHat;
    s.qHat = qHat;

    let u = pHat - qHat - yTilde;
    let u2 = u * u;
    if (t == 0u) {
      s.initialSum = sum;
      s.initialU2 = u2;
      if (yTilde != 0.0) {
        s.uScale = abs(yTilde);
      } else if (abs(u) > 0.0) {
        s.uScale = abs(u);
      } else {
        s.uScale = 1.0;
      }
    }
    s.peakU2 = max(s.peakU2, u2);

    if (abs(u) <= params.convergenceTolerance * s.uScale) {
      if (s.convergedRunStart < 0) {
        s.convergedRunStart = i32(t);
      }
    } else {
      s.convergedRunStart = -1;
    }

    if (t >= params.lateStart) {
      let halfSharpness = 0.5 * hessianSharpnessHat(pHat, qHat, yTilde);
      s.lateMin = min(s.lateMin, halfSharpness);
      s.lateMax = max(s.lateMax, halfSharpness);
    }

    if (t < params.totalSteps) {
      // Tangent vector ← J · tangent. Only late-window growth counts: the first counted
      // step starts from a unit vector. The vector is renormalized, and its logarithm
      // banked, only when a component leaves [2⁻⁴⁰, 2⁴⁰] (LyapunovEstimator does the same).
      let counted = t >= params.lateStart;
      if (counted && s.logCount == 0u) {
        let norm = sqrt(s.tangentP * s.tangentP + s.tangentQ * s.tangentQ);
        s.tangentP = s.tangentP / norm;
        s.tangentQ = s.tangentQ / norm;
      }
      let down = 1.0 - u;
      let up = 1.0 + u;
      let x = (down * down - 2.0 * pHat * down) * s.tangentP + (2.0 * pHat * down) * s.tangentQ;
      let y = (2.0 * qHat * up) * s.tangentP + (up * up - 2.0 * qHat * up) * s.tangentQ;
      s.tangentP = x;
      s.tangentQ = y;
      if (counted) {
        s.logCount = s.logCount + 1u;
      }
      let largest = max(abs(x), abs(y));
      if (largest == 0.0) {
        if (counted) {
          s.flags = s.flags | FLAG_SUPERSTABLE;
        }
        s.tangentP = 0.70710678;
        s.tangentQ = 0.70710678;
      } else if (largest > TANGENT_HIGH || largest < TANGENT_LOW) {
        let norm = sqrt(x * x + y * y);
        if (counted) {
          s.logSum = s.logSum + log(norm);
        }
        s.tangentP = x / norm;
        s.tangentQ = y / norm;
      }
    }

    if (params.hasPeriodReference == 1u) {
      if (t == params.periodReference) {
        s.referenceP = pHat;
        s.referenceQ = qHat;
        s.firstReturnsLow = 0u;
        s.firstReturnsHigh = 0u;
        s.secondReturnsLow = 0u;
        s.secondReturnsHigh = 0u;
      } else if (t > params.periodReference) {
        let j = t - params.periodReference;
        let distance = abs(pHat - s.referenceP) + abs(qHat - s.referenceQ);
        let scale = abs(s.referenceP) + abs(s.referenceQ);
        if (j <= 2u * MAX_PERIOD && distance <= params.periodTolerance * scale) {
          var first = vec2u(s.firstReturnsLow, s.firstReturnsHigh);
          if (j <= MAX_PERIOD) {
            first = withBit(first, j);
            s.firstReturnsLow = first.x;
            s.firstReturnsHigh = first.y;
          }
          if (j % 2u == 0u && hasBit(first, j / 2u)) {
            let second = withBit(vec2u(s.secondReturnsLow, s.secondReturnsHigh), j / 2u);
            s.secondReturnsLow = second.x;
            s.secondReturnsHigh = second.y;
          }
        }
      }
    }
    t = t + 1u;
  }
  s.nextStep = t;
  states[index] = s;
}
