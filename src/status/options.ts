import type { IncomingMessage } from 'node:http';
import { LABEL_SLI_NAME, LABEL_SLI_OUTCOME } from '../conventions.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import type { SampledEvent } from '../explain/types.js';
import { prometheusTarget } from '../fleet/client.js';
import { LABEL_NAME_RE } from '../rules/promql.js';
import { warnOnce } from '../runtime/diag.js';
import { parseDuration } from '../sli/duration.js';
import type { Duration } from '../sli/duration.js';
import { linkable } from './html-template.js';
import type { StatusHandlerOptions } from './types.js';

/** The options of `kit.statusHandler()`, checked and with their defaults. */
export interface ResolvedStatusOptions {
  readonly traceLink: (event: SampledEvent) => string | null;
  readonly authorize: ((req: IncomingMessage) => boolean | PromiseLike<boolean>) | undefined;
  /** 0 for never. */
  readonly refreshMs: number;
  readonly instance: string | undefined;
  readonly service: string | undefined;
  readonly maxFindings: number;
  readonly maxEvents: number;
  /** The fleet view's source, or `undefined` without `prometheus`. */
  readonly fleet: ResolvedFleetOptions | undefined;
}

/** Where and how the page reads the fleet's figures. */
export interface ResolvedFleetOptions {
  readonly prometheus: string;
  /** The Prometheus URL without credentials, for the page. */
  readonly shown: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeout: Duration;
  readonly timeoutMs: number;
}

const KNOWN = [
  'traceUrl',
  'authorize',
  'refresh',
  'instance',
  'service',
  'maxFindings',
  'maxEvents',
  'prometheus',
  'selector',
  'fleetLabels',
  'fleetHeaders',
  'fleetTimeout',
] as const;
const FLEET_ONLY = ['selector', 'fleetLabels', 'fleetHeaders', 'fleetTimeout'] as const;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

function fail(field: string, message: string): never {
  throw new SlokitDefinitionError('SLOKIT_E_OPTION', `kit.statusHandler: ${field}: ${message}`);
}

/** Checks the options; every mistake throws `SLOKIT_E_OPTION` here, when the handler is made. */
export function resolveStatusOptions(options: unknown): ResolvedStatusOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail('options', `expected an options object; got ${describeValue(options)}`);
  }
  const o = options as Record<string, unknown> & StatusHandlerOptions;
  for (const key of Object.keys(o)) {
    if (!(KNOWN as readonly string[]).includes(key))
      fail(key, `unknown option; expected one of ${KNOWN.join(', ')}`);
  }
  if (o.authorize !== undefined && typeof o.authorize !== 'function')
    fail('authorize', `expected a function (req) => boolean; got ${describeValue(o.authorize)}`);
  const refresh = o.refresh ?? '30s';
  let refreshMs = 0;
  if (refresh !== false) {
    refreshMs = parseDuration(refresh, 'kit.statusHandler: refresh');
    if (refreshMs < 1_000)
      fail('refresh', `expected at least "1s" (or false); got ${describeValue(refresh)}`);
  }
  for (const key of ['instance', 'service'] as const) {
    const value = o[key];
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      fail(key, `expected a non-empty string; got ${describeValue(value)}`);
  }
  return {
    traceLink: traceLinkOf(o.traceUrl),
    authorize: o.authorize,
    refreshMs,
    instance: o.instance,
    service: o.service,
    maxFindings: count(o.maxFindings, 'maxFindings', 5),
    maxEvents: count(o.maxEvents, 'maxEvents', 10),
    fleet: fleetOf(o),
  };
}

const MIN_FLEET_TIMEOUT_MS = 100;
const MAX_FLEET_TIMEOUT_MS = 30_000;

