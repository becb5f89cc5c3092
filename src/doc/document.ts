/**
 * The SLO document, generated from the SLIs in code: what `slokit doc` prints. It follows the
 * structure of the example SLO document in Google's "The Site Reliability Workbook", appendix A
 * (service overview, SLIs and SLOs, rationale, error budget, clarifications and caveats) and its
 * example error-budget policy, appendix B (goals, non-goals, SLO miss policy, outage policy,
 * escalation), with every figure computed from the declarations and the alert tiers the rule
 * generators use. Pure and deterministic: no clock, no I/O, the same SLIs give the same document.
 */
import { budgetMinutes, errorBudget } from '../budget/math.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { planRules } from '../rules/plan.js';
import type { RulesWarning } from '../rules/plan.js';
import type { BurnTierSpec } from '../budget/alert-table.js';
import { count, durationWords, exactPercent, oneIn, windowWords } from './numbers.js';
import { sliInWords, tierWords } from './words.js';
import type { TierWords } from './words.js';

/** The error budget of one SLI, in events and in time. */
export interface SloDocumentBudget {
  /** `1 − objective`: the share of eligible events that may be bad. */
  readonly ratio: number;
  /** The same as whole events, `'1 in 1,000'`, when a power of ten expresses it. */
  readonly oneIn: string | undefined;
  /** Bad events allowed per million eligible events. */
  readonly perMillion: number;
  /** Minutes of full outage (every event bad) the window allows: `ratio × window`. */
  readonly fullOutageMinutes: number;
  /** The same per day of the window. */
  readonly fullOutageMinutesPerDay: number;
  /** All of it in one sentence. */
  readonly text: string;
}

/** One SLI of the SLO document. */
export interface SloDocumentSli {
  readonly name: string;
  readonly description: string | undefined;
  readonly owner: string | undefined;
  readonly rationale: string | undefined;
  readonly runbook: string | undefined;
  /** Which events it judges and when one is good, in words generated from the declaration. */
  readonly measures: string;
  readonly objective: number;
  /** The window as declared, e.g. `'28d'`. */
  readonly window: string;
  readonly windowMs: number;
  /** The SLO in one sentence: `'99.9% of eligible events are good, over a rolling window of 28 days'`. */
  readonly slo: string;
  readonly budget: SloDocumentBudget;
  /** The low-traffic guard of its alerts. */
  readonly minEvents: number;
  /** Its alert tiers, in table order, in figures and words. */
  readonly alerts: readonly TierWords[];
}

/**
 * One rule of the error-budget policy: a condition and what the team does then, under the heading
 * of the Workbook's example policy it belongs to: `'slo-miss'` (what the budget left allows) or
 * `'outage'` (what an incident or a page asks for).
 */
export interface PolicyRule {
  readonly section: 'slo-miss' | 'outage';
  readonly when: string;
  readonly then: string;
}

/** The error-budget policy of the document. */
export interface ErrorBudgetPolicy {
  /** Below this share of budget left, releases wait (the deploy gate's `--fail-under`). */
  readonly freezeUnder: number;
  /** A single incident spending more than this share of a budget gets a postmortem. */
  readonly postmortemOver: number;
  /** The deploy gate a pipeline runs before shipping. */
  readonly gate: string;
  readonly goals: readonly string[];
  readonly nonGoals: readonly string[];
  readonly rules: readonly PolicyRule[];
  readonly escalation: string;
}

/** The SLO document of one service. Plain, JSON-serialisable data. */
export interface SloDocument {
  readonly service: string;
  /** The module the SLIs were read from, when known (`slokit doc` sets it). */
  readonly source: string | undefined;
  readonly owners: readonly string[];
  readonly slis: readonly SloDocumentSli[];
  readonly policy: ErrorBudgetPolicy;
  readonly caveats: readonly string[];
}

/** Options of {@link toSloDocument}. All optional. */
export interface SloDocumentOptions {
  /** The service the SLIs belong to. Default `'slokit'`, as for the rule generators. */
  readonly service?: string;
  /** The module the SLIs come from, for the gate command and the header. Default: `'<module>'` in the gate. */
  readonly source?: string;
  /** The alerts' low-traffic guard, as given to `slokit rules`. Default 100. */
  readonly minEvents?: number;
  /** The burn-rate tiers, as given to the rule generators. Default: the SRE Workbook's. */
  readonly tiers?: readonly BurnTierSpec[];
  /** As for the rule generators: `'error'` (default) or `'drop'` tiers that cannot fire. */
  readonly impossibleTiers?: 'error' | 'drop';
  readonly onWarning?: (warning: RulesWarning) => void;
  /** The thresholds of the error-budget policy. */
  readonly policy?: {
    /** Share of budget left under which releases wait. Default 0.25. */
    readonly freezeUnder?: number;
    /** Share of a budget a single incident may spend before it needs a postmortem. Default 0.2. */
    readonly postmortemOver?: number;
  };
}

