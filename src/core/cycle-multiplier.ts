/**
 * Doubling points from cycle multipliers: on a stable n-cycle the Lyapunov
 * exponent is λ = ln|Λ|/n, with Λ the cycle's multiplier, and the cycle doubles
 * where Λ reaches −1. Λ is smooth in the parameter, so a fit of |Λ| = exp(nλ)
 * over samples below the doubling, extrapolated to |Λ| = 1, locates it without
 * the period detector, whose decision near the point depends on the step count
 * and, in float32, on rounding (docs/science.md, "Bifurcations on the engine").
 */

/** Samples with |Λ| in this range enter the fit: away from the superstable cycle (Λ = 0) and from the doubling itself. */
export const MULTIPLIER_FIT_RANGE: readonly [number, number] = [0.2, 0.97];

/** A parameter value with the Lyapunov exponent of its orbit. */
export interface ExponentSample {
  value: number;
  lyapunovExponent: number;
}

/** Parameter value at which the fitted |Λ| reaches 1, with an error estimate. */
export interface MultiplierEstimate {
  value: number;
  /** |linear root − quadratic root|: how much the curvature of |Λ| moves the root. */
  error: number;
  /** Samples that entered the fit. */
  samples: number;
}

/** Solves the normal equations of a least-squares polynomial fit of degree `degree`. */
function polynomialFit(t: readonly number[], y: readonly number[], degree: number): number[] | undefined {
  const size = degree + 1;
  const matrix = Array.from({ length: size }, () => new Array<number>(size + 1).fill(0));
  for (let i = 0; i < t.length; i++) {
    for (let row = 0; row < size; row++) {
      for (let column = 0; column < size; column++) {
        matrix[row]![column]! += t[i]! ** (row + column);
      }
      matrix[row]![size]! += y[i]! * t[i]! ** row;
    }
  }
  // Gaussian elimination with partial pivoting.
  for (let pivot = 0; pivot < size; pivot++) {
    let best = pivot;
    for (let row = pivot + 1; row < size; row++) {
      if (Math.abs(matrix[row]![pivot]!) > Math.abs(matrix[best]![pivot]!)) {
        best = row;
      }
    }
    [matrix[pivot], matrix[best]] = [matrix[best]!, matrix[pivot]!];
    const diagonal = matrix[pivot]![pivot]!;
    if (Math.abs(diagonal) < 1e-300) {
      return undefined;
    }
    for (let row = 0; row < size; row++) {
      if (row !== pivot) {
        const factor = matrix[row]![pivot]! / diagonal;
        for (let column = pivot; column <= size; column++) {
          matrix[row]![column]! -= factor * matrix[pivot]![column]!;
        }
      }
    }
  }
  return matrix.map((row, i) => row[size]! / row[i]!);
}

/**
 * Estimates the doubling point of a `period`-cycle from samples of the Lyapunov
 * exponent around the point: on the cycle below it, and on the doubled cycle above
 * it, whose exponent also tends to 0 there. Returns undefined with fewer than 4
 * usable samples or when |Λ| does not rise toward 1 with the parameter.
 */
export function extrapolateMultiplier(samples: readonly ExponentSample[], period: number): MultiplierEstimate | undefined {
  // Near the doubling |Λ| → 1 from both sides, so the samples' largest |Λ| marks it.
  // Below it the in-manifold |Λ| falls monotonically, until the transverse exponent
  // (the larger one is reported) takes over and |Λ| rises again. So the fit takes
  // samples downward from the largest while |Λ| keeps falling within the fit range.
  const ascending = samples
    .filter((sample) => Number.isFinite(sample.lyapunovExponent))
    .map((sample) => ({ value: sample.value, modulus: Math.exp(period * sample.lyapunovExponent) }))
    .sort((a, b) => a.value - b.value);
  if (ascending.length === 0) {
    return undefined;
  }
  const peak = ascending.reduce((best, sample, i) => (sample.modulus > ascending[best]!.modulus ? i : best), 0);
  const used: Array<{ value: number; modulus: number }> = [];
  for (let i = peak; i >= 0; i--) {
    const sample = ascending[i]!;
    if (sample.modulus > MULTIPLIER_FIT_RANGE[1]) {
      continue;
    }
    if (sample.modulus < MULTIPLIER_FIT_RANGE[0] || (used.length > 0 && sample.modulus > used.at(-1)!.modulus)) {
      break;
    }
    used.push(sample);
  }
  if (used.length < 4) {
    return undefined;
  }
  // Fit in t = (value − origin)/scale for conditioning.
  const origin = Math.max(...used.map((sample) => sample.value));
  const scale = origin - Math.min(...used.map((sample) => sample.value));
  if (!(scale > 0)) {
    return undefined;
  }
  const t = used.map((sample) => (sample.value - origin) / scale);
  const modulus = used.map((sample) => sample.modulus);

  const linear = polynomialFit(t, modulus, 1);
  if (linear === undefined || !(linear[1]! > 0)) {
    return undefined;
  }
  const linearRoot = (1 - linear[0]!) / linear[1]!;
  const quadratic = polynomialFit(t, modulus, 2);
  let quadraticRoot = linearRoot;
  if (quadratic !== undefined) {
    // The root of c + bt + at² = 1 nearest the linear one.
    const [c, b, a] = quadratic as [number, number, number];
    const discriminant = b * b - 4 * a * (c - 1);
    if (a !== 0 && discriminant >= 0) {
      const roots = [(-b + Math.sqrt(discriminant)) / (2 * a), (-b - Math.sqrt(discriminant)) / (2 * a)];
      quadraticRoot = roots.reduce((best, root) => (Math.abs(root - linearRoot) < Math.abs(best - linearRoot) ? root : best));
    }
  }
  return {
    value: origin + linearRoot * scale,
    error: Math.abs(quadraticRoot - linearRoot) * scale,
    samples: used.length,
  };
}
