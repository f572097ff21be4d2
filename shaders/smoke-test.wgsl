// Smoke test for the WebGPU setup: output[i] = 2 * input[i].
// Doubling an f32 is exact, so the host can compare results bit for bit.

@group(0) @binding(0) var<storage, read> input: array<f32>;
@group(0) @binding(1) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let i = id.x;
  // The last workgroup runs past the end when the length is not a multiple of 64.
  if (i >= arrayLength(&input)) {
    return;
  }
  output[i] = 2.0 * input[i];
}
