import { ValidationError } from './errors.ts';

/**
 * Named parameterizations. The exponent s sets the output scale
 * m = n^((1−s)/2) and the initial variance σ²/n^s of each weight.
 */
export const PARAMETERIZATION_PRESETS = {
  /** Neural tangent parameterization, s = 0: f = vᵀUx/√n. */
  NTP: 0,
  /** Maximal update parameterization, s = 1: f = vᵀUx. */
  muP: 1,
} as const;

/** Name of a parameterization preset. */
export type ParameterizationName = keyof typeof PARAMETERIZATION_PRESETS;

/** Initialization at the large-width limit: f₀ = 0 and λ₀ = |x|²(σ_U² + σ_v²). */
export interface TypicalInitialization {
  kind: 'typical';
}

/** Initialization at a chosen point (f₀, λ₀) of the reachable wedge |f₀| ≤ m λ₀ / (2|x|). */
export interface ExplicitInitialization {
  kind: 'explicit';
  /** Initial network output f₀. */
  f0: number;
  /** Initial NTK eigenvalue λ₀ = |∇_θ f|². */
  lambda0: number;
}

/** Finite-width random initialization, drawn from a seeded generator. */
export interface SampledInitialization {
  kind: 'sampled';
  /** Seed of the random generator: an integer in [0, 2⁵³). */
  seed: number;
}

/** Initial state of the weights. */
export type Initialization = TypicalInitialization | ExplicitInitialization | SampledInitialization;

/**
 * One validated experiment: a UV model f(x) = vᵀUx/m, one training example
 * (x, y) and full-batch gradient descent with step η.
 */
export interface Experiment {
  /** Width n, an integer ≥ 1. */
  width: number;
  /** Parameterization exponent s ∈ [0, 1]: 0 is NTP, 1 is μP. */
  parameterization: number;
  /** Input norm |x| > 0. */
  inputNorm: number;
  /** Target y. */
  target: number;
  /** Standard deviation scale σ_U of the first layer: U_ij ~ N(0, σ_U²/n^s). */
  sigmaU: number;
  /** Standard deviation scale σ_v of the second layer: v_i ~ N(0, σ_v²/n^s). */
  sigmaV: number;
  /** Learning rate η > 0. */
  learningRate: number;
  /** Number of gradient-descent steps, an integer ≥ 1. */
  steps: number;
  /** Initial state of the weights. */
  init: Initialization;
}

/**
 * An experiment as a user writes it: every field optional (defaults fill the
 * rest), the parameterization given as a preset name or a number, and σ_w as
 * a shorthand that sets σ_U = σ_v.
 */
export interface ExperimentInput {
  width?: number;
  parameterization?: ParameterizationName | number;
  inputNorm?: number;
  target?: number;
  sigmaW?: number;
  sigmaU?: number;
  sigmaV?: number;
  learningRate?: number;
  steps?: number;
  init?: Initialization;
}

/** Largest step count: step indices are signed 32-bit integers in the GPU kernels. */
export const MAX_STEPS = 0x7fffffff;

/** Defaults: a wide μP network at half the critical learning rate. */
export const DEFAULT_EXPERIMENT: Readonly<Experiment> = Object.freeze({
  width: 1024,
  parameterization: PARAMETERIZATION_PRESETS.muP,
  inputNorm: 1,
  target: 1,
  sigmaU: 1,
  sigmaV: 1,
  learningRate: 0.5,
  steps: 1000,
  init: Object.freeze({ kind: 'typical' }) as TypicalInitialization,
});

/**
 * Validates `input`, fills defaults and returns a complete {@link Experiment}.
 * Throws a {@link ValidationError} naming the first invalid field.
 */
