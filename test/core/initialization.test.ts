import { describe, expect, it } from 'vitest';
import {
  createExperiment,
  initialPhysicalState,
  Random,
  rowCovariance,
  sampleNorms,
  sampleWeights,
  type Experiment,
  type NormSample,
} from '../../src/core/index.ts';

const SAMPLES = 20000;

/** (P, Q, p·q) computed from directly sampled U, v and x. */
function directNorms(experiment: Experiment, random: Random): NormSample {
  const weights = sampleWeights(experiment, 3, random);
  const { width: n, inputDim: d, U, v, x } = weights;
  let P = 0;
  let Q = 0;
  let pq = 0;
  for (let i = 0; i < n; i++) {
    let a = 0;
    for (let j = 0; j < d; j++) {
      a += U[i * d + j]! * x[j]!;
    }
    const p = a + experiment.inputNorm * v[i]!;
    const q = a - experiment.inputNorm * v[i]!;
    P += p * p;
    Q += q * q;
    pq += p * q;
  }
  return { P, Q, pq };
}

function moments(samples: NormSample[]) {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const P = samples.map((s) => s.P);
  const Q = samples.map((s) => s.Q);
  const meanP = mean(P);
  const meanQ = mean(Q);
  return {
    meanP,
    meanQ,
    varianceP: mean(P.map((value) => (value - meanP) ** 2)),
    covariancePQ: mean(P.map((value, i) => (value - meanP) * (Q[i]! - meanQ))),
    P,
    Q,
  };
}

/** Two-sample Kolmogorov–Smirnov statistic. */
function ksStatistic(first: number[], second: number[]): number {
  const a = [...first].sort((x, y) => x - y);
  const b = [...second].sort((x, y) => x - y);
  let i = 0;
  let j = 0;
  let worst = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! <= b[j]!) {
      i++;
    } else {
      j++;
    }
    worst = Math.max(worst, Math.abs(i / a.length - j / b.length));
  }
  return worst;
}

describe('sampled initialization', () => {
  // Unequal layer variances make P and Q correlated: corr(P, Q) = ((σ_U² − σ_v²)/(σ_U² + σ_v²))² ≈ 0.30.
  const experiment = createExperiment({ width: 8, parameterization: 0.5, inputNorm: 1.4, sigmaU: 1.3, sigmaV: 0.7 });
  const { variance, covariance } = rowCovariance(experiment);
  const n = experiment.width;
  // Wishart(n, Σ) moments: E P = nΣ₁₁, Var P = 2nΣ₁₁², Cov(P, Q) = 2nΣ₁₂².
  const exact = { mean: n * variance, variance: 2 * n * variance ** 2, covariance: 2 * n * covariance ** 2 };

  const wishartRandom = new Random(2024);
  const wishart = moments(Array.from({ length: SAMPLES }, () => sampleNorms(experiment, wishartRandom)));
  const directRandom = new Random(4048);
  const direct = moments(Array.from({ length: SAMPLES }, () => directNorms(experiment, directRandom)));

  // Tolerances: 5 standard errors. The mean's SE is √(Var P / N) ≈ 0.7% of the mean. The
  // SE of a variance or covariance estimate with χ²₈ tails is about 1.3%, so 8% covers both.
  const meanTolerance = 5 * Math.sqrt(exact.variance / SAMPLES);
  for (const [name, sample] of [
    ['Wishart draws', wishart],
    ['direct sampling', direct],
  ] as const) {
    it(`${name} match the exact moments`, () => {
      expect(Math.abs(sample.meanP - exact.mean)).toBeLessThan(meanTolerance);
      expect(Math.abs(sample.meanQ - exact.mean)).toBeLessThan(meanTolerance);
      expect(Math.abs(sample.varianceP / exact.variance - 1)).toBeLessThan(0.08);
      expect(Math.abs(sample.covariancePQ / exact.covariance - 1)).toBeLessThan(0.08);
    });
  }

  it('Wishart and direct marginals agree (KS test)', () => {
    // Critical value of the two-sample KS statistic at α = 0.001: 1.95·√(2/N) ≈ 0.0195.
    const critical = 1.95 * Math.sqrt(2 / SAMPLES);
    expect(ksStatistic(wishart.P, direct.P)).toBeLessThan(critical);
    expect(ksStatistic(wishart.Q, direct.Q)).toBeLessThan(critical);
  });

  it('width 1 gives a rank-one sample', () => {
    const narrow = createExperiment({ width: 1, sigmaU: 1.2, sigmaV: 0.5 });
    const sample = sampleNorms(narrow, new Random(5));
    expect(sample.P * sample.Q).toBeCloseTo(sample.pq * sample.pq, 12);
  });

  it('is reproducible from the seed', () => {
    const seeded = createExperiment({ width: 100, init: { kind: 'sampled', seed: 17 } });
    const other = createExperiment({ width: 100, init: { kind: 'sampled', seed: 18 } });
    expect(initialPhysicalState(seeded)).toEqual(initialPhysicalState(seeded));
    expect(initialPhysicalState(seeded)).not.toEqual(initialPhysicalState(other));
  });

  // Var f₀ = σ_U²σ_v²|x|²/n^s: the output stays random in NTP and vanishes for s > 0.
  for (const parameterization of [0, 1]) {
    it(`large-width statistics, s=${parameterization}`, () => {
      const width = 1_000_000;
      const draws = Array.from({ length: 400 }, (_, seed) =>
        initialPhysicalState(
          createExperiment({ width, parameterization, inputNorm: 1.5, sigmaU: 1.2, sigmaV: 0.8, init: { kind: 'sampled', seed } }),
        ),
      );
      const expectedStd = (1.2 * 0.8 * 1.5) / Math.sqrt(width ** parameterization);
      const std = Math.sqrt(draws.reduce((sum, state) => sum + state.f * state.f, 0) / draws.length);
      // The sample std of 400 Gaussian draws has a relative SE of 1/√800 ≈ 3.5%.
      expect(Math.abs(std / expectedStd - 1)).toBeLessThan(0.15);
      // λ₀ → |x|²(σ_U² + σ_v²) with O(1/√n) = 0.1% fluctuations.
      for (const state of draws) {
        expect(Math.abs(state.lambda / (1.5 * 1.5 * (1.44 + 0.64)) - 1)).toBeLessThan(0.01);
      }
    });
  }
});
