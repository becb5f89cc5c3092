// The peers' own validation rules, encoded as test fixtures, each from the peer's source at the
// commit named. They check what slokit generates the way the peer would, and they fail on the
// inputs the peer refuses, so a generated spec that a peer would reject fails here first.
//
//   Sloth    github.com/slok/sloth @ 0e395d81513ff701f5d27b7aa47d794cb764fd5e
//            pkg/common/conventions (NameRegexp, TplSLIQueryWindowVarRegex),
//            pkg/common/validation/slo.go (ValidateSLO), pkg/common/validation/promql.go (labels),
//            internal/storage/io/sloth.go (ID = service-name), internal/alert/windows (28d, 30d)
//   Pyrra    github.com/pyrra-dev/pyrra @ 1ba95afbf90b2311cb9332b1633cf09218b7de9f
//            kubernetes/api/v1alpha1/servicelevelobjective_types.go (the CRD fields, validate()),
//            with Kubernetes' label syntax (k8s.io/apimachinery validation.IsQualifiedName,
//            IsValidLabelValue) for metadata.labels
//   OpenSLO  github.com/OpenSLO/go-sdk @ ae145da12c36289a0c6566474f1ce8a9a6aeaf1e
//            pkg/openslo/v1 (objects.go, service.go, sli.go, slo.go), and the v1 README of
//            github.com/OpenSLO/OpenSLO

/** Sloth's NameRegexp: SLO names, services and IDs. */
export const SLOTH_NAME = /^[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]$/;
/** Sloth's `{{ .window }}` template variable, required in every SLI query. */
const SLOTH_WINDOW_VAR = /{{ *\.window *}}/;
/** The periods Sloth has embedded alert windows for. */
export const SLOTH_PERIODS = ['28d', '30d'];
/** A Prometheus label name (UTF-8 names are valid too since Prometheus 3; slokit writes the classic ones). */
const PROMETHEUS_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Spec = Record<string, unknown>;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function promLabels(labels: unknown, where: string, problems: string[]): void {
  if (labels === undefined) return;
  if (!isRecord(labels)) {
    problems.push(`${where}: labels must be a map`);
    return;
  }
  for (const [key, value] of Object.entries(labels)) {
    if (key === '__name__' || !PROMETHEUS_LABEL.test(key))
      problems.push(`${where}: the label key "${key}" is not valid`);
    if (value === '') problems.push(`${where}: invalid label value "": the label value is required`);
    if (typeof value !== 'string') problems.push(`${where}: label ${key} must be a string`);
  }
}

/**
 * What `sloth validate` / `sloth generate --default-slo-period <period>` would refuse in a
 * prometheus/v1 spec: its messages, shortened.
 */
export function slothProblems(spec: Spec, period: string): string[] {
  const problems: string[] = [];
  if (spec.version !== 'prometheus/v1') problems.push('invalid spec version, should be "prometheus/v1"');
  const service = spec.service;
  if (typeof service !== 'string' || !SLOTH_NAME.test(service)) problems.push('invalid SLO service');
  const slos = spec.slos;
  if (!Array.isArray(slos) || slos.length === 0) problems.push('at least one SLO is required');
  promLabels(spec.labels, 'spec', problems);
  if (!SLOTH_PERIODS.includes(period)) {
    problems.push(`the ${period} SLO period time window is not supported`);
  }
  for (const slo of (slos ?? []) as Spec[]) {
    const name = slo.name;
    const at = `SLO ${JSON.stringify(name)}`;
    if (typeof name !== 'string' || !SLOTH_NAME.test(name)) {
      problems.push(
        `${at}: invalid SLO name: name must start and end with an alphanumeric and can only contain alphanumeric, '.', '_', and '-'`,
      );
    }
    if (typeof name === 'string' && typeof service === 'string' && !SLOTH_NAME.test(`${service}-${name}`)) {
      problems.push(`${at}: invalid SLO ID`);
    }
    const objective = slo.objective;
    if (typeof objective !== 'number' || objective <= 0 || objective > 100) {
      problems.push(`${at}: objective must >0 and <=100`);
    }
    promLabels(slo.labels, at, problems);
    const events = (slo.sli as Spec | undefined)?.events as Spec | undefined;
    if (events === undefined) problems.push(`${at}: at least one SLI type is required`);
    else {
      if (events.error_query === events.total_query)
        problems.push(`${at}: both error and total queries can't be the same`);
      for (const key of ['error_query', 'total_query']) {
        if (typeof events[key] !== 'string' || !SLOTH_WINDOW_VAR.test(events[key])) {
          problems.push(`${at}: sli ${key}: template must contain the {{ .window }} variable`);
        }
      }
    }
    const alerting = slo.alerting as Spec | undefined;
    if (alerting === undefined || typeof alerting.name !== 'string' || alerting.name === '') {
      problems.push(`${at}: alert name is required`);
    }
    for (const key of ['page_alert', 'ticket_alert']) {
      const alert = alerting?.[key] as Spec | undefined;
      if (alert === undefined || alert.disable === true) continue;
      promLabels(alert.labels, `${at} ${key}`, problems);
      for (const [annotation, value] of Object.entries((alert.annotations as Spec | undefined) ?? {})) {
        if (value === '') problems.push(`${at} ${key}: the annotation value of ${annotation} is required`);
      }
    }
    for (const [annotation, value] of Object.entries((alerting?.annotations as Spec | undefined) ?? {})) {
      if (value === '') problems.push(`${at}: the annotation value of ${annotation} is required`);
    }
  }
  return problems;
}

