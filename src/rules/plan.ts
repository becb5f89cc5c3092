/**
 * What every rule generator does first: check the SLIs and the options, and work out which
 * burn-rate tiers each SLI gets. Pure; throws coded errors naming the SLI at fault.
 */
import { WORKBOOK_TIERS, alertTable, tierCanFire } from '../budget/alert-table.js';
import { DEFAULT_MIN_EVENTS } from '../budget/alerts.js';
import type { BurnTier, BurnTierSpec } from '../budget/alert-table.js';
import {
  LABEL_LONG_WINDOW,
  LABEL_SEVERITY,
  LABEL_SHORT_WINDOW,
  LABEL_SLI_NAME,
  LABEL_SLI_OUTCOME,
  LABEL_SLI_REASON,
} from '../conventions.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import type { SlokitErrorCode } from '../errors.js';
import { isSli } from '../sli/define.js';
import { formatDuration } from '../sli/duration.js';
import type { Sli } from '../sli/types.js';
import { LABEL_NAME_RE, printFactor, printPercent } from './promql.js';

/**
 * A problem the generators worked around or cannot check, reported through
 * {@link RulesOptions.onWarning}: a tier left out under `impossibleTiers: 'drop'`, a period the
 * target tool does not know out of the box, a description cut to the target's limit.
 */
export interface RulesWarning {
  /** The code of the problem: the one it throws with when it is an error (`impossibleTiers: 'error'`). */
  readonly code: SlokitErrorCode;
  /** The SLI concerned. */
  readonly sli: string;
  /** One line, naming the SLI. */
  readonly message: string;
}

/** Options shared by every generator. All optional. */
export interface RulesOptions {
  /**
   * The service the SLIs belong to: the Sloth spec's `service` and the OpenSLO `Service`. The
   * Prometheus rules and Pyrra resources do not use it. Default `'slokit'`.
   */
  readonly service?: string;
  /**
   * Labels added to every generated recording rule and alert (Prometheus), to the spec (Sloth) or to
   * the resources' metadata (Pyrra, OpenSLO), e.g. `{ team: 'shop' }`. Names and values must suit
   * the target: Prometheus label names, never empty values, and for Pyrra and OpenSLO the
   * Kubernetes-style rules of their metadata (at most 63 characters, starting and ending with a
   * letter or digit).
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Extra equality matchers on every `slokit_sli_events_total` selector, to keep one app's series
   * apart from another's, e.g. `{ job: 'shop' }`. The SLI name is always matched. The Prometheus
   * rules and the Sloth spec also put these matchers on what they record, as labels, so that two
   * rule files for the same SLI names with different selectors record different series.
   */
  readonly selector?: Readonly<Record<string, string>>;
  /**
   * Low-traffic guard of the generated Prometheus alerts: an alert fires only when at least this many
   * eligible events happened in its long window. `0` turns the guard off. Default 100, the same
   * `DEFAULT_MIN_EVENTS` as the in-process alerts, so both judge the same traffic alike.
   */
  readonly minEvents?: number;
  /** The burn-rate tiers. Default: the SRE Workbook's {@link WORKBOOK_TIERS}. */
  readonly tiers?: readonly BurnTierSpec[];
  /**
   * What to do with a tier that cannot work for an SLI (its long window is longer than the SLI's
   * window, or its objective is so low that the tier would need more than 100% errors): `'error'`
   * (default) throws; `'drop'` leaves the tier out and reports a {@link RulesWarning}. Sloth and Pyrra
   * compute their own tiers, so there `'drop'` disables Sloth's page or ticket alert when none of that
   * severity can fire, and otherwise only warns.
   */
  readonly impossibleTiers?: 'error' | 'drop';
  /** Called with each problem worked around under `impossibleTiers: 'drop'`. */
  readonly onWarning?: (warning: RulesWarning) => void;
}

/** An SLI with the tiers that can fire for it. */
export interface SliPlan {
  readonly sli: Sli<unknown>;
  /** `1 − objective`. */
  readonly budget: number;
  /** The usable tiers, in table order. */
  readonly tiers: readonly BurnTier[];
  /** Every tier of the table, usable or not, with whether it can fire. */
  readonly allTiers: readonly { readonly tier: BurnTier; readonly usable: boolean }[];
}

/** Options after validation, defaults applied. */
export interface ResolvedOptions {
  readonly service: string;
  readonly labels: readonly (readonly [string, string])[];
  readonly selector: readonly (readonly [string, string])[];
  /**
   * The labels of what the Prometheus rules and Sloth record: the selector's matchers, then
   * `labels` (each name once). Series recorded for different selectors never collide.
   */
  readonly recordedLabels: readonly (readonly [string, string])[];
  readonly minEvents: number;
}

