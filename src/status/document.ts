/**
 * Builds the status page's document (the JSON it serves, and what the HTML renders) from the
 * kit's status, windows, explanations and recent events. Pure given its inputs: the kit's clock
 * is read once, by `status()`, and everything else is computed at that time.
 */

import type { SliStatus } from '../budget/status.js';
import type { AttributePolicy } from '../context/attributes.js';
import { TRUNCATED_MARKER } from '../conventions.js';
import type { Explanation, Finding, SampledEvent } from '../explain/types.js';
import type { KitStatus } from '../runtime/slo.js';
import type { AttributeValue, Attributes, Sli } from '../sli/types.js';
import { burnDown } from './burndown.js';
import type { BurnDownSource } from './burndown.js';
import type { FleetAlerting, FleetOutcome } from './fleet.js';
import type { ResolvedFleetOptions } from './options.js';
import type { SliState, StatusDocument, StatusEvent, StatusFleetSli, StatusPageSli } from './types.js';

/** What the document is built from: the kit, seen through its runtime. */
export interface StatusSource {
  /** The kit's SLIs, in the kit's order (the order of `status().slis`). */
  readonly slis: readonly Sli<unknown>[];
  /** The kit's redaction and limits, applied again to every attribute value shown. */
  readonly policy: AttributePolicy;
  status(): KitStatus;
  windowsOf(index: number): BurnDownSource;
  /** `kit.explain(sli)`, when the kit has it. */
  readonly explain?: ((sli: string) => Explanation) | undefined;
  /** `kit.recentEvents(sli, { outcome: 'bad', limit })`, newest first, when the kit has it. */
  readonly recentBadEvents?: ((sli: string, limit: number) => readonly SampledEvent[]) | undefined;
  /** The kit's alerting options, so the fleet view judges tiers as the kit does. Default: the kit's defaults. */
  readonly alerting?: FleetAlerting | undefined;
}

/** How the document is built: the handler's resolved options. */
export interface DocumentOptions {
  readonly traceLink: (event: SampledEvent) => string | null;
  readonly maxFindings: number;
  readonly maxEvents: number;
  readonly instance: { readonly id: string; readonly service: string | null };
  /** Reports a failure of `explain` or `recentEvents` (logged once; the section is left empty). */
  readonly onError: (what: string, error: unknown) => void;
}

const STATE_RANK: Readonly<Record<SliState, number>> = {
  page: 0,
  ticket: 1,
  spent: 2,
  burning: 3,
  ok: 4,
  'no-data': 5,
};

/**
 * How an SLI stands (see {@link SliState}): a firing page alert, then a firing ticket alert, then a
 * spent budget, then a burn rate above 1 over the exhaustion window, then `ok`, or `no-data` when
 * nothing eligible was observed.
 *
 * @example
 * sliState(kit.status().slis[0]); // 'page'
 */
export function sliState(
  status: Pick<SliStatus, 'alerts' | 'eligible' | 'budgetRemaining' | 'burnRates' | 'exhaustionWindow'>,
): SliState {
  if (status.alerts.page.state === 'firing') return 'page';
  if (status.alerts.ticket.state === 'firing') return 'ticket';
  if (status.eligible === 0) return 'no-data';
  if (status.budgetRemaining <= 0) return 'spent';
  if ((status.burnRates[status.exhaustionWindow] ?? 0) > 1) return 'burning';
  return 'ok';
}

/**
 * Orders SLIs most urgent first: by state ({@link sliState}), then by the burn rate over the
 * exhaustion window (fastest first; no events last), then by budget remaining (least first), then in
 * the kit's order. Returns the indexes into `statuses`.
 */
export function urgencyOrder(statuses: readonly SliStatus[]): number[] {
  const keyed = statuses.map((status, index) => ({
    index,
    rank: STATE_RANK[sliState(status)],
    burn: status.burnRates[status.exhaustionWindow] ?? -1,
    remaining: status.budgetRemaining,
  }));
  keyed.sort((a, b) => a.rank - b.rank || b.burn - a.burn || a.remaining - b.remaining || a.index - b.index);
  return keyed.map((k) => k.index);
}

