import type { IncomingMessage } from 'node:http';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import type { SampledEvent } from '../explain/types.js';
import { warnOnce } from '../runtime/diag.js';
import { parseDuration } from '../sli/duration.js';
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
}

const KNOWN = [
  'traceUrl',
  'authorize',
  'refresh',
  'instance',
  'service',
  'maxFindings',
  'maxEvents',
] as const;
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
  };
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
