// Classifies each trajectory of a tile and combines the samples of each pixel
// into the 16 result layers. The per-trajectory rules mirror
// TrajectoryAnalyzer.result() and the per-pixel rules mirror combineSamples()
// (src/core/analysis.ts and src/core/layers.ts). TrajectoryState and
// ReduceParams are generated from src/gpu/schemas.ts. real-f32.wgsl or
// real-df64.wgsl comes before this file and gives the map state's type Real.

@group(0) @binding(0) var<uniform> params: ReduceParams;
@group(0) @binding(1) var<storage, read> states: array<TrajectoryState>;
// Pixel-major results of this tile: LAYER_COUNT floats per pixel.
@group(0) @binding(2) var<storage, read_write> results: array<f32>;

const FLAG_DIVERGED: u32 = 1u;
const FLAG_INVALID: u32 = 2u;
const FLAG_SUPERSTABLE: u32 = 4u;
const LAYER_COUNT: u32 = 16u;
const PHASE_CONVERGED: u32 = 0u;
const PHASE_PERIODIC: u32 = 1u;
const PHASE_CHAOTIC: u32 = 2u;
const PHASE_UNRESOLVED: u32 = 3u;
const PHASE_DIVERGED: u32 = 4u;
const PHASE_INVALID: f32 = 5.0;

// NaN and infinity come from bit patterns in the uniform buffer: WGSL constant
// expressions cannot produce them, and a shader compiler could fold a
// constant bitcast.
fn nanValue() -> f32 {
  return bitcast<f32>(params.nanBits);
}

fn infinity() -> f32 {
  return bitcast<f32>(params.infinityBits);
}

