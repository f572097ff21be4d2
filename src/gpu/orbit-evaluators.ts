/**
 * Engine adapters for the cascade finder of src/core/cascade.ts: each turns a
 * batch of values of one rate parameter (η, η/η_c or c = ηλ₀) into trajectories
 * of an experiment and returns what the engine reports for each.
 */
import { PHASES, runHatTrajectory } from '../core/analysis.ts';
import { float64Ulp, type OrbitEvaluator, type OrbitSample } from '../core/cascade.ts';
import { ValidationError } from '../core/errors.ts';
import type { Experiment } from '../core/experiment.ts';
import { INVALID_PIXEL, type ViewLayers } from '../core/layers.ts';
import { precisionUlp, type Precision } from '../core/precision.ts';
import { experimentWithRate, type RateParameter } from '../core/rate-parameter.ts';
import { experimentStart, type TrajectoryStart } from '../core/view.ts';
import type { GpuEngine, GpuPrecision } from './trajectory-engine.ts';

/** An evaluator with the parameter resolution of its engine. */
export interface EngineOrbitEvaluator {
  evaluate: OrbitEvaluator;
  /** Smallest spacing of the parameter that the engine resolves at a value. */
  resolution: (value: number) => number;
  /** The engine, in words. */
  description: string;
}

/** Trajectories per in-thread block of the CPU evaluator, between checks of the signal. */
const CPU_BLOCK = 16;

/** Returns the kernel start of the experiment at `value` of `parameter`, or undefined when the value is invalid. */
export function rateStart(experiment: Experiment, parameter: RateParameter, value: number): TrajectoryStart | undefined {
  try {
    return experimentStart(experimentWithRate(experiment, parameter, value));
  } catch (error) {
    if (error instanceof ValidationError) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Returns the spacing of `value` at which the start (P̂, Q̂, ỹ) changes by one ulp of
 * `ulp`'s format. All three are proportional to η, and so to every rate parameter
 * (λ₀ does not depend on η), so the relative ulp of ỹ carries over to the parameter.
 */
function parameterResolution(experiment: Experiment, parameter: RateParameter, value: number, ulp: (x: number) => number): number {
  const start = rateStart(experiment, parameter, value);
  if (start === undefined) {
    return ulp(value);
  }
  // With y = 0, ỹ is 0 for every rate, and the start's scale P̂ + Q̂ carries the rate instead.
  const carrier = start.yTilde !== 0 ? Math.abs(start.yTilde) : start.pHat + start.qHat;
  return carrier > 0 ? (Math.abs(value) * ulp(carrier)) / carrier : ulp(value);
}

/**
 * Returns the parameter resolution of an engine that computes in `precision`, the
 * `resolution` of its evaluator, without starting the engine.
 */
export function rateResolution(experiment: Experiment, parameter: RateParameter, precision: Precision): (value: number) => number {
  const ulp = precision === 'float64' ? float64Ulp : (x: number) => precisionUlp(x, precision);
  return (value) => parameterResolution(experiment, parameter, value, ulp);
}

/** Reads pixel `index` of a render's layers as an orbit sample. */
function sampleAt(layers: ViewLayers, index: number): OrbitSample {
  const code = layers.phase[index]!;
  return {
    phase: code === INVALID_PIXEL ? 'invalid' : PHASES[code]!,
    period: layers.period[index]!,
    lyapunovExponent: layers.lyapunovExponent[index]!,
  };
}

/**
 * Evaluates on the WebGPU engine: one trajectory per value through
 * GpuEngine.runStarts, with the float32 or the df64 kernels. The resolution is one
 * ulp of the start's ỹ in that precision, carried over to the parameter.
 */
export function createGpuOrbitEvaluator(
  engine: GpuEngine,
  experiment: Experiment,
  parameter: RateParameter,
  precision: GpuPrecision = 'float32',
): EngineOrbitEvaluator {
  return {
    description: `WebGPU (${precision} kernels) on ${engine.adapterName}`,
    resolution: rateResolution(experiment, parameter, precision),
    async evaluate(values, steps, signal) {
      const starts = values.map((value) => rateStart(experiment, parameter, value));
      const render = await engine.runStarts(starts, steps, { signal, precision, keepResults: false });
      return values.map((_, i) => sampleAt(render.layers, i));
    },
  };
}

/**
 * Evaluates in float64 in the calling thread with the core's own map and
 * analysis, the rules that the CPU engine applies. It yields to the event loop
 * every few trajectories and stops there when `signal` aborts.
 */
export function createCpuOrbitEvaluator(experiment: Experiment, parameter: RateParameter): EngineOrbitEvaluator {
  return {
    description: 'the float64 CPU engine (in-thread)',
    resolution: rateResolution(experiment, parameter, 'float64'),
    async evaluate(values, steps, signal) {
      const samples: OrbitSample[] = [];
      for (let i = 0; i < values.length; i++) {
        if (i % CPU_BLOCK === 0) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          if (signal?.aborted) {
            throw new DOMException('The bifurcation search was cancelled.', 'AbortError');
          }
        }
        const start = rateStart(experiment, parameter, values[i]!);
        if (start === undefined) {
          samples.push({ phase: 'invalid', period: 0, lyapunovExponent: NaN });
          continue;
        }
        const { analysis } = runHatTrajectory({ pHat: start.pHat, qHat: start.qHat }, start.yTilde, steps);
        samples.push({ phase: analysis.phase, period: analysis.period, lyapunovExponent: analysis.lyapunovExponent });
      }
      return samples;
    },
  };
}
