// Colours one layer of the results buffer: pixel p of the bound window gets
// colors[p] = an RGBA8 colour packed with red in the low byte, so the output
// bytes are R, G, B, A and can go straight into ImageData or an rgba8unorm
// texture. The rule is colormapIndexOfBits in src/core/colormaps.ts, which
// also builds the tables in `params`; docs/colormaps.md states it.
//
// TypeGPU prepends ColormapParams and ColormapRange, generated from the
// schemas in src/gpu/colormap-pass.ts. The bindings follow the order of the
// bind group layout there.

@group(0) @binding(0) var<uniform> params: ColormapParams;
@group(0) @binding(1) var<uniform> pixelRange: ColormapRange;
// The results are f32, read here as raw bits so that NaN and infinities never
// pass through float operations: WGSL lets compilers assume that floats are
// finite and not NaN.
@group(0) @binding(2) var<storage, read> results: array<u32>;
@group(0) @binding(3) var<storage, read_write> colors: array<u32>;

const LAYER_COUNT: u32 = 16u;
const WORKGROUP_SIZE: u32 = 64u;
const LUT_SIZE: u32 = 256u;

const MODE_CONTINUOUS: u32 = 0u;
const MODE_PHASE: u32 = 1u;
const MODE_PERIOD: u32 = 2u;

const EXPONENT_MASK: u32 = 0x7f800000u;
const MANTISSA_MASK: u32 = 0x007fffffu;
const SIGN_BIT: u32 = 0x80000000u;

// Returned by the index functions for a value that gets the NaN colour.
const NAN_INDEX: u32 = 0xffffffffu;

const PHASE_CODE_COUNT: f32 = 6.0;
// Categories of the period mode, as PERIOD_CATEGORIES in src/core/colormaps.ts.
const PERIOD_NONE: u32 = 0u;
const PERIOD_POWER_COUNT: u32 = 7u;
const PERIOD_ODD: u32 = 8u;
const PERIOD_OTHER_EVEN: u32 = 9u;

fn lutColor(index: u32) -> u32 {
  return params.lut[index >> 2u][index & 3u];
}

fn boundary(index: u32) -> f32 {
  return params.boundaries[index >> 2u][index & 3u];
}

// Number of boundaries b_1 … b_255 with b_i <= value. The boundaries are
// non-decreasing, finite and never subnormal, and so is `value`, so every
// comparison is exact.
fn continuousIndex(value: f32) -> u32 {
  var index = 0u;
  for (var step = LUT_SIZE / 2u; step >= 1u; step = step >> 1u) {
    if (value >= boundary(index + step)) {
      index += step;
    }
  }
  return index;
}

fn isNonNegativeInteger(value: f32) -> bool {
  return value >= 0.0 && floor(value) == value;
}

fn phaseIndex(value: f32) -> u32 {
  if (isNonNegativeInteger(value) && value < PHASE_CODE_COUNT) {
    return u32(value);
  }
  return NAN_INDEX;
}

fn periodIndex(value: f32) -> u32 {
  if (!isNonNegativeInteger(value)) {
    return NAN_INDEX;
  }
  if (value == 0.0) {
    return PERIOD_NONE;
  }
  for (var power = 0u; power < PERIOD_POWER_COUNT; power++) {
    if (value == f32(1u << power)) {
      return 1u + power;
    }
  }
  // Parity in float arithmetic, so no conversion to u32 can saturate.
  let half = value * 0.5;
  if (floor(half) == half) {
    return PERIOD_OTHER_EVEN;
  }
  return PERIOD_ODD;
}

// LUT index of the float32 with bit pattern `bits`, or NAN_INDEX.
fn colorIndex(bits: u32) -> u32 {
  let exponent = bits & EXPONENT_MASK;
  if (exponent == EXPONENT_MASK) {
    if ((bits & MANTISSA_MASK) != 0u || params.mode != MODE_CONTINUOUS) {
      return NAN_INDEX;
    }
    if ((bits & SIGN_BIT) != 0u) {
      return 0u;
    }
    return LUT_SIZE - 1u;
  }

  // Subnormal values count as 0, as GPUs may flush them in comparisons anyway.
  var value = 0.0;
  if (exponent != 0u) {
    value = bitcast<f32>(bits);
  }

  switch params.mode {
    case MODE_CONTINUOUS: {
      return continuousIndex(value);
    }
    case MODE_PHASE: {
      return phaseIndex(value);
    }
    case MODE_PERIOD: {
      return periodIndex(value);
    }
    default: {
      return NAN_INDEX;
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(global_invocation_id) id: vec3<u32>,
  @builtin(num_workgroups) workgroups: vec3<u32>,
) {
  // The host dispatches a 2D grid when one dimension would exceed
  // maxComputeWorkgroupsPerDimension, so rows of the grid continue the pixels.
  let i = id.y * workgroups.x * WORKGROUP_SIZE + id.x;
  if (i >= pixelRange.pixelCount) {
    return;
  }
  let pixel = pixelRange.pixelOffset + i;
  let index = colorIndex(results[pixel * LAYER_COUNT + params.layerIndex]);
  if (index == NAN_INDEX) {
    colors[pixel] = params.nanColor;
  } else {
    colors[pixel] = lutColor(index);
  }
}