/** The share of budget left under which releases wait, unless told otherwise: the gate's default. */
export const DEFAULT_FREEZE_UNDER = 0.25;
/**
 * A single incident spending more than this share of a window's budget gets a postmortem, and a
 * class of outage spending more over a quarter gets a top-priority item in the quarter's plan: the
 * thresholds of the Workbook's example error-budget policy (appendix B, "Outage Policy": 20% over
 * four weeks, and over a quarter).
 */
export const DEFAULT_POSTMORTEM_OVER = 0.2;

const DAY_MS = 86_400_000;

/**
 * Generates the SLO document of a service from its SLIs: for each SLI, what it measures in words,
 * its objective and window, its error budget in events and in minutes of full outage, each alert
 * tier in people's terms, its owner, rationale and runbook; then the error-budget policy and the
 * caveats. Render it with {@link renderSloDocument} or `JSON.stringify`.
 *
 * @throws SlokitDefinitionError the errors of the rule generators (`SLOKIT_E_RULES_*`,
 *   `SLOKIT_E_NOT_AN_SLI`, `SLOKIT_E_DUPLICATE_SLI`), and `SLOKIT_E_RULES_OPTION` for a policy
 *   threshold outside [0, 1].
 * @example
 * import { renderSloDocument, toSloDocument } from 'slokit/rules';
 * import { slis } from './slis.js';
 *
 * const markdown = renderSloDocument(toSloDocument(slis, { service: 'shop' }));
 */
export function toSloDocument(slis: readonly unknown[], options?: SloDocumentOptions): SloDocument {
  const { plans, options: resolved } = planRules(slis, options, 'toSloDocument', ['source', 'policy']);
  const source = checkSource(options?.source);
  const policy = checkPolicy(options?.policy);
  const documented = plans.map(({ sli, tiers }): SloDocumentSli => {
    const budget = errorBudget(sli.objective);
    // Twelve significant digits drop the binary noise of the products (40.32, not 40.320000000000004).
    const minutes = Number(budgetMinutes(sli.objective, sli.windowMs).toPrecision(12));
    const perDay = Number((minutes / (sli.windowMs / DAY_MS)).toPrecision(12));
    const share = oneIn(budget);
    return {
      name: sli.name,
      description: sli.description,
      owner: sli.owner,
      rationale: sli.rationale,
      runbook: sli.runbook,
      measures: sliInWords(sli),
      objective: sli.objective,
      window: sli.window,
      windowMs: sli.windowMs,
      slo: `${exactPercent(sli.objective)} of eligible events are good, over a rolling window of ${windowWords(sli.windowMs)}`,
      budget: {
        ratio: budget,
        oneIn: share,
        perMillion: Number((budget * 1e6).toPrecision(12)),
        fullOutageMinutes: minutes,
        fullOutageMinutesPerDay: perDay,
        text:
          `${exactPercent(budget)} of eligible events may be bad${share === undefined ? '' : ` (${share})`}: ` +
          `${count(Number((budget * 1e6).toPrecision(12)))} bad events per million. ` +
          `Over ${windowWords(sli.windowMs)} that is ${durationWords(minutes * 60_000)} of full outage (every event bad), ` +
          `${durationWords(perDay * 60_000)} a day.`,
      },
      minEvents: resolved.minEvents,
      alerts: tiers.map((tier) => tierWords(sli, tier, { minEvents: resolved.minEvents })),
    };
  });
  const owners = [...new Set(documented.flatMap((s) => (s.owner === undefined ? [] : [s.owner])))];
  return {
    service: resolved.service,
    source,
    owners,
    slis: documented,
    policy: policyOf(policy, source, resolved.service),
    caveats: caveats(resolved.minEvents),
  };
}