const RESERVED_LABELS = new Set([
  LABEL_SLI_NAME,
  LABEL_SLI_OUTCOME,
  LABEL_SLI_REASON,
  LABEL_SEVERITY,
  LABEL_LONG_WINDOW,
  LABEL_SHORT_WINDOW,
]);
const OPTION_KEYS = new Set([
  'service',
  'labels',
  'selector',
  'minEvents',
  'tiers',
  'impossibleTiers',
  'onWarning',
]);

/**
 * Checks the SLIs and options for `generator` (named in errors) and plans the tiers of each SLI.
 * `extraKeys` are the generator's own option names, accepted besides the shared ones.
 */
export function planRules(
  slis: unknown,
  options: unknown,
  generator: string,
  extraKeys: readonly string[] = [],
): { readonly plans: readonly SliPlan[]; readonly options: ResolvedOptions } {
  const raw = checkOptionsObject(options, generator, extraKeys);
  const list = checkSliList(slis, generator);
  const specs = checkTiers(raw.tiers, generator);
  const mode = raw.impossibleTiers ?? 'error';
  if (mode !== 'error' && mode !== 'drop') {
    throw optionError(generator, `impossibleTiers must be 'error' or 'drop'; got ${describeValue(mode)}`);
  }
  if (raw.onWarning !== undefined && typeof raw.onWarning !== 'function') {
    throw optionError(generator, `onWarning must be a function; got ${describeValue(raw.onWarning)}`);
  }
  const warn = (raw.onWarning as ((warning: RulesWarning) => void) | undefined) ?? (() => undefined);
  const plans = list.map((sli) => planSli(sli, specs, mode, warn));
  const labels = checkLabels(raw.labels, 'labels', generator);
  const selector = checkLabels(raw.selector, 'selector', generator);
  return {
    plans,
    options: {
      service: checkService(raw.service, generator),
      labels,
      selector,
      recordedLabels: mergeLabels(selector, labels, generator),
      minEvents: checkMinEvents(raw.minEvents, generator),
    },
  };
}

/**
 * The selector's matchers, then the labels, as the labels of recorded series. Without them, two
 * rule files for different selectors (one per app, `--selector job=shop` and `--selector job=cart`)
 * would record the same series, `slokit:sli_error_ratio:rate5m{slokit_sli_name="checkout"}`, and
 * Prometheus would report "duplicate sample for timestamp" for every window.
 */
function mergeLabels(
  selector: readonly (readonly [string, string])[],
  labels: readonly (readonly [string, string])[],
  generator: string,
): readonly (readonly [string, string])[] {
  const merged = new Map<string, string>(selector);
  for (const [name, value] of labels) {
    const matched = merged.get(name);
    if (matched !== undefined && matched !== value) {
      throw optionError(
        generator,
        `labels.${name} is ${JSON.stringify(value)} but selector.${name} is ${JSON.stringify(matched)}: the recorded series carry the selector's value; drop one of them`,
      );
    }
    merged.set(name, value);
  }
  return [...merged];
}

function checkOptionsObject(
  options: unknown,
  generator: string,
  extraKeys: readonly string[],
): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw optionError(generator, `expected an options object; got ${describeValue(options)}`);
  }
  const raw = options as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!OPTION_KEYS.has(key) && !extraKeys.includes(key)) {
      throw optionError(
        generator,
        `unknown option "${key}"; expected only ${[...OPTION_KEYS, ...extraKeys].join(', ')}`,
      );
    }
  }
  return raw;
}

function checkSliList(slis: unknown, generator: string): readonly Sli<unknown>[] {
  if (!Array.isArray(slis)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_NO_SLIS',
      `${generator}: expected an array of SLIs made by defineSli(); got ${describeValue(slis)}`,
    );
  }
  if (slis.length === 0) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_NO_SLIS',
      `${generator}: no SLIs to generate rules for; pass at least one SLI made by defineSli()`,
    );
  }
  const byName = new Map<string, Sli<unknown>>();
  slis.forEach((sli: unknown, index) => {
    if (!isSli(sli)) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_NOT_AN_SLI',
        `${generator}: slis[${index}]: expected an SLI made by defineSli(); got ${describeValue(sli)}`,
      );
    }
    const seen = byName.get(sli.name);
    if (seen !== undefined && seen !== sli) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_DUPLICATE_SLI',
        `${generator}: two different SLIs are named "${sli.name}"; SLI names must be unique, since they become the ${LABEL_SLI_NAME} label of their rules`,
      );
    }
    byName.set(sli.name, sli);
  });
  // The same SLI object listed twice is one SLI.
  return [...byName.values()];
}

