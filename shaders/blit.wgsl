// Draws the coloured view (an rgba8unorm texture, row 0 at the top) into the
// canvas, placed in the rectangle `params.rect` given in canvas-normalized
// coordinates (0 … 1, y down). Outside it the canvas shows `params.background`.
// The page moves the rectangle to reproject the previous picture while a new
// view computes. BlitParams is generated from src/gpu/canvas-presenter.ts.

@group(0) @binding(0) var<uniform> params: BlitParams;
@group(0) @binding(1) var image: texture_2d<f32>;

struct VertexOutput {
  @builtin(position) position: vec4f,
  // Canvas-normalized position, (0, 0) at the top left.
  @location(0) canvas: vec2f,
}

// One triangle that covers the whole canvas.
@vertex
fn vertexMain(@builtin(vertex_index) index: u32) -> VertexOutput {
  let corner = vec2f(f32((index << 1u) & 2u), f32(index & 2u));
  var out: VertexOutput;
  out.position = vec4f(corner * 2.0 - 1.0, 0.0, 1.0);
  out.canvas = vec2f(corner.x, 1.0 - corner.y);
  return out;
}

@fragment
fn fragmentMain(in: VertexOutput) -> @location(0) vec4f {
  let size = params.rect.zw - params.rect.xy;
  let uv = (in.canvas - params.rect.xy) / size;
  if (any(uv < vec2f(0.0)) || any(uv >= vec2f(1.0))) {
    return params.background;
  }
  // Nearest texel: every pixel of the view is one trajectory and stays a crisp square.
  let dimensions = vec2f(textureDimensions(image));
  let texel = vec2u(min(floor(uv * dimensions), dimensions - 1.0));
  return textureLoad(image, texel, 0);
}
