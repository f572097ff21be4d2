// df64 ("double-single") arithmetic: a value is the unevaluated sum hi + lo of
// two f32, stored as vec2f(hi, lo) with |lo| ≤ ½ ulp(hi). A normalized pair
// carries 48 significand bits, so each operation below has a relative error of
// a small multiple of u² = 2⁻⁴⁸ (u = 2⁻²⁴ is the f32 unit roundoff). The range
// is that of f32: no more exponent bits, and products of values above about
// 2¹¹⁵ overflow in the splitting of df64TwoProduct.
//
// The building blocks are error-free transformations (EFTs): two f32
// operations whose rounded result and rounding error are both f32 values.
// They rely on every f32 operation being rounded exactly once, in the written
// order. WGSL rounds +, − and × correctly, but the SPIR-V that Dawn emits for
// Vulkan carries no NoContraction decoration, so a driver may fuse a × b + c
// into one fma (which skips the rounding of the product) and may reassociate
// sums. Either rewrite silently turns an error term into garbage.
//
// The guard: every intermediate of an EFT passes through df64Opaque, which
// XORs its bits with df64OpaqueZero. That value is 0, but it comes from a
// uniform buffer at run time (the entry point calls df64SetOpaqueZero), so no
// compiler can prove the XOR is a no-op. The XOR result is an integer
// operation's output, not a float product or sum, so no fusion or algebraic
// rewrite can reach across it, while the value itself is unchanged. The cost
// is one integer XOR per guarded value. Multiplying by a run-time 1.0 would
// be a weaker guard: a compiler that reassociates products to move constants
// outward could fuse the product again. test/gpu/df64.test.ts checks on the
// test driver that the error terms come out exactly right. The guard is
// needed there: with df64Opaque returning x unguarded, lavapipe (Mesa 25.0.7)
// compiled two-sum to a wrong error term, and df64 add, sub and mul came out
// no more accurate than f32 (relative errors of 2⁻²⁰ to 2⁻²⁴).
//
// Every entry point that calls these functions must first call
// df64SetOpaqueZero with the 0 read from its uniform buffer. Without it the
// private variable is 0 too, but a compiler may then fold the guard away.

var<private> df64OpaqueZero: u32;

// Stores the run-time 0 that df64Opaque XORs in. Pass a value from a uniform or storage buffer.
fn df64SetOpaqueZero(zero: u32) {
  df64OpaqueZero = zero;
}

// Returns x unchanged, through an operation that the compiler cannot see through.
fn df64Opaque(x: f32) -> f32 {
  return bitcast<f32>(bitcast<u32>(x) ^ df64OpaqueZero);
}

// Knuth's two-sum: s + e = a + b exactly, with s = fl(a + b), for any a and b.
fn df64TwoSum(a: f32, b: f32) -> vec2f {
  let s = df64Opaque(a + b);
  let bPart = df64Opaque(s - a);
  let aPart = df64Opaque(s - bPart);
  let e = df64Opaque(df64Opaque(a - aPart) + df64Opaque(b - bPart));
  return vec2f(s, e);
}

// Dekker's quick-two-sum: s + e = a + b exactly, when |a| ≥ |b| or a = 0.
fn df64QuickTwoSum(a: f32, b: f32) -> vec2f {
  let s = df64Opaque(a + b);
  let e = df64Opaque(b - df64Opaque(s - a));
  return vec2f(s, e);
}

// Veltkamp's splitting: hi + lo = a exactly, each half with at most 12
// significand bits, so products of halves are exact in f32. 4097 = 2¹² + 1.
fn df64Split(a: f32) -> vec2f {
  let t = df64Opaque(4097.0 * a);
  let hi = df64Opaque(t - df64Opaque(t - a));
  let lo = df64Opaque(a - hi);
  return vec2f(hi, lo);
}

// Dekker's two-product: p + e = a × b exactly, with p = fl(a × b), unless the
// product underflows or |a| or |b| exceeds about 2¹¹⁵. It needs no fma, because
// WGSL lets fma round its product first (its accuracy is that of e1 × e2 + e3).
fn df64TwoProduct(a: f32, b: f32) -> vec2f {
  let p = df64Opaque(a * b);
  let x = df64Split(a);
  let y = df64Split(b);
  // Each product of halves is exact, and so is each partial sum (Dekker 1971).
  var e = df64Opaque(df64Opaque(x.x * y.x) - p);
  e = df64Opaque(e + df64Opaque(x.x * y.y));
  e = df64Opaque(e + df64Opaque(x.y * y.x));
  e = df64Opaque(e + df64Opaque(x.y * y.y));
  return vec2f(p, e);
}

fn df64FromF32(x: f32) -> vec2f {
  return vec2f(x, 0.0);
}

// Returns the f32 nearest to hi + lo (hi itself for a normalized pair, except at ties).
fn df64ToF32(a: vec2f) -> f32 {
  return a.x + a.y;
}

fn df64Negate(a: vec2f) -> vec2f {
  return -a;
}

fn df64Abs(a: vec2f) -> vec2f {
  return select(a, -a, a.x < 0.0 || (a.x == 0.0 && a.y < 0.0));
}

// Returns a + b. Both halves are summed with two-sum, so the relative error
// stays at a few u² even when a + b cancels, which the map's u = P̂ − Q̂ − ỹ
// does near convergence. (Adding only the high halves exactly would not.)
fn df64Add(a: vec2f, b: vec2f) -> vec2f {
  let high = df64TwoSum(a.x, b.x);
  let low = df64TwoSum(a.y, b.y);
  var sum = df64QuickTwoSum(high.x, high.y + low.x);
  sum = df64QuickTwoSum(sum.x, sum.y + low.y);
  return sum;
}

fn df64Sub(a: vec2f, b: vec2f) -> vec2f {
  return df64Add(a, -b);
}

// Returns a × b: the exact product of the high halves plus the two cross terms.
// The dropped a.lo × b.lo is below u² relative to the result.
fn df64Mul(a: vec2f, b: vec2f) -> vec2f {
  let product = df64TwoProduct(a.x, b.x);
  let cross = a.x * b.y + a.y * b.x;
  return df64QuickTwoSum(product.x, product.y + cross);
}

// Returns a / b by long division: a first f32 quotient, then two corrections
// from the remainders a − q·b, each computed in df64. WGSL's f32 division is
// accurate to only 2.5 ulp, which the corrections absorb.
fn df64Div(a: vec2f, b: vec2f) -> vec2f {
  let q1 = a.x / b.x;
  var remainder = df64Sub(a, df64Mul(df64FromF32(q1), b));
  let q2 = remainder.x / b.x;
  remainder = df64Sub(remainder, df64Mul(df64FromF32(q2), b));
  let q3 = remainder.x / b.x;
  let quotient = df64QuickTwoSum(q1, q2);
  return df64Add(quotient, df64FromF32(q3));
}

// Comparisons of normalized pairs: the high halves decide unless they are equal.
fn df64LessThan(a: vec2f, b: vec2f) -> bool {
  return a.x < b.x || (a.x == b.x && a.y < b.y);
}

fn df64LessThanEqual(a: vec2f, b: vec2f) -> bool {
  return a.x < b.x || (a.x == b.x && a.y <= b.y);
}

fn df64Equal(a: vec2f, b: vec2f) -> bool {
  return a.x == b.x && a.y == b.y;
}
