// The number type of the map state in the float32 trajectory kernel. The
// shared kernels (uv-trajectory.wgsl, uv-reduce.wgsl) compute P̂, Q̂ and ỹ
// through these functions, and real-df64.wgsl defines the same functions on
// df64 pairs. Here each is the plain f32 operation, so the float32 kernel
// rounds exactly as it would with the operators written inline.

alias Real = f32;

// The float32 kernel needs no compiler guard.
fn realSetOpaqueZero(zero: u32) {}

fn realFromF32(x: f32) -> Real {
  return x;
}

fn realToF32(x: Real) -> f32 {
  return x;
}

fn realAdd(a: Real, b: Real) -> Real {
  return a + b;
}

fn realSub(a: Real, b: Real) -> Real {
  return a - b;
}

fn realMul(a: Real, b: Real) -> Real {
  return a * b;
}

fn realEqual(a: Real, b: Real) -> bool {
  return a == b;
}
