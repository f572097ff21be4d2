/**
 * The learning rate of an experiment given as η, as ỹ = η/η_c or as c = ηλ₀,
 * the three rate parameters that a view's axis can sweep.
 */
import { ValidationError } from './errors.ts';
import type { Experiment } from './experiment.ts';
import { initialPhysicalState } from './initialization.ts';
import { experimentScales, typicalLambda0 } from './quantities.ts';
import { AXIS_LABELS, type AxisParameter } from './view.ts';

/** A parameter that sets the learning rate: η, η/η_c or c = ηλ₀. */
export type RateParameter = Extract<AxisParameter, 'eta' | 'etaRatio' | 'c'>;

/** The rate parameters, in the order of RATE_PARAMETERS in view.ts. */
export const RATE_PARAMETER_NAMES: readonly RateParameter[] = ['eta', 'etaRatio', 'c'];

/** Unit of each rate parameter, for help texts and reports. */
export const RATE_PARAMETER_UNITS: Record<RateParameter, string> = {
  eta: 'η, the learning rate',
  etaRatio: 'ỹ = η/η_c, the learning rate over the critical one η_c = m/(|x|y)',
  c: 'c = ηλ₀, the learning rate times the initial NTK eigenvalue',
};

/** Returns the symbol of a rate parameter, such as η/η_c. */
export function rateSymbol(parameter: RateParameter): string {
  return AXIS_LABELS[parameter];
}

/**
 * Returns the experiment with its learning rate set from `value` of `parameter`.
 * η/η_c needs a target y > 0, and c uses λ₀ of the experiment's initialization
 * (the drawn sample for `sampled`), as `eos-atlas trajectory --c` does.
 *
 * @throws ValidationError when the value gives no positive finite learning rate.
 */
export function experimentWithRate(experiment: Experiment, parameter: RateParameter, value: number): Experiment {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ValidationError(parameter, value, `a finite number > 0 (${RATE_PARAMETER_UNITS[parameter]})`);
  }
  let learningRate: number;
  switch (parameter) {
    case 'eta':
      learningRate = value;
      break;
    case 'etaRatio': {
      if (!(experiment.target > 0)) {
        throw new ValidationError('target', experiment.target, 'a target y > 0, because η/η_c is defined only then; use the parameter eta or c');
      }
      learningRate = value * experimentScales(experiment).etaCritical;
      break;
    }
    case 'c': {
      const lambda0 = experiment.init.kind === 'typical' ? typicalLambda0(experiment) : initialPhysicalState(experiment).lambda;
      learningRate = value / lambda0;
      break;
    }
  }
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new ValidationError(parameter, value, `a value that gives a finite learning rate η > 0 (it gives ${learningRate})`);
  }
  return { ...experiment, learningRate };
}