/** Builds the document at the kit's current time. */
export function buildStatusDocument(source: StatusSource, options: DocumentOptions): StatusDocument {
  const status = source.status();
  const at = status.at;
  let observedSince: number | null = null;
  const slis: StatusPageSli[] = [];
  for (const index of urgencyOrder(status.slis)) {
    const sliStatus = status.slis[index]!;
    const sli = source.slis[index]!;
    const windows = source.windowsOf(index);
    const since = windows.sinceMs;
    if (since !== null && (observedSince === null || since < observedSince)) observedSince = since;
    slis.push({
      ...sliStatus,
      state: sliState(sliStatus),
      description: sli.description ?? null,
      owner: sli.owner ?? null,
      rationale: sli.rationale ?? null,
      runbook: sli.runbook ?? null,
      burnDown: burnDown(windows, sliStatus, at),
      explanation: explanationOf(source, sli.name, options),
      recentBadEvents: recentBadOf(source, sli.name, options),
      fleet: null,
    });
  }
  return {
    format: 'slokit.status',
    version: 1,
    scope: 'instance',
    at,
    instance: { id: options.instance.id, service: options.instance.service, observedSince },
    state: slis[0]?.state ?? 'no-data',
    fleet: null,
    slis,
  };
}

/**
 * The document with the fleet's figures beside this instance's: the fleet view's source and whether
 * Prometheus answered at the top, and each SLI's `fleetStatus()` entry (with its state) in its
 * `fleet` field. The order stays this instance's urgency order.
 */
export function withFleet(
  doc: StatusDocument,
  options: ResolvedFleetOptions,
  outcome: FleetOutcome,
): StatusDocument {
  const byName = new Map<string, StatusFleetSli>();
  for (const status of outcome.status?.slis ?? [])
    byName.set(status.name, { ...status, state: sliState(status) });
  return {
    ...doc,
    fleet: {
      prometheus: options.shown,
      selector: options.selector,
      at: outcome.at,
      available: outcome.error === undefined,
      error: outcome.error ?? null,
    },
    slis: doc.slis.map((sli) => ({ ...sli, fleet: byName.get(sli.name) ?? null })),
  };
}

function explanationOf(source: StatusSource, sli: string, options: DocumentOptions): Explanation | null {
  if (source.explain === undefined || options.maxFindings === 0) return null;
  try {
    const explanation = source.explain(sli);
    return {
      sli: explanation.sli,
      from: explanation.from,
      to: explanation.to,
      bad: explanation.bad,
      good: explanation.good,
      findings: explanation.findings
        .slice(0, options.maxFindings)
        .map((finding) => redactFinding(finding, source.policy)),
    };
  } catch (error) {
    options.onError('explain', error);
    return null;
  }
}

function recentBadOf(source: StatusSource, sli: string, options: DocumentOptions): StatusEvent[] {
  if (source.recentBadEvents === undefined || options.maxEvents === 0) return [];
  try {
    return source
      .recentBadEvents(sli, options.maxEvents)
      .slice(0, options.maxEvents)
      .map((event) => ({
        ...event,
        attributes: redactAttributes(event.attributes, source.policy),
        traceUrl: options.traceLink(event),
      }));
  } catch (error) {
    options.onError('recentEvents', error);
    return [];
  }
}

/**
 * Applies the kit's attribute policy once more, as the span writer does: secret-looking keys get the
 * censor, long strings are cut, and no more than `maxAttributes` keys are kept. The reservoir already
 * holds limited and redacted values; the page does not rely on it.
 */
export function redactAttributes(attributes: Attributes, policy: AttributePolicy): Attributes {
  const out: Record<string, AttributeValue> = {};
  let count = 0;
  for (const key of Object.keys(attributes)) {
    if (count++ >= policy.maxAttributes) break;
    const value = attributes[key]!;
    out[key] = policy.isSecret(key) ? policy.censor : limitValue(value, policy.maxValueLength);
  }
  return out;
}

function redactFinding(finding: Finding, policy: AttributePolicy): Finding {
  if (finding.value === undefined) return finding;
  if (policy.isSecret(finding.attribute)) return { ...finding, value: policy.censor };
  return typeof finding.value === 'string'
    ? { ...finding, value: truncate(finding.value, policy.maxValueLength) }
    : finding;
}

function limitValue(value: AttributeValue, max: number): AttributeValue {
  if (typeof value === 'string') return truncate(value, max);
  if (Array.isArray(value) && typeof value[0] === 'string')
    return (value as readonly string[]).map((item) => truncate(item, max));
  return value;
}

function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  return value.slice(0, Math.max(0, max - TRUNCATED_MARKER.length)) + TRUNCATED_MARKER;
}
