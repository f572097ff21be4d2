/**
 * The engine that the page and the command line use: WebGPU when an adapter
 * exists, the CPU fallback otherwise, with the same layers either way.
 */
import type { ViewLayers } from '../core/layers.ts';
import { createLogger } from '../core/logger.ts';
import { assessPrecision, MIN_RESOLVED_Y_TILDE, type ViewPrecision } from '../core/precision.ts';
import type { View } from '../core/view.ts';
import { renderViewOnCpu } from './cpu/cpu-engine.ts';
import { NoAdapterError, type AdapterSource } from './context.ts';
import { GpuEngine, type RenderOptions, type RenderProgress } from './trajectory-engine.ts';

const log = createLogger('engine');

/** Raised when a float32 engine is asked for a view whose pixels float32 cannot tell apart. */
export class PrecisionError extends Error {
  constructor(readonly precision: ViewPrecision) {
    const axis = precision.axes.find((entry) => !entry.resolved);
    super(
      axis !== undefined
        ? `The view is beyond float32 precision: neighbouring pixels on the ${axis.axis} axis are ` +
            `${axis.spacing.toPrecision(3)} apart, ${axis.ulpsPerPixel.toPrecision(3)} float32 ulps ` +
            `(at least 4 are needed). Zoom out, or render on the float64 CPU engine.`
        : `The view is beyond float32 precision: some pixels have |ỹ|/min(1, ηλ₀/2), with ỹ = η|x|y/m, as small as ` +
            `${precision.smallestYTilde.toPrecision(3)}, below ${MIN_RESOLVED_Y_TILDE.toPrecision(3)}, where float32 ` +
            `cannot resolve the convergence test |Δf| ≤ 10⁻⁴|y|. Use a larger target, or render on the float64 CPU engine.`,
    );
    this.name = 'PrecisionError';
  }
}

/** Layers of a view and how they were computed. */
export interface ViewResult {
  layers: ViewLayers;
  /** `webgpu` (float32 kernels) or `cpu` (float64 fallback). */
  engine: 'webgpu' | 'cpu';
  /** The adapter, or the CPU fallback with its reason. */
  description: string;
  precision: ViewPrecision;
  trajectorySteps: number;
  elapsedMilliseconds: number;
  /**
   * On `webgpu`, the pixel-major results (16 floats per pixel) on the device when they fit
   * one buffer. The caller owns it.
   */
  results: GPUBuffer | undefined;
  /** Device losses that the engine recovered from during the render. */
  recoveries: number;
}

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** How to get a WebGPU adapter; without it the engine uses the CPU fallback. */
  adapterSource?: AdapterSource;
  /** Use the CPU fallback even when an adapter exists. */
  forceCpu?: boolean;
  /** Worker count of the CPU fallback (default: all cores). */
  workers?: number;
}

/** Renders views on WebGPU or on the CPU. */
export interface Engine {
  readonly kind: 'webgpu' | 'cpu';
  /** The adapter name, or why the CPU fallback is in use. */
  readonly description: string;
  /** The GPU engine, when `kind` is `webgpu`. */
  readonly gpu: GpuEngine | undefined;
  render(view: View, options?: RenderOptions): Promise<ViewResult>;
  dispose(): void;
}

/**
 * Creates an engine: WebGPU through `adapterSource` when it yields an adapter,
 * otherwise the CPU fallback, whose description gives the reason.
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  if (!options.forceCpu && options.adapterSource !== undefined) {
    try {
      const gpu = await GpuEngine.create(options.adapterSource);
      return gpuEngine(gpu);
    } catch (error) {
      if (!(error instanceof NoAdapterError)) {
        throw error;
      }
      const reason = `${error.message} Falling back to the float64 CPU engine.`;
      log.warn('fallback', reason);
      return cpuEngine(reason, options.workers);
    }
  }
  const reason = options.forceCpu ? 'CPU engine requested' : 'no WebGPU adapter source given';
  return cpuEngine(reason, options.workers);
}

function gpuEngine(gpu: GpuEngine): Engine {
  return {
    kind: 'webgpu',
    get description() {
      return gpu.adapterName;
    },
    gpu,
    async render(view, options = {}) {
      const precision = assessPrecision(view);
      if (precision.beyondFloat32) {
        throw new PrecisionError(precision);
      }
      const render = await gpu.render(view, options);
      return {
        layers: render.layers,
        engine: 'webgpu',
        description: render.adapterName,
        precision,
        trajectorySteps: render.trajectorySteps,
        elapsedMilliseconds: render.elapsedMilliseconds,
        results: render.results,
        recoveries: render.recoveries,
      };
    },
    dispose: () => gpu.dispose(),
  };
}

function cpuEngine(reason: string, workers: number | undefined): Engine {
  const description = `float64 CPU engine (${reason})`;
  return {
    kind: 'cpu',
    description,
    gpu: undefined,
    async render(view, options = {}) {
      const started = performance.now();
      const total = view.columns * view.rows * view.samples * (view.experiment.steps + 1);
      const onProgress = options.onProgress;
      const layers = await renderViewOnCpu(view, {
        signal: options.signal,
        workers,
        onProgress:
          onProgress === undefined
            ? undefined
            : (done: number, all: number) =>
                onProgress({ done, total: all, tilesDone: 0, pixelsDone: 0, pixels: view.columns * view.rows } satisfies RenderProgress),
      });
      return {
        layers,
        engine: 'cpu',
        description,
        precision: assessPrecision(view),
        trajectorySteps: total,
        elapsedMilliseconds: performance.now() - started,
        results: undefined,
        recoveries: 0,
      };
    },
    dispose: () => undefined,
  };
}