function checkTiers(tiers: unknown, generator: string): readonly BurnTierSpec[] {
  if (tiers === undefined) return WORKBOOK_TIERS;
  if (!Array.isArray(tiers) || tiers.length === 0) {
    throw optionError(
      generator,
      `tiers must be a non-empty array of burn-rate tiers; got ${describeValue(tiers)}`,
    );
  }
  return tiers.map((tier: unknown, index) => {
    const t = (typeof tier === 'object' && tier !== null ? tier : {}) as Partial<BurnTierSpec>;
    const ok =
      (t.severity === 'page' || t.severity === 'ticket') &&
      typeof t.budgetShare === 'number' &&
      t.budgetShare > 0 &&
      t.budgetShare <= 1 &&
      isWholePositive(t.longMs) &&
      isWholePositive(t.shortMs) &&
      t.shortMs < t.longMs;
    if (!ok) {
      throw optionError(
        generator,
        `tiers[${index}]: expected { severity: 'page' | 'ticket', budgetShare in (0, 1], longMs, shortMs } with whole milliseconds and shortMs < longMs; got ${describeValue(tier)}`,
      );
    }
    return t as BurnTierSpec;
  });
}

function isWholePositive(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function planSli(
  sli: Sli<unknown>,
  specs: readonly BurnTierSpec[],
  mode: 'error' | 'drop',
  warn: (warning: RulesWarning) => void,
): SliPlan {
  const budget = 1 - sli.objective;
  const allTiers = alertTable(sli.windowMs, specs).map((tier) => {
    const problem = tierProblem(sli, tier);
    if (problem !== undefined) {
      if (mode === 'error') {
        throw new SlokitDefinitionError(
          problem.code,
          `${problem.message}; ${problem.fix}, or drop the tier (impossibleTiers: 'drop', --drop-impossible-tiers)`,
        );
      }
      warn({ code: problem.code, sli: sli.name, message: `${problem.message}; the tier is left out` });
    }
    return { tier, usable: problem === undefined };
  });
  const tiers = allTiers.filter((t) => t.usable).map((t) => t.tier);
  if (tiers.length === 0) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_TIER',
      `SLI "${sli.name}": no burn-rate tier can fire for objective ${printPercent(sli.objective)} over ${sli.window}, so no alert would ever fire; use a stricter objective or another window`,
    );
  }
  return { sli, budget, tiers, allTiers };
}

/** Names a tier the way the SRE Workbook states it: "page: 2% of the 28d budget in 1h". */
export function describeTier(tier: BurnTier, window: string): string {
  return `${tier.severity} tier "${printPercent(tier.budgetShare)} of the ${window} budget in ${formatDuration(tier.longMs)}"`;
}

function tierProblem(
  sli: Sli<unknown>,
  tier: BurnTier,
): { code: SlokitErrorCode; message: string; fix: string } | undefined {
  if (tier.longMs > sli.windowMs) {
    return {
      code: 'SLOKIT_E_RULES_WINDOW',
      fix: `use a window of at least ${formatDuration(tier.longMs)}`,
      message: `SLI "${sli.name}": its window ${sli.window} is shorter than the ${formatDuration(tier.longMs)} long window of the ${describeTier(tier, sli.window)}`,
    };
  }
  if (!tierCanFire(tier, sli.objective)) {
    return {
      code: 'SLOKIT_E_RULES_TIER',
      // factor = share × period ÷ long window, so a shorter period lowers the factor; a longer one raises it.
      fix: 'use a stricter objective or a shorter window',
      message: `SLI "${sli.name}": the ${describeTier(tier, sli.window)} can never fire at objective ${printPercent(sli.objective)}: it needs a burn rate above ${printFactor(tier.factor)}×, an error ratio above ${printPercent(tier.factor * (1 - sli.objective))}`,
    };
  }
  return undefined;
}

function checkService(service: unknown, generator: string): string {
  if (service === undefined) return 'slokit';
  // Kubernetes-style name (RFC 1123 label): Pyrra and OpenSLO use it as an object name.
  if (typeof service !== 'string' || !DNS_LABEL_RE.test(service)) {
    throw optionError(
      generator,
      `service must be 1 to 63 lower-case letters, digits and "-", starting and ending with a letter or digit, e.g. "shop"; got ${describeValue(service)}`,
    );
  }
  return service;
}

