/**
 * Colours one layer of the GPU results buffer into packed RGBA8 pixels, on
 * the GPU, with shaders/colormap.wgsl. The rule and the tables come from
 * src/core/colormaps.ts, whose colorizeLayer is the CPU reference.
 *
 * Typical use on a page: create a {@link ColormapPass} once per results and
 * output buffer, call `write` when the layer or the options change, then
 * `encode` into a command encoder and submit. The output buffer can then be
 * copied into an rgba8unorm texture without a read back.
 */
import tgpu, { type TgpuBuffer, type TgpuRoot, type UniformFlag } from 'typegpu';
import * as d from 'typegpu/data';
import source from '../../shaders/colormap.wgsl?raw';
import { LUT_SIZE, prepareColormap, type ColorizeOptions } from '../core/colormaps.ts';
import { ValidationError } from '../core/errors.ts';
import { LAYER_COUNT } from '../core/layers.ts';
import { paced } from './wait-pacing.ts';

/** Invocations per workgroup; equal to WORKGROUP_SIZE in the shader. */
const WORKGROUP_SIZE = 64;
/** Bytes of one pixel in the results buffer: LAYER_COUNT float32 values. */
const RESULTS_BYTES_PER_PIXEL = LAYER_COUNT * 4;
/** Bytes of one pixel in the output buffer: one packed RGBA8 u32. */
const OUTPUT_BYTES_PER_PIXEL = 4;

/**
 * Parameters shared by every chunk of a pass. The tables hold LUT_SIZE
 * entries four to a vector, because uniform arrays need a 16-byte stride.
 */
export const ColormapParams = d.struct({
  /** Layer to read, 0 … LAYER_COUNT − 1. */
  layerIndex: d.u32,
  /** COLORIZE_MODE_CODES of the mode. */
  mode: d.u32,
  /** NaN colour, packed like the LUT entries. */
  nanColor: d.u32,
  /** LUT_SIZE colours packed with red in the low byte. */
  lut: d.arrayOf(d.vec4u, LUT_SIZE / 4),
  /** Boundaries of the continuous mode; entry 0 is unused. */
  boundaries: d.arrayOf(d.vec4f, LUT_SIZE / 4),
});

/** Pixels of one dispatch, relative to the start of its bound window. */
export const ColormapRange = d.struct({
  pixelOffset: d.u32,
  pixelCount: d.u32,
});

/** Bind group layout of the kernel, in the binding order of shaders/colormap.wgsl. */
export const colormapBindGroupLayout = tgpu.bindGroupLayout({
  params: { uniform: ColormapParams, visibility: ['compute'] },
  pixelRange: { uniform: ColormapRange, visibility: ['compute'] },
  results: { storage: (length: number) => d.arrayOf(d.u32, length), visibility: ['compute'] },
  colors: { storage: (length: number) => d.arrayOf(d.u32, length), access: 'mutable', visibility: ['compute'] },
});

/** The compiled kernel for one device. */
export interface ColormapPipeline {
  device: GPUDevice;
  root: TgpuRoot;
  layout: GPUBindGroupLayout;
  pipeline: GPUComputePipeline;
  /** The WGSL source with the struct declarations that TypeGPU generated. */
  code: string;
}

const pipelines = new WeakMap<GPUDevice, Promise<ColormapPipeline>>();

/**
 * Returns the colormap pipeline of `device`, compiling it on the first call.
 *
 * @throws Error when the shader or the pipeline fails to compile; the message
 *   contains the WGSL compiler's errors with line and column.
 */
export function getColormapPipeline(device: GPUDevice): Promise<ColormapPipeline> {
  let pipeline = pipelines.get(device);
  if (pipeline === undefined) {
    pipeline = createColormapPipeline(device);
    pipelines.set(device, pipeline);
    // A failed compilation is not cached, so a later call reports it again.
    pipeline.catch(() => pipelines.delete(device));
  }
  return pipeline;
}