export function createExperiment(input: ExperimentInput = {}): Experiment {
  const width = input.width ?? DEFAULT_EXPERIMENT.width;
  requireInteger('width', width, 1, Number.MAX_SAFE_INTEGER);

  const parameterization = resolveParameterization(input.parameterization ?? DEFAULT_EXPERIMENT.parameterization);

  const inputNorm = input.inputNorm ?? DEFAULT_EXPERIMENT.inputNorm;
  requirePositive('inputNorm', inputNorm);

  const target = input.target ?? DEFAULT_EXPERIMENT.target;
  requireFinite('target', target);

  if (input.sigmaW !== undefined) {
    requireNonNegative('sigmaW', input.sigmaW);
    if (input.sigmaU !== undefined || input.sigmaV !== undefined) {
      throw new ValidationError('sigmaW', input.sigmaW, 'either sigmaW alone or sigmaU and sigmaV, not both');
    }
  }
  const sigmaU = input.sigmaU ?? input.sigmaW ?? DEFAULT_EXPERIMENT.sigmaU;
  const sigmaV = input.sigmaV ?? input.sigmaW ?? DEFAULT_EXPERIMENT.sigmaV;
  requireNonNegative('sigmaU', sigmaU);
  requireNonNegative('sigmaV', sigmaV);
  if (sigmaU === 0 && sigmaV === 0) {
    throw new ValidationError('sigmaU', sigmaU, 'σ_U or σ_v to be positive (with both zero the weights start at the origin)');
  }

  const learningRate = input.learningRate ?? DEFAULT_EXPERIMENT.learningRate;
  requirePositive('learningRate', learningRate);

  const steps = input.steps ?? DEFAULT_EXPERIMENT.steps;
  requireInteger('steps', steps, 1, MAX_STEPS);

  const partial = { width, parameterization, inputNorm, target, sigmaU, sigmaV, learningRate, steps };
  // λ₀ = 0 is the origin, a fixed point where every weight is zero; it arises when |x|²σ² underflows.
  if (!(inputNorm * inputNorm * (sigmaU * sigmaU + sigmaV * sigmaV) > 0)) {
    throw new ValidationError('inputNorm', inputNorm, 'a value with |x|²(σ_U² + σ_v²) > 0 in floating point (it underflows to 0)');
  }
  const init = validateInitialization(input.init ?? DEFAULT_EXPERIMENT.init, partial);
  return { ...partial, init };
}

/** Returns the exponent s of a preset name or checks a numeric s ∈ [0, 1]. */
export function resolveParameterization(value: ParameterizationName | number): number {
  if (typeof value === 'string') {
    if (!Object.hasOwn(PARAMETERIZATION_PRESETS, value)) {
      throw new ValidationError('parameterization', value, `one of ${Object.keys(PARAMETERIZATION_PRESETS).join(', ')} or a number in [0, 1]`);
    }
    return PARAMETERIZATION_PRESETS[value];
  }
  requireFinite('parameterization', value);
  if (value < 0 || value > 1) {
    throw new ValidationError('parameterization', value, 'a number in [0, 1] (0 is NTP, 1 is μP)');
  }
  return value;
}

function validateInitialization(init: Initialization, experiment: Omit<Experiment, 'init'>): Initialization {
  switch (init?.kind) {
    case 'typical':
      return { kind: 'typical' };
    case 'explicit': {
      requireFinite('init.f0', init.f0);
      requirePositive('init.lambda0', init.lambda0);
      const m = experiment.width ** ((1 - experiment.parameterization) / 2);
      const maxAbsF0 = (m * init.lambda0) / (2 * experiment.inputNorm);
      // The wedge follows from λ² − 4|x|²f²/m² = |p|²|q|²/m⁴ ≥ 0. A relative slack of
      // a few ulps admits boundary points (q = 0, the EoS manifold) computed in floating point.
      if (Math.abs(init.f0) > maxAbsF0 * (1 + 4 * Number.EPSILON)) {
        throw new ValidationError(
          'init.f0',
          init.f0,
          `|f₀| ≤ m λ₀ / (2|x|) = ${maxAbsF0} for λ₀ = ${init.lambda0}; outside this wedge no weights give (f₀, λ₀)`,
        );
      }
      return { kind: 'explicit', f0: init.f0, lambda0: init.lambda0 };
    }
    case 'sampled':
      requireInteger('init.seed', init.seed, 0, Number.MAX_SAFE_INTEGER);
      return { kind: 'sampled', seed: init.seed };
    default:
      throw new ValidationError('init.kind', (init as { kind?: unknown } | undefined)?.kind, '"typical", "explicit" or "sampled"');
  }
}

function requireFinite(field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(field, value, 'a finite number');
  }
}

function requirePositive(field: string, value: unknown): asserts value is number {
  requireFinite(field, value);
  if (value <= 0) {
    throw new ValidationError(field, value, 'a number > 0');
  }
}

function requireNonNegative(field: string, value: unknown): asserts value is number {
  requireFinite(field, value);
  if (value < 0) {
    throw new ValidationError(field, value, 'a number ≥ 0');
  }
}

function requireInteger(field: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, value, `an integer in [${min}, ${max}]`);
  }
}
