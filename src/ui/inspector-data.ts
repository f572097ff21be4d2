/**
 * Data of the trajectory inspector's plots, computed from one experiment: the float64
 * trajectory, its analysis, the series, the fixed points and the plotted ranges.
 * DOM-free, so a Web Worker (inspector-worker.ts) can compute it off the page's thread.
 */
import type { TrajectoryAnalysis } from '../core/analysis.ts';
import type { Experiment } from '../core/experiment.ts';
import { analyzeFixedPoints, type FixedPointAnalysis } from '../core/fixed-points.ts';
import { experimentScales } from '../core/quantities.ts';
import { simulateExperiment } from '../core/trajectory.ts';
import {
  finiteBounds,
  logInterval,
  padInterval,
  phasePlaneRanges,
  trajectorySeries,
  unionBounds,
  type Interval,
  type PhasePlaneRanges,
  type TrajectorySeries,
} from './inspector-geometry.ts';

/** Everything the plots need, computed once per experiment. */
export interface InspectorData {
  experiment: Experiment;
  analysis: TrajectoryAnalysis;
  series: TrajectorySeries;
  fixedPoints: FixedPointAnalysis;
  lambda0: number;
  etaCritical: number;
  /** Last step on the time axes: the run's length, or the divergence step. */
  lastStep: number;
  ranges: {
    phase: PhasePlaneRanges;
    loss: Interval;
    residual: Interval;
    sharpness: Interval;
  };
}

/** Simulates an experiment and derives the series, fixed points and plotted ranges. */
export function computeInspectorData(experiment: Experiment): InspectorData {
  const run = simulateExperiment(experiment, { keepStates: true });
  const analysis = run.analysis;
  const series = trajectorySeries(experiment, run.readouts ?? [], analysis.divergenceStep);
  const eta = experiment.learningRate;
  const scales = experimentScales(experiment);
  const lambda0 = series.count > 0 ? series.lambda[0]! : NaN;
  const fixedPoints = analyzeFixedPoints(experiment);
  const phase = phasePlaneRanges(experiment, series, fixedPoints.points);
  const sharpnessBounds = unionBounds(
    finiteBounds(series.lambda, series.fitCount),
    finiteBounds(series.lambdaHessian, series.fitCount),
  );
  return {
    experiment,
    analysis,
    series,
    fixedPoints,
    lambda0,
    etaCritical: scales.etaCritical,
    lastStep: analysis.divergenceStep >= 0 ? analysis.divergenceStep : experiment.steps,
    ranges: {
      phase,
      loss: logInterval(series.loss, series.count),
      residual: padInterval(finiteBounds(series.residual, series.fitCount), {
        include: [0],
        pointHalfWidth: (phase.residual[1] - phase.residual[0]) / 2,
      }),
      sharpness: padInterval(sharpnessBounds, { includeNear: [2 / eta], lowerLimit: 0 }),
    },
  };
}