/** Kubernetes label syntax: a name (after an optional DNS-subdomain prefix and "/") and a value. */
const K8S_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const K8S_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An RFC 1123 label: Kubernetes object names, OpenSLO names and references. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function kubernetesLabelProblems(labels: unknown, at: string): string[] {
  if (labels === undefined) return [];
  if (!isRecord(labels)) return [`${at}: metadata.labels must be a map`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash === -1 ? undefined : key.slice(0, slash);
    const name = slash === -1 ? key : key.slice(slash + 1);
    if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
      problems.push(`${at}: metadata.labels: Invalid value: "${key}": prefix part must be a DNS subdomain`);
    }
    if (!K8S_NAME.test(name)) {
      problems.push(
        `${at}: metadata.labels: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
    }
    if (typeof value !== 'string' || !K8S_VALUE.test(value)) {
      problems.push(
        `${at}: metadata.labels: Invalid value: ${JSON.stringify(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
    }
  }
  return problems;
}

/** Prometheus' model.ParseDuration: units y, w, d, h, m, s, ms in that order, whole numbers. */
const PROMETHEUS_DURATION =
  /^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;
/** A PromQL vector selector, as Pyrra's admission check demands for ratio metrics. */
const VECTOR_SELECTOR =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*(=|!=|=~|!~)"([^"\\]|\\.)*",?)*\})?$/;

/** The fields of the ServiceLevelObjective CRD slokit may write (and their nested fields). */
const PYRRA_SPEC_FIELDS = ['description', 'target', 'window', 'indicator', 'alerting'];
const PYRRA_ALERTING_FIELDS = ['disabled', 'burnrates', 'absent', 'name', 'absentName', 'severities'];
const PYRRA_SEVERITY_FIELDS = ['absent', 'fastBurn', 'mediumBurn', 'slowBurn', 'longTermBurn'];

/** What Pyrra's admission webhook and the Kubernetes API server would refuse in a ServiceLevelObjective. */
export function pyrraProblems(resource: Spec): string[] {
  const problems: string[] = [];
  const metadata = (resource.metadata ?? {}) as Spec;
  const at = `ServiceLevelObjective ${JSON.stringify(metadata.name)}`;
  if (resource.apiVersion !== 'pyrra.dev/v1alpha1' || resource.kind !== 'ServiceLevelObjective') {
    problems.push(`${at}: not a pyrra.dev/v1alpha1 ServiceLevelObjective`);
  }
  if (typeof metadata.name !== 'string' || !DNS_LABEL.test(metadata.name))
    problems.push(`${at}: name must be set`);
  if (typeof metadata.namespace !== 'string' || !DNS_LABEL.test(metadata.namespace)) {
    problems.push(`${at}: namespace must be set`);
  }
  problems.push(...kubernetesLabelProblems(metadata.labels, at));
  const spec = (resource.spec ?? {}) as Spec;
  for (const key of Object.keys(spec))
    if (!PYRRA_SPEC_FIELDS.includes(key)) problems.push(`${at}: unknown field "spec.${key}"`);
  const target = typeof spec.target === 'string' ? Number.parseFloat(spec.target) : Number.NaN;
  if (Number.isNaN(target)) problems.push(`${at}: target must be set`);
  else if (target < 0 || target > 100) problems.push(`${at}: target must be between 0 and 100`);
  if (typeof spec.window !== 'string' || spec.window === '' || !PROMETHEUS_DURATION.test(spec.window)) {
    problems.push(`${at}: window must be a Prometheus duration`);
  }
  const ratio = ((spec.indicator ?? {}) as Spec).ratio as Spec | undefined;
  if (ratio === undefined)
    problems.push(`${at}: one of ratio, latency, latencyNative or bool_gauge must be set`);
  for (const key of ['errors', 'total']) {
    const metric = ((ratio?.[key] ?? {}) as Spec).metric;
    if (typeof metric !== 'string' || !VECTOR_SELECTOR.test(metric)) {
      problems.push(`${at}: ratio ${key} metric must be a vector selector`);
    }
  }
  const alerting = (spec.alerting ?? {}) as Spec;
  for (const key of Object.keys(alerting)) {
    if (!PYRRA_ALERTING_FIELDS.includes(key)) problems.push(`${at}: unknown field "spec.alerting.${key}"`);
  }
  for (const [key, value] of Object.entries((alerting.severities ?? {}) as Spec)) {
    if (!PYRRA_SEVERITY_FIELDS.includes(key))
      problems.push(`${at}: unknown field "spec.alerting.severities.${key}"`);
    if (typeof value !== 'string') problems.push(`${at}: spec.alerting.severities.${key} must be a string`);
  }
  return problems;
}

