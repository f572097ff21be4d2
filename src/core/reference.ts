/**
 * Gradient descent on the full parameters (U ∈ R^{n×d}, v ∈ R^n) in float64,
 * and the explicit loss Hessian. Slow by design: it is the ground truth that
 * the reduced map, the closed-form sharpness and every engine are tested against.
 */
import { invariant } from './errors.ts';
import type { Experiment } from './experiment.ts';
import { experimentScales, normsFromPhysical, type PhysicalState } from './quantities.ts';
import { Random } from './random.ts';

/** Parameters of one UV network with its training input. */
export interface Weights {
  /** Width n. */
  width: number;
  /** Input dimension d. */
  inputDim: number;
  /** Output scale m. */
  m: number;
  /** First layer U, row-major n×d. */
  U: Float64Array;
  /** Second layer v, length n. */
  v: Float64Array;
  /** Training input x, length d. */
  x: Float64Array;
}

/** Draws x uniformly on the sphere of radius |x| in R^d. */
function sampleInput(experiment: Experiment, inputDim: number, random: Random): Float64Array {
  const x = new Float64Array(inputDim);
  let norm2 = 0;
  for (let j = 0; j < inputDim; j++) {
    x[j] = random.normal();
    norm2 += x[j]! * x[j]!;
  }
  const scale = experiment.inputNorm / Math.sqrt(norm2);
  for (let j = 0; j < inputDim; j++) {
    x[j]! *= scale;
  }
  return x;
}

/** Draws U_ij ~ N(0, σ_U²/n^s), v_i ~ N(0, σ_v²/n^s) and an input x with norm |x|. */
export function sampleWeights(experiment: Experiment, inputDim: number, random: Random): Weights {
  invariant(Number.isInteger(inputDim) && inputDim >= 1, `inputDim must be an integer ≥ 1, got ${inputDim}`);
  const n = experiment.width;
  const { m } = experimentScales(experiment);
  const scale = 1 / Math.sqrt(n ** experiment.parameterization);
  const U = new Float64Array(n * inputDim);
  for (let k = 0; k < U.length; k++) {
    U[k] = experiment.sigmaU * scale * random.normal();
  }
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    v[i] = experiment.sigmaV * scale * random.normal();
  }
  return { width: n, inputDim, m, U, v, x: sampleInput(experiment, inputDim, random) };
}

/**
 * Builds random weights whose output and NTK eigenvalue are exactly (f, λ):
 * p and q are random directions scaled to |p|² = P and |q|² = Q, then
 * v = (p − q)/(2|x|) and U = a xᵀ/|x|² + R(I − x xᵀ/|x|²) with a = (p + q)/2 and R random,
 * so that Ux = a. Needs n ≥ 2 unless p and q are parallel.
 */
export function weightsForState(experiment: Experiment, inputDim: number, state: PhysicalState, random: Random): Weights {
  const n = experiment.width;
  const { m } = experimentScales(experiment);
  const { P, Q } = normsFromPhysical(experiment, state);
  const x = sampleInput(experiment, inputDim, random);
  const xNorm = experiment.inputNorm;

  const p = randomDirection(n, random, Math.sqrt(Math.max(0, P)));
  const q = randomDirection(n, random, Math.sqrt(Math.max(0, Q)));
  const v = new Float64Array(n);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    v[i] = (p[i]! - q[i]!) / (2 * xNorm);
    a[i] = (p[i]! + q[i]!) / 2;
  }

  const U = new Float64Array(n * inputDim);
  for (let i = 0; i < n; i++) {
    // A random row, projected orthogonal to x, plus the component that maps x to a_i.
    const row = new Float64Array(inputDim);
    let alongX = 0;
    for (let j = 0; j < inputDim; j++) {
      row[j] = random.normal();
      alongX += row[j]! * x[j]!;
    }
    for (let j = 0; j < inputDim; j++) {
      U[i * inputDim + j] = row[j]! - (alongX * x[j]!) / (xNorm * xNorm) + (a[i]! * x[j]!) / (xNorm * xNorm);
    }
  }
  return { width: n, inputDim, m, U, v, x };
}

function randomDirection(length: number, random: Random, norm: number): Float64Array {
  const out = new Float64Array(length);
  let norm2 = 0;
  for (let i = 0; i < length; i++) {
    out[i] = random.normal();
    norm2 += out[i]! * out[i]!;
  }
  const scale = norm / Math.sqrt(norm2);
  for (let i = 0; i < length; i++) {
    out[i]! *= scale;
  }
  return out;
}

/** Returns a = Ux. */
function hiddenActivations(weights: Weights): Float64Array {
  const { width: n, inputDim: d, U, x } = weights;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      sum += U[i * d + j]! * x[j]!;
    }
    a[i] = sum;
  }
  return a;
}

