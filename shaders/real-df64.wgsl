// The number type of the map state in the df64 trajectory kernel: a df64 pair
// (shaders/df64.wgsl, which comes before this file). real-f32.wgsl defines
// the same functions on f32 for the float32 kernel.

alias Real = vec2f;

fn realSetOpaqueZero(zero: u32) {
  df64SetOpaqueZero(zero);
}

fn realFromF32(x: f32) -> Real {
  return df64FromF32(x);
}

fn realToF32(x: Real) -> f32 {
  return df64ToF32(x);
}

fn realAdd(a: Real, b: Real) -> Real {
  return df64Add(a, b);
}

fn realSub(a: Real, b: Real) -> Real {
  return df64Sub(a, b);
}

fn realMul(a: Real, b: Real) -> Real {
  return df64Mul(a, b);
}

// Equal pairs, component by component: the kernels compare normalized pairs that
// the same operations produced, so equal values have equal pairs.
fn realEqual(a: Real, b: Real) -> bool {
  return all(a == b);
}
