/**
 * Shows one layer of a rendered view in a WebGPU canvas: the colour-mapping
 * kernel writes RGBA8 pixels from the results buffer, they are copied into a
 * texture, and shaders/blit.wgsl draws the texture into the canvas. Nothing
 * passes through JavaScript on the way.
 */
import tgpu from 'typegpu';
import * as d from 'typegpu/data';
import source from '../../shaders/blit.wgsl?raw';
import type { ColorizeOptions } from '../core/colormaps.ts';
import { ColormapPass, getColormapPipeline } from './colormap-pass.ts';

/** Uniforms of the blit: where the image goes and what surrounds it. */
export const BlitParams = d.struct({
  /** Image rectangle in canvas-normalized coordinates: (left, top, right, bottom). */
  rect: d.vec4f,
  /** Colour outside the rectangle, straight RGBA in 0 … 1. */
  background: d.vec4f,
});

/** Placement of the image in the canvas, in canvas-normalized coordinates (0 … 1, y down). */
export interface ImageRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The whole canvas. */
export const FULL_RECT: ImageRect = { left: 0, top: 0, right: 1, bottom: 1 };

/** Draws coloured views into one canvas with one device. */
export class CanvasPresenter {
  private readonly context: GPUCanvasContext;
  private readonly pipeline: GPURenderPipeline;
  private readonly params;
  private texture: GPUTexture | undefined;
  private colors: GPUBuffer | undefined;
  private bindGroup: GPUBindGroup | undefined;

  /** Configures `canvas` for `device`. */
  constructor(
    private readonly device: GPUDevice,
    canvas: HTMLCanvasElement,
  ) {
    const context = canvas.getContext('webgpu');
    if (context === null) {
      throw new Error('The canvas has no WebGPU context (getContext("webgpu") returned null).');
    }
    this.context = context;
    const format = navigator.gpu.getPreferredCanvasFormat();
    context.configure({ device, format, alphaMode: 'opaque' });
    const root = tgpu.initFromDevice({ device });
    this.params = root.createBuffer(BlitParams).$usage('uniform');
    const module = device.createShaderModule({ label: 'blit.wgsl', code: tgpu.resolve({ template: source, externals: { BlitParams } }) });
    this.pipeline = device.createRenderPipeline({
      label: 'blit',
      layout: 'auto',
      vertex: { module, entryPoint: 'vertexMain' },
      fragment: { module, entryPoint: 'fragmentMain', targets: [{ format }] },
      primitive: { topology: 'triangle-list' },
    });
    this.paramsBuffer = root.unwrap(this.params);
  }

  private readonly paramsBuffer: GPUBuffer;

  /**
   * Colours layer `layerIndex` of a results buffer (16 floats per pixel) on the GPU
   * and makes it the current image.
   */
  async showLayer(results: GPUBuffer, columns: number, rows: number, layerIndex: number, options: ColorizeOptions): Promise<void> {
    const device = this.device;
    const pixels = columns * rows;
    this.ensureImage(columns, rows);
    const pipeline = await getColormapPipeline(device);
    const pass = new ColormapPass(pipeline, { results, output: this.colors!, pixelCount: pixels });
    pass.write(layerIndex, options);
    const encoder = device.createCommandEncoder({ label: 'show layer' });
    pass.encode(encoder);
    const rowBytes = columns * 4;
    if (rowBytes % 256 === 0) {
      encoder.copyBufferToTexture({ buffer: this.colors!, bytesPerRow: rowBytes }, { texture: this.texture! }, [columns, rows]);
    } else {
      // Multi-row copies need bytesPerRow to be a multiple of 256, so odd widths copy row by row.
      for (let row = 0; row < rows; row++) {
        encoder.copyBufferToTexture({ buffer: this.colors!, offset: row * rowBytes }, { texture: this.texture!, origin: [0, row] }, [columns, 1]);
      }
    }
    device.queue.submit([encoder.finish()]);
    pass.destroy();
  }

  /** Makes RGBA8 pixels computed on the host (the CPU engine's image) the current image. */
  showPixels(rgba: Uint8ClampedArray, columns: number, rows: number): void {
    this.ensureImage(columns, rows);
    this.device.queue.writeTexture({ texture: this.texture! }, rgba, { bytesPerRow: columns * 4 }, [columns, rows]);
  }

  /** Draws the current image into `rect`, with `background` around it. */
  draw(rect: ImageRect = FULL_RECT, background: [number, number, number, number] = [0.93, 0.93, 0.93, 1]): void {
    if (this.texture === undefined || this.bindGroup === undefined) {
      return;
    }
    this.params.write({ rect: d.vec4f(rect.left, rect.top, rect.right, rect.bottom), background: d.vec4f(...background) });
    const encoder = this.device.createCommandEncoder({ label: 'draw view' });
    const pass = encoder.beginRenderPass({
      colorAttachments: [{ view: this.context.getCurrentTexture().createView(), loadOp: 'clear', storeOp: 'store', clearValue: { r: 1, g: 1, b: 1, a: 1 } }],
    });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup);
    pass.draw(3);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Whether an image has been shown. */
  get hasImage(): boolean {
    return this.texture !== undefined;
  }

  /** Frees the GPU resources. */
  destroy(): void {
    this.texture?.destroy();
    this.colors?.destroy();
    this.params.destroy();
  }

  private ensureImage(columns: number, rows: number): void {
    if (this.texture !== undefined && this.texture.width === columns && this.texture.height === rows) {
      return;
    }
    this.texture?.destroy();
    this.colors?.destroy();
    this.texture = this.device.createTexture({
      label: 'view image',
      size: [columns, rows],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
    });
    this.colors = this.device.createBuffer({
      label: 'view colours',
      size: columns * rows * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
    });
    this.bindGroup = this.device.createBindGroup({
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.paramsBuffer } },
        { binding: 1, resource: this.texture.createView() },
      ],
    });
  }
}
