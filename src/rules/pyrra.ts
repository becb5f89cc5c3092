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
import { objectNames, planRules } from './plan.js';
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
    readonly alerting: { readonly name: string };
  };
}

/** Options of {@link toPyrraSlos}. */
export interface PyrraSlosOptions extends RulesOptions {
  /** Kubernetes namespace of the resources. Default `'monitoring'`. */
  readonly namespace?: string;
}

/**
 * Generates one Pyrra `ServiceLevelObjective` per SLI: a ratio indicator over slokit's
 * `slokit_sli_events_total` (errors: `slokit_sli_outcome="bad"`; total: every outcome), the SLI's
 * objective and window, and alerts named `SlokitErrorBudgetBurn`. Pyrra sums over instances and
 * computes its own burn-rate tiers; `minEvents` is not used. Write them with `toYaml(slos)` as one
 * multi-document file for `kubectl apply -f`.
 *
 * @throws SlokitDefinitionError `SLOKIT_E_RULES_FORMAT` when two SLI names map to one resource name,
 *   `SLOKIT_E_RULES_OPTION` for a bad namespace, and the errors of {@link toPrometheusRules}.
 * @example
 * import { toPyrraSlos, toYaml } from 'slokit/rules';
 * import { slis } from './slis.js';
 *
 * console.log(toYaml(toPyrraSlos(slis, { namespace: 'shop' })));
 */
export function toPyrraSlos(slis: readonly unknown[], options?: PyrraSlosOptions): readonly PyrraSlo[] {
  const { plans, options: resolved } = planRules(slis, options, 'toPyrraSlos', ['namespace']);
  const namespace = checkNamespace(options?.namespace);
  const names = objectNames(plans, 'toPyrraSlos');
  const labels = Object.fromEntries(resolved.labels);
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
        alerting: { name: BURN_ALERT },
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

function checkNamespace(namespace: unknown): string {
  if (namespace === undefined) return 'monitoring';
  if (typeof namespace !== 'string' || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_RULES_OPTION',
      `toPyrraSlos: namespace must be a Kubernetes namespace name (lower-case letters, digits and "-"), e.g. "monitoring"; got ${describeValue(namespace)}`,
    );
  }
  return namespace;
}
