/**
 * Pyrra `ServiceLevelObjective` resources from SLIs, for teams that run Pyrra (https://pyrra.dev).
 * Field names follow Pyrra's CRD types, `kubernetes/api/v1alpha1/servicelevelobjective_types.go` in
 * github.com/pyrra-dev/pyrra: `target` is a string of percent, `indicator.ratio` holds `errors` and
 * `total` metric selectors that Pyrra wraps in `rate()` and sums itself.
 */
import {
  BURN_ALERT,
  LABEL_OWNER,
  LABEL_SLI_NAME,
  LABEL_SLI_OUTCOME,
  SLI_EVENTS_PROMETHEUS,
} from '../conventions.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { DNS_LABEL_RE, checkMetadataLabels, objectNames, planRules } from './plan.js';
import type { RulesOptions, RulesWarning } from './plan.js';
import { percentNumber, selector } from './promql.js';

/** A Pyrra `ServiceLevelObjective` resource (apiVersion `pyrra.dev/v1alpha1`). */
export interface PyrraSlo {
  readonly apiVersion: 'pyrra.dev/v1alpha1';
  readonly kind: 'ServiceLevelObjective';
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly description?: string;
    /** Percent as a string, e.g. `"99.9"`. */
    readonly target: string;
    /** e.g. `"28d"`. */
    readonly window: string;
    readonly indicator: {
      readonly ratio: {
        readonly errors: { readonly metric: string };
        readonly total: { readonly metric: string };
      };
    };
    readonly alerting: {
      readonly name: string;
      /** The `severity` label of each Pyrra tier (Pyrra 0.10 and later). */
      readonly severities?: PyrraSeverities;
    };
  };
}

/**
 * Pyrra's `alerting.severities`: the `severity` label of its four burn-rate tiers and of its alert
 * for absent metrics (`kubernetes/api/v1alpha1/servicelevelobjective_types.go`, `AlertingSeverities`).
 */
export interface PyrraSeverities {
  readonly fastBurn: string;
  readonly mediumBurn: string;
  readonly slowBurn: string;
  readonly longTermBurn: string;
  readonly absent: string;
}

/**
 * slokit's severities for Pyrra's tiers. Pyrra labels its fast and medium burns (1h/5m and 6h/30m
 * for 28 days) `critical` and its slow and long-term burns (1d/2h, 4d/6h) `warning`; slokit's own
 * rules say `page` for the 1h/5m and 6h/30m tiers and `ticket` for 1d/2h and 3d/6h. With these, one
 * Alertmanager route (`severity="page"`) matches both. A metric gone absent pages, as Pyrra's own
 * `critical` default does.
 */
export const PYRRA_SEVERITIES: PyrraSeverities = {
  fastBurn: 'page',
  mediumBurn: 'page',
  slowBurn: 'ticket',
  longTermBurn: 'ticket',
  absent: 'page',
};

/** The prefix of the labels Pyrra copies from the resource onto its rules and alerts (`slo.PropagationLabelsPrefix`). */
const PYRRA_PROPAGATED = 'pyrra.dev/';

/** Options of {@link toPyrraSlos}. */
export interface PyrraSlosOptions extends RulesOptions {
  /** Kubernetes namespace of the resources. Default `'monitoring'`. */
  readonly namespace?: string;
  /**
   * The `severity` labels of Pyrra's alerts: `'slokit'` (default) sets `alerting.severities` to
   * {@link PYRRA_SEVERITIES}, `page` and `ticket` as in slokit's own rules (Pyrra 0.10 and later
   * know the field); `'pyrra'` leaves Pyrra's `critical` and `warning`, for older Pyrra versions,
   * whose schema rejects the field.
   */
  readonly severities?: 'slokit' | 'pyrra';
}

/**
 * Generates one Pyrra `ServiceLevelObjective` per SLI: a ratio indicator over slokit's
 * `slokit_sli_events_total` (errors: `slokit_sli_outcome="bad"`; total: every outcome), the SLI's
 * objective and window, and alerts named `SlokitErrorBudgetBurn` whose `severity` is `page` or
 * `ticket` as in slokit's rules ({@link PYRRA_SEVERITIES}). Pyrra sums over instances and computes
 * its own burn-rate tiers (factors 14, 7, 2 and 1; long windows 1h, 6h, 1d and 4d for 28 days) and
 * labels them `long`/`short`, where slokit's rules say `long_window`/`short_window`; `minEvents` is
 * not used. Labels go onto the resources both as given and as `pyrra.dev/<name>`, which Pyrra copies
 * onto its rules. Write them with `toYaml(slos)` as one multi-document file for `kubectl apply -f`.
 *
 * @throws SlokitDefinitionError `SLOKIT_E_RULES_FORMAT` when two SLI names map to one resource name,
 *   `SLOKIT_E_RULES_OPTION` for a bad namespace, severities or Kubernetes label, and the errors of
 *   {@link toPrometheusRules}.
 * @example
 * import { toPyrraSlos, toYaml } from 'slokit/rules';
 * import { slis } from './slis.js';
 *
 * console.log(toYaml(toPyrraSlos(slis, { namespace: 'shop' })));
 */
