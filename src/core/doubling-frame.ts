/**
 * "Zoom to the next doubling": the x range that frames the next level of a
 * period-doubling cascade, from the doubling points located in the current range.
 */

/** A located doubling point 2^(k−1) → 2^k, in the unit of the x axis. */
export interface DoublingMark {
  k: number;
  value: number;
}

/** The range to show next and the doubling it centres on. */
export interface DoublingFrame {
  min: number;
  max: number;
  /** Level k of the doubling at the centre. */
  k: number;
}

/**
 * Returns the range centred on doubling k + 1, where k is the lowest level located
 * in `range`, with half-width ½(x_(k+1) − x_k). It excludes x_k and contains
 * x_(k+2), which lies about (x_(k+1) − x_k)/4.67 further on, so each call zooms about
 * 4.67-fold into the cascade. Returns undefined when fewer than two consecutive
 * levels lie in the range.
 */
export function nextDoublingFrame(doublings: readonly DoublingMark[], range: { min: number; max: number }): DoublingFrame | undefined {
  const inside = doublings.filter((doubling) => doubling.value >= range.min && doubling.value <= range.max).sort((a, b) => a.k - b.k);
  const lowest = inside[0];
  if (lowest === undefined) {
    return undefined;
  }
  const next = inside.find((doubling) => doubling.k === lowest.k + 1);
  if (next === undefined) {
    return undefined;
  }
  const half = 0.5 * Math.abs(next.value - lowest.value);
  return { min: next.value - half, max: next.value + half, k: next.k };
}
