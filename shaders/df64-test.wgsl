// Test kernel of shaders/df64.wgsl, which is prepended to this file: applies
// every df64 operation to one pair of inputs per invocation, and plain f32
// arithmetic to their high halves, for test/gpu/df64.test.ts to compare with
// float64.

struct Df64TestParams {
  count: u32,
  // 0, read at run time for df64SetOpaqueZero.
  opaqueZero: u32,
}

// Outputs per input, in this order (plain f32 results and f32 conversions have lo = 0).
const OUTPUT_ADD: u32 = 0u;
const OUTPUT_SUB: u32 = 1u;
const OUTPUT_MUL: u32 = 2u;
const OUTPUT_DIV: u32 = 3u;
const OUTPUT_F32_ADD: u32 = 4u;
const OUTPUT_F32_SUB: u32 = 5u;
const OUTPUT_F32_MUL: u32 = 6u;
const OUTPUT_F32_DIV: u32 = 7u;
const OUTPUT_TWO_SUM: u32 = 8u;
const OUTPUT_QUICK_TWO_SUM: u32 = 9u;
const OUTPUT_TWO_PRODUCT: u32 = 10u;
const OUTPUT_TO_F32: u32 = 11u;
const OUTPUT_ABS: u32 = 12u;
const OUTPUT_FROM_F32: u32 = 13u;
const OUTPUTS: u32 = 14u;

// Comparison bits: 1 a < b, 2 a ≤ b, 4 a = b.
const COMPARE_LESS: u32 = 1u;
const COMPARE_LESS_EQUAL: u32 = 2u;
const COMPARE_EQUAL: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Df64TestParams;
// (a.hi, a.lo, b.hi, b.lo) per invocation.
@group(0) @binding(1) var<storage, read> inputs: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> outputs: array<vec2f>;
@group(0) @binding(3) var<storage, read_write> comparisons: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  let i = id.x;
  if (i >= params.count) {
    return;
  }
  df64SetOpaqueZero(params.opaqueZero);
  let a = inputs[i].xy;
  let b = inputs[i].zw;
  let base = i * OUTPUTS;
  outputs[base + OUTPUT_ADD] = df64Add(a, b);
  outputs[base + OUTPUT_SUB] = df64Sub(a, b);
  outputs[base + OUTPUT_MUL] = df64Mul(a, b);
  outputs[base + OUTPUT_DIV] = df64Div(a, b);
  outputs[base + OUTPUT_F32_ADD] = vec2f(a.x + b.x, 0.0);
  outputs[base + OUTPUT_F32_SUB] = vec2f(a.x - b.x, 0.0);
  outputs[base + OUTPUT_F32_MUL] = vec2f(a.x * b.x, 0.0);
  outputs[base + OUTPUT_F32_DIV] = vec2f(a.x / b.x, 0.0);
  outputs[base + OUTPUT_TWO_SUM] = df64TwoSum(a.x, b.x);
  // Quick-two-sum needs |first| ≥ |second|.
  let larger = select(b.x, a.x, abs(a.x) >= abs(b.x));
  let smaller = select(a.x, b.x, abs(a.x) >= abs(b.x));
  outputs[base + OUTPUT_QUICK_TWO_SUM] = df64QuickTwoSum(larger, smaller);
  outputs[base + OUTPUT_TWO_PRODUCT] = df64TwoProduct(a.x, b.x);
  outputs[base + OUTPUT_TO_F32] = vec2f(df64ToF32(a), 0.0);
  outputs[base + OUTPUT_ABS] = df64Abs(a);
  outputs[base + OUTPUT_FROM_F32] = df64FromF32(b.x);

  var flags = 0u;
  if (df64LessThan(a, b)) {
    flags = flags | COMPARE_LESS;
  }
  if (df64LessThanEqual(a, b)) {
    flags = flags | COMPARE_LESS_EQUAL;
  }
  if (df64Equal(a, b)) {
    flags = flags | COMPARE_EQUAL;
  }
  comparisons[i] = flags;
}
