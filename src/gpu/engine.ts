/**
 * The engine that the page and the command line use: WebGPU when an adapter
 * exists, the CPU fallback otherwise, with the same layers either way. Each
 * render runs in the cheapest precision that resolves the view, unless the
 * caller names one.
 */
import type { ViewLayers } from '../core/layers.ts';
import { createLogger } from '../core/logger.ts';
import {
  assessPrecision,
  assessPrecisionOf,
  choosePrecision,
  MIN_ULPS_PER_PIXEL,
  type Precision,
  type PrecisionAssessment,
  type RequestedPrecision,
  type ViewPrecision,
} from '../core/precision.ts';
import type { View } from '../core/view.ts';
import { ValidationError } from '../core/errors.ts';
import { renderViewOnCpu } from './cpu/cpu-engine.ts';
import { NoAdapterError, type AdapterSource } from './context.ts';
import { GpuEngine, type GpuPrecision, type RenderOptions, type RenderProgress } from './trajectory-engine.ts';

const log = createLogger('engine');

/** Raised when no available precision, or the precision the caller named, resolves a view's pixels. */
export class PrecisionError extends Error {
  /** The float32 report of the view. */
  readonly precision: ViewPrecision;

  /**
   * `assessment` is that of the most precise precision tried; `finer` lists the precisions
   * the engine has beyond it, which the message suggests.
   */
  constructor(
    readonly assessment: PrecisionAssessment,
    view: View,
    finer: readonly Precision[] = [],
  ) {
    const name = assessment.precision;
    const axis = assessment.axes.find((entry) => !entry.resolved);
    const alternative = finer.length > 0 ? `render in ${finer.join(' or ')}` : undefined;
    super(
      axis !== undefined
        ? `The view is beyond ${name} precision: neighbouring pixels on the ${axis.axis} axis are ` +
            `${axis.spacing.toPrecision(3)} apart, ${axis.ulpsPerPixel.toPrecision(3)} ${name} ulps ` +
            `(at least ${MIN_ULPS_PER_PIXEL} are needed). Zoom out${alternative === undefined ? '' : `, or ${alternative}`}.`
        : `The view is beyond ${name} precision: some pixels have |ỹ|/min(1, ηλ₀/2), with ỹ = η|x|y/m, as small as ` +
            `${assessment.smallestYTilde.toPrecision(3)}, below ${assessment.minResolvedYTilde.toPrecision(3)}, where ${name} ` +
            `cannot resolve the convergence test |Δf| ≤ 10⁻⁴|y|. Use a larger target${alternative === undefined ? '' : `, or ${alternative}`}.`,
    );
    this.name = 'PrecisionError';
    this.precision = assessPrecision(view);
  }
}

export type { RequestedPrecision } from '../core/precision.ts';

/** Options of {@link Engine.render}. */
export interface EngineRenderOptions extends Omit<RenderOptions, 'precision'> {
  /**
   * Arithmetic of the map state (default `auto`). `float32` and `df64` need the WebGPU
   * engine; `float64` runs on the CPU engine, also when WebGPU is available.
   */
  precision?: RequestedPrecision;
}

/** Layers of a view and how they were computed. */
export interface ViewResult {
  layers: ViewLayers;
  /** `webgpu` (float32 or df64 kernels) or `cpu` (float64). */
  engine: 'webgpu' | 'cpu';
  /** The adapter, or the CPU engine with the reason it ran. */
  description: string;
  /** Arithmetic of the map state in this render. */
  arithmetic: Precision;
  /** The view's float32 precision report. */
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
  /** On `webgpu`, the first pixel of each tile in row-major order (GpuRender.tileStarts); undefined on `cpu`. */
  tileStarts: number[] | undefined;
}

/**
 * Returns the precision and the engine of a render in words, for example
 * `computed in df64 on <adapter>` or `computed in float64 by the float64 CPU engine (<reason>)`.
 */
export function describeComputation(result: Pick<ViewResult, 'engine' | 'description' | 'arithmetic'>): string {
  return result.engine === 'cpu'
    ? `computed in ${result.arithmetic} by the ${result.description}`
    : `computed in ${result.arithmetic} on ${result.description}`;
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
  /** Precisions this engine renders in, cheapest first. On WebGPU, float64 runs on the CPU engine. */
  readonly precisions: readonly Precision[];
  /**
   * Renders a view. Raises a {@link PrecisionError} when the requested precision, or with
   * `auto` every precision of this engine, cannot resolve the view.
   */
  render(view: View, options?: EngineRenderOptions): Promise<ViewResult>;
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
      return gpuEngine(gpu, options.workers);
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

/** Precisions of the WebGPU engine, cheapest first; float64 runs on the CPU. */
const GPU_ENGINE_PRECISIONS: readonly Precision[] = ['float32', 'df64', 'float64'];
/** Precisions of the CPU engine. */
const CPU_ENGINE_PRECISIONS: readonly Precision[] = ['float64'];

/**
 * Returns the precision that renders `view` on an engine with `available` precisions
 * (cheapest first), or raises a {@link PrecisionError} when it does not resolve the view.
 */
export function resolveRenderPrecision(view: View, requested: RequestedPrecision, available: readonly Precision[]): Precision {
  if (requested === 'auto') {
    const choice = choosePrecision(view, available);
    if (choice.precision === undefined) {
      throw new PrecisionError(choice.assessments.at(-1)!, view);
    }
    return choice.precision;
  }
  if (!available.includes(requested)) {
    throw new ValidationError('precision', requested, `one of auto, ${available.join(', ')} on this engine`);
  }
  const assessment = assessPrecisionOf(view, requested);
  if (!assessment.resolved) {
    const finer = available.slice(available.indexOf(requested) + 1).filter((precision) => assessPrecisionOf(view, precision).resolved);
    throw new PrecisionError(assessment, view, finer);
  }
  return requested;
}

function gpuEngine(gpu: GpuEngine, workers: number | undefined): Engine {
  return {
    kind: 'webgpu',
    get description() {
      return gpu.adapterName;
    },
    gpu,
    precisions: GPU_ENGINE_PRECISIONS,
    async render(view, options = {}) {
      const arithmetic = resolveRenderPrecision(view, options.precision ?? 'auto', GPU_ENGINE_PRECISIONS);
      if (arithmetic === 'float64') {
        const reason = options.precision === 'float64' ? 'float64 requested' : 'the view is beyond df64 precision';
        return renderOnCpu(view, options, `float64 CPU engine (${reason})`, workers);
      }
      const render = await gpu.render(view, { ...options, precision: arithmetic satisfies GpuPrecision });
      return {
        layers: render.layers,
        engine: 'webgpu',
        description: render.adapterName,
        arithmetic,
        precision: assessPrecision(view),
        trajectorySteps: render.trajectorySteps,
        elapsedMilliseconds: render.elapsedMilliseconds,
        results: render.results,
        recoveries: render.recoveries,
        tileStarts: render.tileStarts,
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
    precisions: CPU_ENGINE_PRECISIONS,
    async render(view, options = {}) {
      resolveRenderPrecision(view, options.precision ?? 'auto', CPU_ENGINE_PRECISIONS);
      return renderOnCpu(view, options, description, workers);
    },
    dispose: () => undefined,
  };
}

async function renderOnCpu(view: View, options: EngineRenderOptions, description: string, workers: number | undefined): Promise<ViewResult> {
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
    arithmetic: 'float64',
    precision: assessPrecision(view),
    trajectorySteps: total,
    elapsedMilliseconds: performance.now() - started,
    results: undefined,
    recoveries: 0,
    tileStarts: undefined,
  };
}

