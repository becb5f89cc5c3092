import { SpanKind, SpanStatusCode, propagation, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, TextMapGetter, Tracer } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SLOKIT_ABORTED,
  sliOutcomeAttribute,
  sliReasonAttribute,
} from '../conventions.js';
import { activeContext } from '../context/store.js';
import { describeValue } from '../errors.js';
import type { AttributeValue, Sli, Verdict } from '../sli/types.js';

/** The attributes of a wide event (readonly arrays, which OTel accepts as they are). */
export type WideValues = Readonly<Record<string, AttributeValue>>;

/** The span an event writes to, and the context to run its work in. */
export interface SpanScope {
  readonly span: Span;
  readonly ctx: Context;
  /** Whether slokit started the span (and so ends it); false when enriching another's SERVER span. */
  readonly owned: boolean;
}

/**
 * Reads a request's headers for the propagator from `rawHeaders` (`[name, value, name, value, ...]`,
 * names as the client spelled them). Node builds `req.headers` on its first read, an object and a
 * string per header; the propagator only asks for one or two names, and most apps never read the
 * headers object at all.
 */
const rawHeadersGetter: TextMapGetter<readonly string[]> = {
  get(raw, key) {
    let found: string | string[] | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length !== key.length || name.toLowerCase() !== key) continue;
      const value = raw[i + 1]!;
      found = found === undefined ? value : Array.isArray(found) ? [...found, value] : [found, value];
    }
    return found;
  },
  keys(raw) {
    const names: string[] = [];
    for (let i = 0; i < raw.length; i += 2) names.push(raw[i]!.toLowerCase());
    return names;
  },
};

/**
 * Starts the SERVER span of a request, or adopts the SERVER span already active (the app runs
 * `@opentelemetry/instrumentation-http`), so there is always exactly one per request. The parent is
 * extracted from the request headers through the global propagator (W3C `traceparent` once an SDK
 * registers one).
 */
export function startServerSpan(
  tracer: Tracer,
  name: string,
  req: IncomingMessage,
  attributes: Attributes,
): SpanScope {
  const active = activeContext();
  const current = trace.getSpan(active);
  if (
    current !== undefined &&
    current.isRecording() &&
    (current as { kind?: SpanKind }).kind === SpanKind.SERVER
  ) {
    current.setAttributes(attributes);
    return { span: current, ctx: active, owned: false };
  }
  const raw = req.rawHeaders as readonly string[] | undefined;
  const parent =
    raw === undefined
      ? propagation.extract(active, req.headers)
      : propagation.extract(active, raw, rawHeadersGetter);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  return { span, ctx: trace.setSpan(parent, span), owned: true };
}

/** Starts the span of a unit of work tracked with `kit.track()`, as a child of the active span. */
export function startWorkSpan(
  tracer: Tracer,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
): SpanScope {
  const active = activeContext();
  const span = tracer.startSpan(name, { kind, attributes }, active);
  return { span, ctx: trace.setSpan(active, span), owned: true };
}

/** Span attribute names of each SLI's verdict, built once per kit. */
export interface VerdictKeys {
  readonly outcome: string;
  readonly reason: string;
}

export function verdictKeys(slis: readonly Sli<unknown>[]): readonly VerdictKeys[] {
  return slis.map((s) => ({ outcome: sliOutcomeAttribute(s.name), reason: sliReasonAttribute(s.name) }));
}

/** Writes verdicts (for the SLIs the event was eligible for) onto a span. */
export function setVerdicts(
  span: Span,
  keys: readonly VerdictKeys[],
  verdicts: readonly (Verdict | undefined)[],
): void {
  for (let i = 0; i < verdicts.length; i++) {
    const verdict = verdicts[i];
    if (verdict === undefined || verdict.outcome === 'ineligible') continue;
    const key = keys[i]!;
    span.setAttribute(key.outcome, verdict.outcome);
    if (verdict.reason !== undefined) span.setAttribute(key.reason, verdict.reason);
  }
}

/** What a finished request writes onto its span. */
export interface RequestOutcome {
  readonly method: string;
  readonly route?: string | undefined;
  readonly status?: number | undefined;
  readonly aborted?: boolean | undefined;
  readonly error?: unknown;
}

/**
 * Completes a request span: name `{METHOD} {route}`, route and status attributes, the wide-event
 * attributes and the verdicts. The span status is ERROR only for 5xx and exceptions (HTTP semconv:
 * 4xx are not server errors); the verdict never sets the status.
 */
export function finishRequestSpan(
  scope: SpanScope,
  outcome: RequestOutcome,
  wide: WideValues,
  keys: readonly VerdictKeys[],
  verdicts: readonly (Verdict | undefined)[],
  /** The route the span was started with (its name and `http.route` are set already). */
  startedWith?: string,
): void {
  const span = scope.span;
  if (span.isRecording()) {
    span.setAttributes(wide as Attributes);
    if (outcome.route !== undefined && outcome.route !== startedWith) {
      span.setAttribute(ATTR_HTTP_ROUTE, outcome.route);
      span.updateName(`${outcome.method} ${outcome.route}`);
    }
    if (outcome.status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.status);
    if (outcome.aborted === true) span.setAttribute(ATTR_SLOKIT_ABORTED, true);
    setVerdicts(span, keys, verdicts);
    recordFailure(span, outcome.error, outcome.status);
  }
  if (scope.owned) span.end();
}

/** Marks a span as failed for an exception or a 5xx, following the semantic conventions. */
export function recordFailure(span: Span, error: unknown, status: number | undefined): void {
  const failed = error !== undefined && error !== null && error !== false;
  if (failed) {
    if (error instanceof Error) span.recordException(error);
    span.setAttribute(
      ATTR_ERROR_TYPE,
      error instanceof Error ? error.name : typeof error === 'string' ? error : '_OTHER',
    );
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : describeValue(error),
    });
  } else if (status !== undefined && status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}
