/** Text renderings of explanations, for terminals and logs. Pure. */

import { DIMENSION_DURATION } from './compare.js';
import type { Explanation, Finding } from './types.js';

/** A share as a percentage people read: whole percent, one decimal near 0% and 100%. */
export function formatShare(share: number): string {
  const whole = Math.round(share * 100);
  if ((whole === 0 && share > 0) || (whole === 100 && share < 1)) {
    const tenth = Math.round(share * 1000) / 10;
    return `${tenth === 0 ? '<0.1' : tenth === 100 ? '>99.9' : String(tenth)}%`;
  }
  return `${whole}%`;
}

function formatNumber(value: number, attribute: string): string {
  const rounded = Math.round(value * 1000) / 1000;
  return attribute === DIMENSION_DURATION ? `${rounded}ms` : String(rounded);
}

/**
 * What a finding says the bad events have: `app.payment.provider = acme`, `app.cart.items >= 20`,
 * `duration < 12ms`.
 */
export function formatCondition(finding: Finding): string {
  const range = finding.range;
  if (range !== undefined) {
    const parts: string[] = [];
    if (range.min !== undefined) parts.push(`>= ${formatNumber(range.min, finding.attribute)}`);
    if (range.max !== undefined) parts.push(`< ${formatNumber(range.max, finding.attribute)}`);
    return `${finding.attribute} ${parts.join(' and ')}`;
  }
  return `${finding.attribute} = ${String(finding.value)}`;
}

/** One line per finding: `87% have app.payment.provider = acme (good: 9%)`. */
export function formatFinding(finding: Finding): string {
  return `${formatShare(finding.badShare)} have ${formatCondition(finding)} (good: ${formatShare(finding.goodShare)})`;
}

/**
 * Renders an explanation for a terminal or a log, one line per finding:
 *
 * ```text
 * bad checkout events: 87% have app.payment.provider = acme (good: 9%)
 * bad checkout events: 64% have http.route = /api/checkout (good: 20%)
 * ```
 *
 * With no finding, one line says what was compared.
 *
 * @example
 * console.log(formatExplanation(kit.explain('checkout')));
 */
export function formatExplanation(explanation: Explanation): string {
  const { sli, bad, good, findings } = explanation;
  if (bad === 0) return `${sli}: no bad events to explain (${good} good compared)`;
  if (good === 0) return `${sli}: no good events to compare the ${bad} bad ones with`;
  if (findings.length === 0)
    return `bad ${sli} events: nothing sets them apart from good ones (${bad} bad, ${good} good compared)`;
  return findings.map((finding) => `bad ${sli} events: ${formatFinding(finding)}`).join('\n');
}