/** Returns the output f = vᵀUx/m. */
export function networkOutput(weights: Weights): number {
  const a = hiddenActivations(weights);
  let sum = 0;
  for (let i = 0; i < weights.width; i++) {
    sum += weights.v[i]! * a[i]!;
  }
  return sum / weights.m;
}

/** Returns the NTK eigenvalue λ = |∇_θ f|² = (|x|²|v|² + |Ux|²)/m², summed from the gradient itself. */
export function ntkEigenvalue(weights: Weights): number {
  const gradient = outputGradient(weights);
  let sum = 0;
  for (const g of gradient) {
    sum += g * g;
  }
  return sum;
}

/**
 * Returns ∇_θ f with θ = (vec U, v): ∂f/∂U_ij = v_i x_j/m and ∂f/∂v_i = (Ux)_i/m.
 */
export function outputGradient(weights: Weights): Float64Array {
  const { width: n, inputDim: d, m, v, x } = weights;
  const a = hiddenActivations(weights);
  const gradient = new Float64Array(n * d + n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      gradient[i * d + j] = (v[i]! * x[j]!) / m;
    }
    gradient[n * d + i] = a[i]! / m;
  }
  return gradient;
}

/** Returns the weights after one full-batch gradient step θ ← θ − ηΔf∇_θ f on L = ½(f − y)². */
export function gradientStep(weights: Weights, learningRate: number, target: number): Weights {
  const { width: n, inputDim: d } = weights;
  const residual = networkOutput(weights) - target;
  const gradient = outputGradient(weights);
  const U = new Float64Array(n * d);
  const v = new Float64Array(n);
  for (let k = 0; k < n * d; k++) {
    U[k] = weights.U[k]! - learningRate * residual * gradient[k]!;
  }
  for (let i = 0; i < n; i++) {
    v[i] = weights.v[i]! - learningRate * residual * gradient[n * d + i]!;
  }
  return { ...weights, U, v };
}

/** Runs `steps` gradient steps and returns (f, λ) at steps 0 … steps. */
export function simulateWeights(weights: Weights, learningRate: number, target: number, steps: number): PhysicalState[] {
  const states: PhysicalState[] = [{ f: networkOutput(weights), lambda: ntkEigenvalue(weights) }];
  let current = weights;
  for (let t = 0; t < steps; t++) {
    current = gradientStep(current, learningRate, target);
    states.push({ f: networkOutput(current), lambda: ntkEigenvalue(current) });
  }
  return states;
}

/**
 * Returns the loss Hessian H = ∇f∇fᵀ + Δf∇²f as a dense row-major matrix of size
 * N = nd + n. The only non-zero second derivatives of f are ∂²f/∂U_ij∂v_i = x_j/m.
 */
export function lossHessian(weights: Weights, target: number): { size: number; matrix: Float64Array } {
  const { width: n, inputDim: d, m, x } = weights;
  const size = n * d + n;
  const gradient = outputGradient(weights);
  const residual = networkOutput(weights) - target;
  const matrix = new Float64Array(size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      matrix[r * size + c] = gradient[r]! * gradient[c]!;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const u = i * d + j;
      const vIndex = n * d + i;
      const second = (residual * x[j]!) / m;
      matrix[u * size + vIndex]! += second;
      matrix[vIndex * size + u]! += second;
    }
  }
  return { size, matrix };
}

/**
 * Returns the eigenvalues of a symmetric matrix in ascending order, by cyclic
 * Jacobi rotations until the off-diagonal norm is below 1e-14 of the Frobenius norm.
 */
export function symmetricEigenvalues(matrix: Float64Array, size: number): Float64Array {
  invariant(matrix.length === size * size, `matrix must have ${size * size} entries, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  let frobenius2 = 0;
  for (const value of a) {
    frobenius2 += value * value;
  }
  const threshold2 = frobenius2 * 1e-28;

  for (let sweep = 0; sweep < 100; sweep++) {
    let off2 = 0;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        off2 += 2 * a[p * size + q]! * a[p * size + q]!;
      }
    }
    if (off2 <= threshold2) {
      break;
    }
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q]!;
        if (apq === 0) {
          continue;
        }
        const app = a[p * size + p]!;
        const aqq = a[q * size + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p]!;
          const akq = a[k * size + q]!;
          a[k * size + p] = c * akp - s * akq;
          a[k * size + q] = s * akp + c * akq;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k]!;
          const aqk = a[q * size + k]!;
          a[p * size + k] = c * apk - s * aqk;
          a[q * size + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const eigenvalues = new Float64Array(size);
  for (let k = 0; k < size; k++) {
    eigenvalues[k] = a[k * size + k]!;
  }
  return eigenvalues.sort();
}
