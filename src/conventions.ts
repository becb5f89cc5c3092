/**
 * Every metric, attribute and label name slokit writes, and their units: one table used by the
 * runtime (counters, spans) and by the rule generators (Prometheus, Sloth, Pyrra, OpenSLO), so the
 * rules always query what the process exports.
 */

/** The SLI event counter (OTel name, unit and its Prometheus spellings). */
export const SLI_EVENTS_METRIC = 'slokit.sli.events';
export const SLI_EVENTS_UNIT = '{event}';
/** How the counter is named when scraped from the process (OTel Prometheus exporter). */
export const SLI_EVENTS_PROMETHEUS = 'slokit_sli_events_total';

/** Events whose SLI classifier or match predicate threw, per SLI (they count as not eligible). */
export const CLASSIFIER_ERRORS_METRIC = 'slokit.sli.classifier_errors';
/** Data slokit dropped to stay within its limits, by `slokit.dropped.what`. */
export const DROPPED_METRIC = 'slokit.dropped';
export const DROPPED_UNIT = '{item}';

/**
 * Export health, reported by `startTelemetry()` (slokit/setup): failed OTLP exports by
 * `slokit.export.signal` (`traces` | `metrics`), and spans that never reached the collector by
 * `slokit.export.reason` (`queue_full`: the bounded queue was full; `export_failed`: their batch was
 * refused or timed out; `shutdown`: they ended after shutdown() had finished; with tail sampling,
 * `sampled_out`: their trace was not one of the 1 in N kept, `sampling_timeout`: their trace's root
 * did not end in time and the trace was not kept, `sampling_buffer_full`: the same, decided early to
 * make room).
 */
export const EXPORT_FAILURES_METRIC = 'slokit.export.failures';
export const EXPORT_FAILURES_UNIT = '{export}';
export const EXPORT_DROPPED_SPANS_METRIC = 'slokit.export.dropped_spans';
export const EXPORT_DROPPED_SPANS_UNIT = '{span}';
export const ATTR_EXPORT_SIGNAL = 'slokit.export.signal';
export const ATTR_EXPORT_REASON = 'slokit.export.reason';

/**
 * On spans kept by tail sampling (`startTelemetry({ tailSampling })`): how many spans each kept one
 * stands for (1 for a trace kept because something was wrong, N for one of 1 in N good traces).
 * Honeycomb's spelling, which several backends read to weigh counts.
 */
export const ATTR_SAMPLE_RATE = 'SampleRate';

/** Resource attributes `startTelemetry()` sets (OTel semantic conventions). */
export const RESOURCE_SERVICE_NAME = 'service.name';
export const RESOURCE_SERVICE_VERSION = 'service.version';
export const RESOURCE_SERVICE_INSTANCE_ID = 'service.instance.id';
export const RESOURCE_DEPLOYMENT_ENVIRONMENT = 'deployment.environment.name';

/** Counter attributes and their Prometheus label spellings. */
export const ATTR_SLI_NAME = 'slokit.sli.name';
export const ATTR_SLI_OUTCOME = 'slokit.sli.outcome';
export const ATTR_SLI_REASON = 'slokit.sli.reason';
export const ATTR_DROPPED_WHAT = 'slokit.dropped.what';
export const LABEL_SLI_NAME = 'slokit_sli_name';
export const LABEL_SLI_OUTCOME = 'slokit_sli_outcome';
export const LABEL_SLI_REASON = 'slokit_sli_reason';

/** Span attributes holding an SLI's verdict: `slokit.sli.<name>.outcome` and `.reason`. */
export function sliOutcomeAttribute(sliName: string): string {
  return `slokit.sli.${sliName}.outcome`;
}
export function sliReasonAttribute(sliName: string): string {
  return `slokit.sli.${sliName}.reason`;
}

/** Stable HTTP semantic-convention attributes slokit sets on request spans. */
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_URL_QUERY = 'url.query';
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_USER_AGENT = 'user_agent.original';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_CLIENT_ADDRESS = 'client.address';
/** `http.request.header.<name>`, a string array, for allow-listed request headers. */
export function requestHeaderAttribute(header: string): string {
  return `http.request.header.${header.toLowerCase()}`;
}
/** Set to true on a request span when the client closed the connection before the response ended. */
export const ATTR_SLOKIT_ABORTED = 'slokit.aborted';
/** Set on the span of a unit of work started by `kit.track()`: the SLI it is judged against. */
export const ATTR_SLOKIT_WORK = 'slokit.work';

/** Prometheus recording rule for an SLI's error ratio over `window` (e.g. `5m`, `1h`, `28d`). */
export function errorRatioRecord(window: string): string {
  return `slokit:sli_error_ratio:rate${window}`;
}
/** Prometheus metadata recording rules. */
export const OBJECTIVE_RECORD = 'slokit:sli_objective:ratio';
export const ERROR_BUDGET_RECORD = 'slokit:sli_error_budget:ratio';
export const BUDGET_REMAINING_RECORD = 'slokit:sli_error_budget_remaining:ratio';
/** The generated burn-rate alert and its severities. */
export const BURN_ALERT = 'SlokitErrorBudgetBurn';
export const SEVERITY_PAGE = 'page';
export const SEVERITY_TICKET = 'ticket';
/** Labels of the generated burn-rate alerts: the severity and the tier's window pair (e.g. `1h`, `5m`). */
export const LABEL_SEVERITY = 'severity';
export const LABEL_LONG_WINDOW = 'long_window';
export const LABEL_SHORT_WINDOW = 'short_window';
/** Label of the generated alerts naming the SLI's `owner`, for Alertmanager routing. */
export const LABEL_OWNER = 'owner';

/** The value a span attribute or label gets in place of a redacted secret. */
export const REDACTED = '[REDACTED]';
/** Appended to an attribute value that was cut to the length limit. */
export const TRUNCATED_MARKER = '…[truncated]';