fn isFiniteBits(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

struct SampleResult {
  phase: u32,
  period: u32,
  convergenceStep: i32,
  divergenceStep: i32,
  lateMin: f32,
  lateMax: f32,
  sharpnessRatio: f32,
  peakLossRatio: f32,
  lyapunov: f32,
  catapult: bool,
  sharpening: bool,
}

fn detectedPeriod(s: TrajectoryState) -> u32 {
  if (s.secondReturnsLow != 0u) {
    return countTrailingZeros(s.secondReturnsLow) + 1u;
  }
  if (s.secondReturnsHigh != 0u) {
    return countTrailingZeros(s.secondReturnsHigh) + 33u;
  }
  return 0u;
}

fn classify(s: TrajectoryState) -> SampleResult {
  var r: SampleResult;
  var peakLossRatio: f32;
  if (s.initialU2 > 0.0) {
    peakLossRatio = s.peakU2 / s.initialU2;
  } else if (s.peakU2 > 0.0) {
    peakLossRatio = infinity();
  } else {
    peakLossRatio = 1.0;
  }

  if ((s.flags & FLAG_DIVERGED) != 0u) {
    r.phase = PHASE_DIVERGED;
    r.period = 0u;
    r.convergenceStep = -1;
    r.divergenceStep = s.divergenceStep;
    r.lateMin = nanValue();
    r.lateMax = nanValue();
    r.sharpnessRatio = nanValue();
    // The loss grows without bound, so the peak is infinite.
    r.peakLossRatio = infinity();
    r.lyapunov = nanValue();
    r.catapult = false;
    r.sharpening = true;
    return r;
  }

  let finalSum = realToF32(s.pHat) + realToF32(s.qHat);
  r.sharpnessRatio = finalSum / s.initialSum;
  r.sharpening = r.sharpnessRatio > 1.0;
  var runLength = 0u;
  if (s.convergedRunStart >= 0) {
    runLength = params.totalSteps - u32(s.convergedRunStart) + 1u;
  }
  // A stable minimum needs ηλ ≤ 2, that is P̂ + Q̂ ≤ 1.
  let converged = runLength >= params.convergenceWindow && finalSum <= 1.0;
  let period = detectedPeriod(s);

  if (s.logCount == 0u) {
    r.lyapunov = nanValue();
  } else if ((s.flags & FLAG_SUPERSTABLE) != 0u) {
    r.lyapunov = -infinity();
  } else {
    r.lyapunov = (s.logSum + log(sqrt(s.tangentP * s.tangentP + s.tangentQ * s.tangentQ))) / f32(s.logCount);
  }

  // A few steps cannot tell chaos from a transient (MIN_LYAPUNOV_STEPS in analysis.ts).
  let expanding = (s.flags & FLAG_SUPERSTABLE) == 0u && s.logCount >= params.minLyapunovSteps && r.lyapunov > params.chaosThreshold;
  if (converged) {
    r.phase = PHASE_CONVERGED;
  } else if (period >= 2u && !expanding) {
    r.phase = PHASE_PERIODIC;
  } else if (period != 1u && expanding) {
    // A float32 chaotic orbit can close on itself; a cycle that expands is still chaos.
    r.phase = PHASE_CHAOTIC;
  } else {
    r.phase = PHASE_UNRESOLVED;
  }

  r.period = select(select(period, 0u, r.phase == PHASE_CHAOTIC), 1u, converged);
  r.convergenceStep = select(-1, s.convergedRunStart, converged);
  r.divergenceStep = -1;
  r.catapult = converged && peakLossRatio > 1.0;
  r.peakLossRatio = peakLossRatio;
  r.lateMin = s.lateMin;
  r.lateMax = s.lateMax;
  return r;
}

@compute @workgroup_size(64)
fn reduce(@builtin(global_invocation_id) id: vec3u) {
  let pixel = id.y * params.rowStride + id.x;
  if (pixel >= params.pixelCount) {
    return;
  }
  let first = pixel * params.samples;
  let base = pixel * LAYER_COUNT;

  if ((states[first].flags & FLAG_INVALID) != 0u) {
    results[base] = PHASE_INVALID;
    for (var k = 1u; k < LAYER_COUNT; k = k + 1u) {
      results[base + k] = select(nanValue(), 0.0, k >= 9u);
    }
    return;
  }

  if (params.samples == 1u) {
    // One sample: the pixel's layers are its trajectory's readouts, as combineSamples
    // gives them for one sample. This path skips the per-sample arrays below, which a
    // CPU driver such as lavapipe keeps in memory rather than in registers (docs/kernels.md).
    let r = classify(states[first]);
    results[base + 0u] = f32(r.phase);
    results[base + 1u] = f32(r.period);
    results[base + 2u] = select(-1.0, f32(r.convergenceStep), r.convergenceStep >= 0);
    results[base + 3u] = select(-1.0, f32(r.divergenceStep), r.divergenceStep >= 0);
    results[base + 4u] = select(nanValue(), r.lateMin, isFiniteBits(r.lateMin));
    results[base + 5u] = select(nanValue(), r.lateMax, isFiniteBits(r.lateMax));
    results[base + 6u] = select(nanValue(), r.sharpnessRatio, isFiniteBits(r.sharpnessRatio));
    results[base + 7u] = select(nanValue(), r.peakLossRatio, isFiniteBits(r.peakLossRatio));
    results[base + 8u] = select(nanValue(), r.lyapunov, isFiniteBits(r.lyapunov));
    results[base + 9u] = select(0.0, 1.0, r.catapult);
    results[base + 10u] = select(0.0, 1.0, r.sharpening);
    for (var code = 0u; code < 5u; code = code + 1u) {
      results[base + 11u + code] = select(0.0, 1.0, r.phase == code);
    }
    return;
  }

  // Pass 1: phase counts, flags and means.
  var phaseCounts = array<u32, 5>(0u, 0u, 0u, 0u, 0u);
  var convergenceSum = 0.0;
  var convergenceCount = 0u;
  var divergenceSum = 0.0;
  var divergenceCount = 0u;
  var sums = array<f32, 5>(0.0, 0.0, 0.0, 0.0, 0.0);
  var counts = array<u32, 5>(0u, 0u, 0u, 0u, 0u);
  var catapults = 0u;
  var sharpenings = 0u;
  for (var k = 0u; k < params.samples; k = k + 1u) {
    let r = classify(states[first + k]);
    phaseCounts[r.phase] = phaseCounts[r.phase] + 1u;
    if (r.convergenceStep >= 0) {
      convergenceSum = convergenceSum + f32(r.convergenceStep);
      convergenceCount = convergenceCount + 1u;
    }
    if (r.divergenceStep >= 0) {
      divergenceSum = divergenceSum + f32(r.divergenceStep);
      divergenceCount = divergenceCount + 1u;
    }
    let values = array<f32, 5>(r.lateMin, r.lateMax, r.sharpnessRatio, r.peakLossRatio, r.lyapunov);
    for (var v = 0u; v < 5u; v = v + 1u) {
      if (isFiniteBits(values[v])) {
        sums[v] = sums[v] + values[v];
        counts[v] = counts[v] + 1u;
      }
    }
    if (r.catapult) {
      catapults = catapults + 1u;
    }
    if (r.sharpening) {
      sharpenings = sharpenings + 1u;
    }
  }
  var phase = 0u;
  for (var code = 1u; code < 5u; code = code + 1u) {
    if (phaseCounts[code] > phaseCounts[phase]) {
      phase = code;
    }
  }

  // Pass 2: the most frequent period (0 … 64) among samples of the modal phase; ties go to the shorter.
  var periodCounts: array<u32, 65>;
  for (var k = 0u; k < params.samples; k = k + 1u) {
    let r = classify(states[first + k]);
    if (r.phase == phase) {
      periodCounts[r.period] = periodCounts[r.period] + 1u;
    }
  }
  var period = 0u;
  for (var candidate = 1u; candidate <= 64u; candidate = candidate + 1u) {
    if (periodCounts[candidate] > periodCounts[period]) {
      period = candidate;
    }
  }

  let n = f32(params.samples);
  results[base + 0u] = f32(phase);
  results[base + 1u] = f32(period);
  results[base + 2u] = select(-1.0, convergenceSum / f32(convergenceCount), convergenceCount > 0u);
  results[base + 3u] = select(-1.0, divergenceSum / f32(divergenceCount), divergenceCount > 0u);
  for (var v = 0u; v < 5u; v = v + 1u) {
    results[base + 4u + v] = select(nanValue(), sums[v] / f32(counts[v]), counts[v] > 0u);
  }
  results[base + 9u] = f32(catapults) / n;
  results[base + 10u] = f32(sharpenings) / n;
  for (var code = 0u; code < 5u; code = code + 1u) {
    results[base + 11u + code] = f32(phaseCounts[code]) / n;
  }
}