function checkLabels(
  value: unknown,
  field: string,
  generator: string,
): readonly (readonly [string, string])[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw optionError(
      generator,
      `${field} must be an object of label names to string values; got ${describeValue(value)}`,
    );
  }
  return Object.entries(value as Record<string, unknown>).map(([name, v]) => {
    if (!LABEL_NAME_RE.test(name) || name.startsWith('__')) {
      throw optionError(
        generator,
        `${field}: "${name}" is not a Prometheus label name (letters, digits and "_", not starting with a digit or "__")`,
      );
    }
    if (RESERVED_LABELS.has(name)) {
      throw optionError(generator, `${field}: "${name}" is set by slokit itself and cannot be given`);
    }
    if (typeof v !== 'string') {
      throw optionError(generator, `${field}.${name} must be a string; got ${describeValue(v)}`);
    }
    if (v === '') {
      // An empty value is no label to Prometheus (a rule's empty label removes it), Sloth refuses
      // it ("the label value is required"), and `--label team=` is a slip more often than a wish.
      throw optionError(generator, `${field}.${name} is empty; give it a value, e.g. ${name}=shop`);
    }
    return [name, v] as const;
  });
}

// Kubernetes label syntax (k8s.io/apimachinery, validation.IsQualifiedName and IsValidLabelValue):
// a name of at most 63 characters, letters, digits, "-", "_" and ".", starting and ending with a
// letter or digit; a value the same, or empty. Pyrra resources are Kubernetes objects, and OpenSLO v1
// label keys follow the same rule (github.com/OpenSLO/go-sdk, pkg/openslo/v1/objects.go,
// labelKeyRegexp).
const KUBERNETES_NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const KUBERNETES_VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * Checks `labels` against the rules of a target's metadata: `'kubernetes'` (names and values, for
 * Pyrra) or `'openslo'` (names only: OpenSLO v1 leaves values free). Prometheus' own rules were
 * checked already; these are the extra ones, so `_team` (a fine Prometheus label) or `env=prod/eu`
 * fail here rather than in `kubectl apply` or the OpenSLO validator.
 */
export function checkMetadataLabels(
  labels: readonly (readonly [string, string])[],
  target: 'kubernetes' | 'openslo',
  generator: string,
): void {
  const rules =
    target === 'kubernetes'
      ? 'Kubernetes label names and values are at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit'
      : 'OpenSLO label names are at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  for (const [name, value] of labels) {
    if (!KUBERNETES_NAME_RE.test(name)) {
      throw optionError(generator, `labels: "${name}" is not a valid label name here: ${rules}`);
    }
    if (target === 'kubernetes' && !KUBERNETES_VALUE_RE.test(value)) {
      throw optionError(
        generator,
        `labels.${name}: ${JSON.stringify(value)} is not a valid label value here: ${rules}`,
      );
    }
  }
}

/** An RFC 1123 label (a Kubernetes object or OpenSLO name): 1 to 63 of a-z, 0-9 and "-", alphanumeric at both ends. */
export const DNS_LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function checkMinEvents(value: unknown, generator: string): number {
  if (value === undefined) return DEFAULT_MIN_EVENTS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw optionError(
      generator,
      `minEvents must be a number of events, 0 or more; got ${describeValue(value)}`,
    );
  }
  return value;
}

function optionError(generator: string, message: string): SlokitDefinitionError {
  return new SlokitDefinitionError('SLOKIT_E_RULES_OPTION', `${generator}: ${message}`);
}

/**
 * Kubernetes-style object names (RFC 1123 labels: lower-case letters, digits and "-", starting and
 * ending with a letter or digit) for Pyrra resources and OpenSLO documents. SLI names may also hold
 * "_" and end with "-" or "_": "_" becomes "-" and a trailing "-" is cut. Two SLIs that end up with
 * the same name are an error, since one resource would replace the other.
 */
export function objectNames(plans: readonly SliPlan[], generator: string): readonly string[] {
  const owners = new Map<string, string>();
  return plans.map(({ sli }) => {
    const name = sli.name.replace(/_/g, '-').replace(/-+$/, '');
    const owner = owners.get(name);
    if (owner !== undefined) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_RULES_FORMAT',
        `${generator}: SLIs "${owner}" and "${sli.name}" would both be named "${name}" (object names cannot hold "_" or end with "-"); rename one of them`,
      );
    }
    owners.set(name, sli.name);
    return name;
  });
}