/** The fleet options, checked as `fleetStatus()` would check them, but when the handler is made. */
function fleetOf(o: StatusHandlerOptions): ResolvedFleetOptions | undefined {
  if (o.prometheus === undefined) {
    for (const key of FLEET_ONLY) {
      if (o[key] !== undefined) fail(key, 'only has a meaning with the prometheus option');
    }
    return undefined;
  }
  const headers = headersOf(o.fleetHeaders);
  const target = typeof o.prometheus === 'string' ? prometheusTarget(o.prometheus, headers) : undefined;
  if (target === undefined) {
    const shown =
      typeof o.prometheus === 'string' ? o.prometheus.replace(/\/\/[^/@]*@/, '//***@') : o.prometheus;
    fail(
      'prometheus',
      `expected the Prometheus base URL, e.g. "http://prometheus:9090"; got ${describeValue(shown)}`,
    );
  }
  const timeout: Duration = o.fleetTimeout ?? '2s';
  const timeoutMs = parseDuration(timeout, 'kit.statusHandler: fleetTimeout');
  if (timeoutMs < MIN_FLEET_TIMEOUT_MS || timeoutMs > MAX_FLEET_TIMEOUT_MS)
    fail('fleetTimeout', `expected from "100ms" to "30s"; got ${describeValue(timeout)}`);
  return {
    prometheus: o.prometheus,
    shown: target.shown,
    selector: labelsOf(o.selector, 'selector'),
    labels: labelsOf(o.fleetLabels, 'fleetLabels'),
    headers,
    timeout,
    timeoutMs,
  };
}

function labelsOf(value: unknown, field: string): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail(
      field,
      `expected an object of Prometheus label names to values, e.g. { job: 'shop' }; got ${describeValue(value)}`,
    );
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!LABEL_NAME_RE.test(name) || name.startsWith('__'))
      fail(
        field,
        `${JSON.stringify(name)} is not a Prometheus label name (letters, digits and "_", not starting with a digit or "__")`,
      );
    if (name === LABEL_SLI_NAME || name === LABEL_SLI_OUTCOME)
      fail(field, `"${name}" is set by slokit itself and cannot be given`);
    if (typeof v !== 'string') fail(`${field}.${name}`, `expected a string; got ${describeValue(v)}`);
    out[name] = v;
  }
  return Object.freeze(out);
}

function headersOf(value: unknown): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('fleetHeaders', `expected an object of header names to string values; got ${describeValue(value)}`);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    // RFC 9110 field names are tokens; values must not hold line breaks.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      fail('fleetHeaders', `${JSON.stringify(name)} is not an HTTP header name`);
    if (typeof v !== 'string' || /[\r\n\0]/.test(v))
      fail(
        `fleetHeaders.${name}`,
        `expected a string without line breaks; got ${typeof v === 'string' ? 'one with a line break' : describeValue(v)}`,
      );
    out[name] = v;
  }
  return out;
}

function count(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000)
    fail(field, `expected a whole number from 0 to 1000; got ${describeValue(value)}`);
  return value;
}

/**
 * Turns `traceUrl` into a function from an event to its link. A template must contain `{traceId}`
 * and make an `http(s)` URL or a root-relative path; the ids are checked (hex of the W3C lengths)
 * before they are put in. A function's result is checked on every call: an unusable one gives no
 * link and is logged once.
 */
function traceLinkOf(traceUrl: unknown): (event: SampledEvent) => string | null {
  if (traceUrl === undefined) return () => null;
  if (typeof traceUrl === 'function') {
    const fn = traceUrl as (event: SampledEvent) => unknown;
    return (event) => {
      if (event.traceId === undefined) return null;
      let url: unknown;
      try {
        url = fn(event);
      } catch (error) {
        warnOnce(
          'status.traceUrl.threw',
          `The status page's traceUrl function threw; no trace link: ${String(error)}`,
        );
        return null;
      }
      if (url === undefined || url === null) return null;
      const link = typeof url === 'string' ? linkable(url) : undefined;
      if (link === undefined) {
        warnOnce(
          'status.traceUrl.unusable',
          `The status page's traceUrl function returned ${describeValue(url)}, which is not an http(s) URL or a root-relative path; no trace link`,
        );
        return null;
      }
      return link;
    };
  }
  if (typeof traceUrl !== 'string' || !traceUrl.includes('{traceId}')) {
    fail(
      'traceUrl',
      `expected a URL template with {traceId} such as "https://jaeger.example/trace/{traceId}", or a function (event) => url; got ${describeValue(traceUrl)}`,
    );
  }
  const sample = fill(traceUrl, '0'.repeat(32), '0'.repeat(16));
  if (linkable(sample) === undefined)
    fail('traceUrl', `expected an http(s) URL or a root-relative path; got ${describeValue(traceUrl)}`);
  return (event) => {
    const { traceId, spanId } = event;
    if (traceId === undefined || !TRACE_ID.test(traceId)) return null;
    return (
      linkable(fill(traceUrl, traceId, spanId !== undefined && SPAN_ID.test(spanId) ? spanId : '')) ?? null
    );
  };
}

function fill(template: string, traceId: string, spanId: string): string {
  return template.replaceAll('{traceId}', traceId).replaceAll('{spanId}', spanId);
}