async function createColormapPipeline(device: GPUDevice): Promise<ColormapPipeline> {
  const root = tgpu.initFromDevice({ device });
  const code = tgpu.resolve({ template: source, externals: { ColormapParams, ColormapRange } });
  const layout = root.unwrap(colormapBindGroupLayout);
  const module = device.createShaderModule({ label: 'colormap', code });
  try {
    const pipeline = await device.createComputePipelineAsync({
      label: 'colormap',
      layout: device.createPipelineLayout({ label: 'colormap', bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    return { device, root, layout, pipeline, code };
  } catch (error) {
    const info = await module.getCompilationInfo();
    const errors = info.messages
      .filter((message) => message.type === 'error')
      .map((message) => `${message.lineNum}:${message.linePos} ${message.message}`);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Failed to create the colormap pipeline: ${reason}${errors.length > 0 ? `. WGSL errors: ${errors.join('; ')}` : ''}`, {
      cause: error,
    });
  }
}

/** Device limits that decide how a pass is split; tests may pass lower values to force splitting. */
export interface ColormapLimits {
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupsPerDimension: number;
  minStorageBufferOffsetAlignment: number;
}

/** One dispatch of a pass: a window of pixels bound at an aligned offset. */
export interface ColormapChunk {
  /** First pixel of the bound window; its byte offsets in both buffers meet minStorageBufferOffsetAlignment. */
  windowStart: number;
  /** Pixels in the bound window. */
  windowLength: number;
  /** First pixel to colour, relative to `windowStart`. */
  pixelOffset: number;
  /** Pixels to colour. */
  pixelCount: number;
  /** Workgroup grid: x · y · WORKGROUP_SIZE ≥ pixelCount, neither above maxComputeWorkgroupsPerDimension. */
  workgroups: [number, number];
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

/** Smallest pixel count whose byte size in a buffer of `bytesPerPixel` is a multiple of `alignment`. */
function alignmentInPixels(alignment: number, bytesPerPixel: number): number {
  return alignment / greatestCommonDivisor(alignment, bytesPerPixel);
}

/**
 * Splits pixels [firstPixel, firstPixel + pixelCount) into dispatches whose
 * windows fit maxStorageBufferBindingSize in the results buffer (64 bytes a
 * pixel), start at aligned offsets in both buffers, and whose workgroup grid
 * fits maxComputeWorkgroupsPerDimension (2D when one row is not enough).
 *
 * @throws ValidationError when maxStorageBufferBindingSize cannot hold one aligned window,
 *   or when a chunk would need more than maxComputeWorkgroupsPerDimension² workgroups.
 */
export function planColormapChunks(firstPixel: number, pixelCount: number, limits: ColormapLimits): ColormapChunk[] {
  const resultsAlignment = alignmentInPixels(limits.minStorageBufferOffsetAlignment, RESULTS_BYTES_PER_PIXEL);
  const outputAlignment = alignmentInPixels(limits.minStorageBufferOffsetAlignment, OUTPUT_BYTES_PER_PIXEL);
  const alignment = (resultsAlignment * outputAlignment) / greatestCommonDivisor(resultsAlignment, outputAlignment);
  const maxWindow = Math.floor(limits.maxStorageBufferBindingSize / RESULTS_BYTES_PER_PIXEL);
  if (maxWindow < alignment) {
    throw new ValidationError(
      'maxStorageBufferBindingSize',
      limits.maxStorageBufferBindingSize,
      `at least ${alignment * RESULTS_BYTES_PER_PIXEL} bytes (${alignment} pixels of ${RESULTS_BYTES_PER_PIXEL} bytes, the storage offset alignment)`,
    );
  }

  const chunks: ColormapChunk[] = [];
  const end = firstPixel + pixelCount;
  let start = firstPixel;
  while (start < end) {
    const windowStart = start - (start % alignment);
    const windowEnd = Math.min(end, windowStart + maxWindow);
    const count = windowEnd - start;
    chunks.push({
      windowStart,
      windowLength: windowEnd - windowStart,
      pixelOffset: start - windowStart,
      pixelCount: count,
      workgroups: planWorkgroups(count, limits.maxComputeWorkgroupsPerDimension),
    });
    start = windowEnd;
  }
  return chunks;
}

function planWorkgroups(pixelCount: number, maxPerDimension: number): [number, number] {
  const groups = Math.ceil(pixelCount / WORKGROUP_SIZE);
  if (groups <= maxPerDimension) {
    return [groups, 1];
  }
  const rows = Math.ceil(groups / maxPerDimension);
  if (rows > maxPerDimension) {
    throw new ValidationError('pixelCount', pixelCount, `at most ${maxPerDimension * maxPerDimension * WORKGROUP_SIZE} pixels per binding window`);
  }
  return [Math.ceil(groups / rows), rows];
}

/** Buffers and pixels that one {@link ColormapPass} colours. */
export interface ColormapTarget {
  /** Results buffer: LAYER_COUNT float32 values per pixel, pixel-major. Needs STORAGE usage. */
  results: GPUBuffer;
  /** Receives one packed RGBA8 u32 per pixel, at the pixel's own index. Needs STORAGE usage. */
  output: GPUBuffer;
  /** Number of pixels to colour. */
  pixelCount: number;
  /** First pixel to colour (default 0). */
  firstPixel?: number;
  /** Lower limits than the device's, to force splitting in tests. Each one may only lower the device limit. */
  limits?: Partial<Pick<ColormapLimits, 'maxStorageBufferBindingSize' | 'maxComputeWorkgroupsPerDimension'>>;
}

/**
 * Colours pixels [firstPixel, firstPixel + pixelCount) of one layer into
 * `target.output`. The constructor makes the bind groups and per-chunk ranges
 * once, and {@link ColormapPass.write} sets the layer and the options.
 */
export class ColormapPass {
  /** Dispatches that {@link ColormapPass.encode} records, in order. */
  readonly chunks: readonly ColormapChunk[];

  private readonly pipeline: ColormapPipeline;
  private readonly paramsBuffer: TgpuBuffer<typeof ColormapParams> & UniformFlag;
  private readonly rangeBuffers: (TgpuBuffer<typeof ColormapRange> & UniformFlag)[];
  private readonly bindGroups: GPUBindGroup[];
  private written = false;

  /** @throws ValidationError when the pixel range does not fit a buffer or a buffer lacks STORAGE usage. */
  constructor(pipeline: ColormapPipeline, target: ColormapTarget) {
    const { device, root } = pipeline;
    const firstPixel = target.firstPixel ?? 0;
    validateTarget(target, firstPixel);

    this.pipeline = pipeline;
    this.chunks = planColormapChunks(firstPixel, target.pixelCount, {
      maxStorageBufferBindingSize: Math.min(device.limits.maxStorageBufferBindingSize, target.limits?.maxStorageBufferBindingSize ?? Infinity),
      maxComputeWorkgroupsPerDimension: Math.min(
        device.limits.maxComputeWorkgroupsPerDimension,
        target.limits?.maxComputeWorkgroupsPerDimension ?? Infinity,
      ),
      minStorageBufferOffsetAlignment: device.limits.minStorageBufferOffsetAlignment,
    });

    this.paramsBuffer = root.createBuffer(ColormapParams).$usage('uniform').$name('colormap params');
    this.rangeBuffers = this.chunks.map((chunk) =>
      root
        .createBuffer(ColormapRange, { pixelOffset: chunk.pixelOffset, pixelCount: chunk.pixelCount })
        .$usage('uniform')
        .$name('colormap range'),
    );
    // The results and output windows have byte offsets, which TypeGPU bind
    // groups do not take, so the bind groups use the raw WebGPU API on the
    // layout that TypeGPU made.
    this.bindGroups = this.chunks.map((chunk, i) =>
      device.createBindGroup({
        label: 'colormap',
        layout: pipeline.layout,
        entries: [
          { binding: 0, resource: { buffer: root.unwrap(this.paramsBuffer) } },
          { binding: 1, resource: { buffer: root.unwrap(this.rangeBuffers[i]!) } },
          {
            binding: 2,
            resource: {
              buffer: target.results,
              offset: chunk.windowStart * RESULTS_BYTES_PER_PIXEL,
              size: chunk.windowLength * RESULTS_BYTES_PER_PIXEL,
            },
          },
          {
            binding: 3,
            resource: {
              buffer: target.output,
              offset: chunk.windowStart * OUTPUT_BYTES_PER_PIXEL,
              size: chunk.windowLength * OUTPUT_BYTES_PER_PIXEL,
            },
          },
        ],
      }),
    );
  }

  /**
   * Sets the layer and the colouring options. The write goes through the
   * queue, so it applies to every command buffer submitted after this call.
   *
   * @throws ValidationError when the layer index or an option is invalid.
   */
  write(layerIndex: number, options: ColorizeOptions): void {
    if (!Number.isInteger(layerIndex) || layerIndex < 0 || layerIndex >= LAYER_COUNT) {
      throw new ValidationError('layerIndex', layerIndex, `an integer 0 … ${LAYER_COUNT - 1}`);
    }
    const prepared = prepareColormap(options);
    const lut: d.v4u[] = [];
    const boundaries: d.v4f[] = [];
    for (let i = 0; i < LUT_SIZE; i += 4) {
      lut.push(d.vec4u(prepared.lut[i]!, prepared.lut[i + 1]!, prepared.lut[i + 2]!, prepared.lut[i + 3]!));
      boundaries.push(d.vec4f(prepared.boundaries[i]!, prepared.boundaries[i + 1]!, prepared.boundaries[i + 2]!, prepared.boundaries[i + 3]!));
    }
    this.paramsBuffer.write({ layerIndex, mode: prepared.modeCode, nanColor: prepared.nanColor, lut, boundaries });
    this.written = true;
  }

  /**
   * Records the dispatches into `encoder`, one compute pass per chunk.
   *
   * @throws Error when {@link ColormapPass.write} has not been called.
   */
  encode(encoder: GPUCommandEncoder): void {
    if (!this.written) {
      throw new Error('ColormapPass.encode called before write: set the layer and options with write(layerIndex, options) first.');
    }
    this.chunks.forEach((chunk, i) => {
      const pass = encoder.beginComputePass({ label: 'colormap' });
      pass.setPipeline(this.pipeline.pipeline);
      pass.setBindGroup(0, this.bindGroups[i]!);
      pass.dispatchWorkgroups(chunk.workgroups[0], chunk.workgroups[1]);
      pass.end();
    });
  }

  /** Destroys the uniform buffers that this pass created; the target buffers stay. */
  destroy(): void {
    this.paramsBuffer.destroy();
    for (const buffer of this.rangeBuffers) {
      buffer.destroy();
    }
  }
}

function validateTarget(target: ColormapTarget, firstPixel: number): void {
  if (!Number.isSafeInteger(target.pixelCount) || target.pixelCount < 0) {
    throw new ValidationError('pixelCount', target.pixelCount, 'a non-negative integer');
  }
  if (!Number.isSafeInteger(firstPixel) || firstPixel < 0) {
    throw new ValidationError('firstPixel', firstPixel, 'a non-negative integer');
  }
  const endPixel = firstPixel + target.pixelCount;
  const buffers = [
    { field: 'results', buffer: target.results, bytesPerPixel: RESULTS_BYTES_PER_PIXEL },
    { field: 'output', buffer: target.output, bytesPerPixel: OUTPUT_BYTES_PER_PIXEL },
  ];
  for (const { field, buffer, bytesPerPixel } of buffers) {
    if ((buffer.usage & GPUBufferUsage.STORAGE) === 0) {
      throw new ValidationError(`${field}.usage`, buffer.usage, 'a usage that includes GPUBufferUsage.STORAGE');
    }
    if (buffer.size < endPixel * bytesPerPixel) {
      throw new ValidationError(
        `${field}.size`,
        buffer.size,
        `at least ${endPixel * bytesPerPixel} bytes (${endPixel} pixels of ${bytesPerPixel} bytes)`,
      );
    }
  }
}

/**
 * Colours pixels [0, pixelCount) of layer `layerIndex` on the GPU and reads
 * the result back: RGBA bytes, 4 per pixel, equal to colorizeLayer's output.
 * Meant for tests and exports; a page should encode a {@link ColormapPass}
 * into its own frame instead.
 *
 * @throws ValidationError for an invalid layer, option or buffer; Error when
 *   WebGPU reports a validation error.
 */
export async function colorizeOnGpu(
  device: GPUDevice,
  resultsBuffer: GPUBuffer,
  pixelCount: number,
  layerIndex: number,
  options: ColorizeOptions,
  limits?: ColormapTarget['limits'],
): Promise<Uint8ClampedArray> {
  const pipeline = await getColormapPipeline(device);
  // WebGPU rejects zero-sized bindings, so an empty request never reaches the GPU.
  const byteLength = Math.max(OUTPUT_BYTES_PER_PIXEL, pixelCount * OUTPUT_BYTES_PER_PIXEL);
  const output = device.createBuffer({ label: 'colormap output', size: byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const readback = device.createBuffer({ label: 'colormap readback', size: byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  let pass: ColormapPass | undefined;
  device.pushErrorScope('validation');
  let scopeOpen = true;
  try {
    pass = new ColormapPass(pipeline, { results: resultsBuffer, output, pixelCount, ...(limits === undefined ? {} : { limits }) });
    pass.write(layerIndex, options);
    const encoder = device.createCommandEncoder({ label: 'colormap' });
    pass.encode(encoder);
    encoder.copyBufferToBuffer(output, 0, readback, 0, byteLength);
    device.queue.submit([encoder.finish()]);
    scopeOpen = false;
    const validationError = await device.popErrorScope();
    if (validationError !== null) {
      throw new Error(`WebGPU validation failed while colouring layer ${layerIndex}: ${validationError.message}`);
    }

    await paced(readback.mapAsync(GPUMapMode.READ));
    const pixels = new Uint8ClampedArray(readback.getMappedRange().slice(0, pixelCount * OUTPUT_BYTES_PER_PIXEL));
    readback.unmap();
    return pixels;
  } finally {
    if (scopeOpen) {
      // An exception skipped the pop above; close the scope so later scopes stay balanced.
      await device.popErrorScope();
    }
    pass?.destroy();
    output.destroy();
    readback.destroy();
  }
}
