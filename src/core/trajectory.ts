/**
 * One experiment's trajectory in physical units, from the float64 reference
 * map: what the CLI prints and the trajectory inspector plots.
 */
import { runHatTrajectory, type AnalysisSettings, type TrajectoryAnalysis } from './analysis.ts';
import type { Experiment } from './experiment.ts';
import { initialHatState } from './initialization.ts';
import { experimentScales, hessianSharpness, loss, physicalFromHat, yTilde, type HatState } from './quantities.ts';

/** Physical readouts of one state. */
export interface StateReadout {
  step: number;
  /** Network output f. */
  f: number;
  /** Residual Δf = f − y. */
  residual: number;
  /** NTK eigenvalue λ. */
  lambda: number;
  /** Top Hessian eigenvalue λ_H. */
  lambdaHessian: number;
  /** Loss ½Δf². */
  loss: number;
}

/** A simulated experiment: its analysis and, on request, every state. */
export interface ExperimentRun {
  analysis: TrajectoryAnalysis;
  /** States 0 … steps (or up to the divergence), present when requested. */
  readouts: StateReadout[] | undefined;
}

/** Converts a dimensionless state to physical readouts. */
export function readState(experiment: Experiment, step: number, state: HatState): StateReadout {
  const scales = experimentScales(experiment);
  const { f, lambda } = physicalFromHat(experiment, state);
  const residual = f - experiment.target;
  return { step, f, residual, lambda, lambdaHessian: hessianSharpness(lambda, f, residual, scales), loss: loss(residual) };
}

/** Runs an experiment on the float64 map from its initialization and analyzes it. */
export function simulateExperiment(
  experiment: Experiment,
  options: { settings?: AnalysisSettings; keepStates?: boolean } = {},
): ExperimentRun {
  const run = runHatTrajectory(initialHatState(experiment), yTilde(experiment), experiment.steps, options);
  return {
    analysis: run.analysis,
    readouts: run.states?.map((state, step) => readState(experiment, step, state)),
  };
}