export function toPyrraSlos(slis: readonly unknown[], options?: PyrraSlosOptions): readonly PyrraSlo[] {
  const { plans, options: resolved } = planRules(slis, options, 'toPyrraSlos', ['namespace', 'severities']);
  const namespace = checkNamespace(options?.namespace);
  const severities = checkSeverities(options?.severities);
  const names = objectNames(plans, 'toPyrraSlos');
  checkMetadataLabels(resolved.labels, 'kubernetes', 'toPyrraSlos');
  // Each label twice: as itself, to select the resources (kubectl get slo -l team=shop), and with
  // Pyrra's prefix, which Pyrra copies onto the rules and alerts it generates, where routes and
  // dashboards need it.
  const labels = Object.fromEntries(
    resolved.labels.flatMap(([name, value]) => [
      [name, value],
      [`${PYRRA_PROPAGATED}${name}`, value],
    ]),
  );
  const onWarning = options?.onWarning;
  return plans.map(({ sli }, i) => {
    const owner = pyrraOwnerLabel(sli.name, sli.owner, onWarning);
    const events = (outcome?: 'bad'): string =>
      selector(SLI_EVENTS_PROMETHEUS, [
        [LABEL_SLI_NAME, sli.name],
        ...(outcome === undefined ? [] : [[LABEL_SLI_OUTCOME, outcome] as const]),
        ...resolved.selector,
      ]);
    return {
      apiVersion: 'pyrra.dev/v1alpha1',
      kind: 'ServiceLevelObjective',
      metadata: {
        name: names[i]!,
        namespace,
        ...(resolved.labels.length > 0 || owner !== undefined ? { labels: { ...labels, ...owner } } : {}),
      },
      spec: {
        ...(sli.description === undefined ? {} : { description: sli.description }),
        target: String(percentNumber(sli.objective)),
        window: sli.window,
        indicator: { ratio: { errors: { metric: events('bad') }, total: { metric: events() } } },
        alerting: { name: BURN_ALERT, ...(severities === undefined ? {} : { severities }) },
      },
    };
  });
}

// A Kubernetes label value: at most 63 characters, alphanumerics at both ends, "-", "_" and "." inside
// (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set).
const K8S_LABEL_VALUE_RE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/**
 * The owner as a `pyrra.dev/owner` label: Pyrra copies `pyrra.dev/`-prefixed labels of the resource
 * onto the rules it generates (as `owner`), which is where Alertmanager routes. An owner that cannot
 * be a Kubernetes label value ("Shop team") is left out, with a warning.
 */
function pyrraOwnerLabel(
  sli: string,
  owner: string | undefined,
  onWarning: ((warning: RulesWarning) => void) | undefined,
): Record<string, string> | undefined {
  if (owner === undefined) return undefined;
  if (K8S_LABEL_VALUE_RE.test(owner)) return { [`pyrra.dev/${LABEL_OWNER}`]: owner };
  onWarning?.({
    code: 'SLOKIT_E_RULES_FORMAT',
    sli,
    message: `SLI "${sli}": its owner ${JSON.stringify(owner)} is not a Kubernetes label value (up to 63 letters, digits, "-", "_" and "."), so the Pyrra resource carries no pyrra.dev/owner label; use an owner such as "shop-team"`,
  });
  return undefined;
}

function checkSeverities(value: unknown): PyrraSeverities | undefined {
  if (value === undefined || value === 'slokit') return PYRRA_SEVERITIES;
  if (value === 'pyrra') return undefined;
  throw new SlokitDefinitionError(
    'SLOKIT_E_RULES_OPTION',
    `toPyrraSlos: severities must be 'slokit' (page and ticket) or 'pyrra' (Pyrra's critical and warning); got ${describeValue(value)}`,
  );
}

function checkNamespace(namespace: unknown): string {
  if (namespace === undefined) return 'monitoring';
  if (typeof namespace !== 'string' || !DNS_LABEL_RE.test(namespace)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_OPTION',
      `toPyrraSlos: namespace must be a Kubernetes namespace name (lower-case letters, digits and "-"), e.g. "monitoring"; got ${describeValue(namespace)}`,
    );
  }
  return namespace;
}
