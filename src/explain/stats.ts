/**
 * The statistics of `explain()`: a confidence bound for a difference of two proportions.
 *
 * For one candidate (an attribute value or range) with `b` of `B` bad and `g` of `G` good events
 * having it, `p1 = b/B` and `p2 = g/G`. The score is the lower bound of Newcombe's hybrid score
 * interval for `p1 − p2` (R. G. Newcombe, "Interval estimation for the difference between
 * independent proportions: comparison of eleven methods", Statistics in Medicine 17:873–890, 1998,
 * method 10), built from the Wilson score interval of each proportion (E. B. Wilson, "Probable
 * inference, the law of succession, and statistical inference", JASA 22:209–212, 1927):
 *
 *   L = (p1 − p2) − sqrt((p1 − l1)² + (u2 − p2)²)
 *
 * where `l1` is the lower Wilson bound of `p1` and `u2` the upper Wilson bound of `p2`, both at the
 * same `z`. Unlike the Wald interval it stays inside [−1, 1] and keeps its coverage for small counts
 * and proportions near 0 or 1, which is exactly where findings live ("87% of bad, 9% of good").
 */

/** The Wilson score interval of a proportion `k/n` at normal quantile `z` (`n > 0`). */
export function wilson(k: number, n: number, z: number): { lower: number; upper: number } {
  const p = k / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/**
 * The lower bound of Newcombe's hybrid score interval for `b/B − g/G` at normal quantile `z`
 * (`B, G > 0`). A bound above 0 means the first proportion is larger at that confidence.
 */
export function newcombeLower(b: number, bTotal: number, g: number, gTotal: number, z: number): number {
  const p1 = b / bTotal;
  const p2 = g / gTotal;
  const l1 = wilson(b, bTotal, z).lower;
  const u2 = wilson(g, gTotal, z).upper;
  return p1 - p2 - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2);
}

// Coefficients of P. J. Acklam's rational approximation of the inverse normal CDF (relative error
// below 1.15e-9), "An algorithm for computing the inverse normal cumulative distribution function",
// 2003; as reproduced in many numerical libraries.
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** The quantile of the standard normal distribution at probability `p` (0 < p < 1). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1); got ${p}`);
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
    (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1)
  );
}