/** OpenSLO v1 label keys (go-sdk labelKeyRegexp). */
const OPENSLO_LABEL_KEY = /^[a-zA-Z0-9]([-._a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
/** OpenSLO duration-shorthand: a positive integer and one of m, h, d, w, M, Q, Y. */
const OPENSLO_DURATION = /^[1-9][0-9]*[mhdwMQY]$/;
const OPENSLO_BUDGETING = ['Occurrences', 'Timeslices', 'RatioTimeslices'];

function openSloMetadataProblems(metadata: Spec, at: string): string[] {
  const problems: string[] = [];
  if (typeof metadata.name !== 'string' || !DNS_LABEL.test(metadata.name)) {
    problems.push(`${at}: metadata.name: string must be a valid DNS label (RFC 1123)`);
  }
  if (typeof metadata.displayName === 'string' && [...metadata.displayName].length > 63) {
    problems.push(`${at}: metadata.displayName: length must be less than or equal to 63`);
  }
  for (const key of Object.keys(metadata.labels ?? {})) {
    if (!OPENSLO_LABEL_KEY.test(key))
      problems.push(`${at}: metadata.labels: key "${key}" does not match the label key pattern`);
  }
  return problems;
}

function descriptionProblems(spec: Spec, at: string): string[] {
  return typeof spec.description === 'string' && [...spec.description].length > 1050
    ? [`${at}: spec.description: length must be less than or equal to 1050`]
    : [];
}

/** What the OpenSLO v1 validator (go-sdk, `oslo validate`) would refuse in these documents. */
export function openSloProblems(docs: readonly Spec[]): string[] {
  const problems: string[] = [];
  for (const doc of docs) {
    const metadata = (doc.metadata ?? {}) as Spec;
    const spec = (doc.spec ?? {}) as Spec;
    const at = `${String(doc.kind)} ${JSON.stringify(metadata.name)}`;
    if (doc.apiVersion !== 'openslo/v1') problems.push(`${at}: apiVersion should be equal to 'openslo/v1'`);
    problems.push(...openSloMetadataProblems(metadata, at), ...descriptionProblems(spec, at));
    if (doc.kind === 'SLI') {
      const ratio = spec.ratioMetric as Spec | undefined;
      for (const key of ['good', 'total']) {
        const source = ((ratio?.[key] ?? {}) as Spec).metricSource as Spec | undefined;
        const ref = source?.metricSourceRef;
        if (ref !== undefined && (typeof ref !== 'string' || !DNS_LABEL.test(ref))) {
          problems.push(
            `${at}: spec.ratioMetric.${key}.metricSource.metricSourceRef: string must be a valid DNS label (RFC 1123)`,
          );
        }
        if (source === undefined || Object.keys(source.spec ?? {}).length === 0) {
          problems.push(
            `${at}: spec.ratioMetric.${key}.metricSource.spec: length must be greater than or equal to 1`,
          );
        }
      }
    }
    if (doc.kind === 'SLO') {
      if (typeof spec.service !== 'string' || spec.service === '')
        problems.push(`${at}: spec.service: property is required`);
      if (typeof spec.indicatorRef !== 'string' || !DNS_LABEL.test(spec.indicatorRef)) {
        problems.push(`${at}: spec.indicatorRef: string must be a valid DNS label (RFC 1123)`);
      }
      if (!OPENSLO_BUDGETING.includes(spec.budgetingMethod as string))
        problems.push(`${at}: spec.budgetingMethod`);
      const windows = spec.timeWindow as Spec[] | undefined;
      if (!Array.isArray(windows) || windows.length !== 1)
        problems.push(`${at}: spec.timeWindow: length must be 1`);
      else if (typeof windows[0]!.duration !== 'string' || !OPENSLO_DURATION.test(windows[0]!.duration)) {
        problems.push(`${at}: spec.timeWindow[0].duration: not a duration-shorthand`);
      }
      for (const objective of (spec.objectives ?? []) as Spec[]) {
        const target = objective.target;
        if (typeof target !== 'number' || target < 0 || target >= 1)
          problems.push(`${at}: objectives.target: must be in [0, 1)`);
      }
    }
  }
  return problems;
}