function policyOf(
  thresholds: { freezeUnder: number; postmortemOver: number },
  source: string | undefined,
  service: string,
): ErrorBudgetPolicy {
  const { freezeUnder, postmortemOver } = thresholds;
  const freeze = exactPercent(freezeUnder);
  const gate = `slokit budget ${source ?? '<module>'} --prometheus <url> --fail-under ${freeze}`;
  return {
    freezeUnder,
    postmortemOver,
    gate,
    goals: [
      `Protect the users of ${service} from repeated misses of its objectives.`,
      'Give the team a shared, measured reason to trade feature work for reliability work, and back again.',
    ],
    nonGoals: [
      'Punishing anyone for missing an objective: the budget is there to be spent on change.',
      'Stopping change for its own sake: the freeze gives the team room to focus on reliability when the figures say it matters more than features.',
    ],
    rules: [
      {
        section: 'slo-miss',
        when: `An SLI has at least ${freeze} of its error budget left`,
        then: 'Releases go ahead as planned. The budget is spent on change: experiments, migrations, risky releases.',
      },
      {
        section: 'slo-miss',
        when: `An SLI has less than ${freeze} of its error budget left (the deploy gate \`${gate}\` fails)`,
        then: `Releases of ${service} wait, except fixes for reliability and security problems, which may skip the gate. The owner of the SLI looks at what spends the budget and plans the work that stops it.`,
      },
      {
        section: 'slo-miss',
        when: 'An SLI has spent its whole error budget (0% left or less)',
        then: 'The team works on reliability before features until the SLI is back within its objective over its window. Only fixes for urgent bugs and security problems are released.',
      },
      {
        section: 'outage',
        when: `A single incident spends more than ${exactPercent(postmortemOver)} of an SLI's error budget`,
        then: 'The incident gets a written postmortem with at least one action item, of the highest priority, that addresses its cause.',
      },
      {
        section: 'outage',
        when: `A single class of outage (incidents with one cause) spends more than ${exactPercent(postmortemOver)} of an SLI's error budget over a quarter`,
        then: "Removing that cause becomes an item of the highest priority in the team's plan for the next quarter.",
      },
      {
        section: 'outage',
        when: 'A page fires',
        then: "The on-call engineer of the SLI's owner answers at any hour and follows the runbook. A ticket is handled in working hours.",
      },
    ],
    escalation:
      'When the team disagrees about the figures, the policy or an exception, the owners take it to their engineering lead, who decides.',
  };
}

function caveats(minEvents: number): string[] {
  return [
    'The budgets count events, not time: an hour of outage at peak traffic spends more of the budget than the same hour at night. The minutes of full outage assume steady traffic.',
    "The figures are the fleet's: Prometheus sums the counters every instance exports. Requests that never reach the service (DNS, load balancers, a crashed process before its last scrape) are not counted.",
    `An alert needs at least ${count(minEvents)} eligible events in its long window, so that a handful of requests cannot page anyone; a service with less traffic than that is not alerted on.`,
    'The detection times assume a clean long window before the burn starts; a window that already holds bad events fires sooner.',
  ];
}

function checkSource(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || /[\r\n]/.test(value)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_OPTION',
      `toSloDocument: source must be the path of the module the SLIs come from, on one line; got ${describeValue(value)}`,
    );
  }
  return value;
}

function checkPolicy(value: unknown): { freezeUnder: number; postmortemOver: number } {
  if (value === undefined)
    return { freezeUnder: DEFAULT_FREEZE_UNDER, postmortemOver: DEFAULT_POSTMORTEM_OVER };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw policyError(`expected { freezeUnder?, postmortemOver? }; got ${describeValue(value)}`);
  }
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (key !== 'freezeUnder' && key !== 'postmortemOver') {
      throw policyError(`unknown field "${key}"; expected freezeUnder and postmortemOver`);
    }
  }
  const share = (field: string, given: unknown, fallback: number): number => {
    if (given === undefined) return fallback;
    if (typeof given !== 'number' || !(given >= 0 && given <= 1)) {
      throw policyError(
        `${field} must be a share of the budget from 0 to 1, e.g. 0.25; got ${describeValue(given)}`,
      );
    }
    return given;
  };
  return {
    freezeUnder: share('freezeUnder', raw.freezeUnder, DEFAULT_FREEZE_UNDER),
    postmortemOver: share('postmortemOver', raw.postmortemOver, DEFAULT_POSTMORTEM_OVER),
  };
}

function policyError(message: string): SlokitDefinitionError {
  return new SlokitDefinitionError('SLOKIT_E_RULES_OPTION', `toSloDocument: policy: ${message}`);
}
