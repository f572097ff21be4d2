// Helpers shared by the UV-model kernels. The host prepends this file to a
// kernel's source before TypeGPU resolves it.

// Finiteness from the bit pattern: WGSL lets a compiler assume that no value is
// NaN or infinite, so comparisons such as x != x may be folded away.
fn isFiniteBits(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// ηλ_H = max(½[ηλ + √((ηλ)² + 4u(2w + u))], |u|), with w = P̂ − Q̂, u = w − ỹ.
fn hessianSharpnessHat(pHat: f32, qHat: f32, yTilde: f32) -> f32 {
  let etaLambda = 2.0 * (pHat + qHat);
  let w = pHat - qHat;
  let u = w - yTilde;
  let discriminant = etaLambda * etaLambda + 4.0 * u * (2.0 * w + u);
  return max(0.5 * (etaLambda + sqrt(max(0.0, discriminant))), abs(u));
}
