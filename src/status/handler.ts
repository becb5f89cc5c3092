/**
 * `kit.statusHandler()`: the status page as a request handler for node:http, Express and Fastify.
 *
 * A request to it is slokit's own (like a metrics scrape): it is taken out of every SLI before
 * anything else, so looking at the page never counts as an event of the service. It is read-only
 * (GET and HEAD; 405 otherwise), can be guarded (`authorize`, 401), negotiates HTML or JSON, and
 * never throws into the server: a failure answers 500 and is logged once through `diag`.
 */

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { RESOURCE_SERVICE_INSTANCE_ID, RESOURCE_SERVICE_NAME } from '../conventions.js';
import { excludeCurrentEvent } from '../context/store.js';
import { warnOnce } from '../runtime/diag.js';
import type { KitRuntime } from '../runtime/kit.js';
import { VERSION } from '../version.js';
import { SCRIPT, STYLE } from './assets.js';
import { buildStatusDocument, withFleet } from './document.js';
import { createFleetReader } from './fleet.js';
import type { StatusSource } from './document.js';
import { renderStatusPage } from './html.js';
import { resolveStatusOptions } from './options.js';
import type { ResolvedStatusOptions } from './options.js';
import type {
  FastifyLikeReply,
  FastifyLikeRequest,
  StatusDocument,
  StatusHandler,
  StatusHandlerOptions,
} from './types.js';

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The Content-Security-Policy of the HTML page: nothing may load or run but the page's own
 * stylesheet and script (by hash), images only from `data:` URLs (the favicon), fetches only to
 * this origin (the refresh), and no framing, `<base>` or form posts.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${sha256(STYLE)}`,
  `script-src ${sha256(SCRIPT)}`,
  'img-src data:',
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The policy of every other answer (JSON, errors): nothing at all. */
const NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'";

const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

const TELEMETRY_SLOT = Symbol.for('slokit.telemetry');

/** The resource that `startTelemetry()` (slokit/setup) describes this process with, if it runs. */
function telemetryResource(): Readonly<Record<string, unknown>> {
  const telemetry = (globalThis as Record<symbol, unknown>)[TELEMETRY_SLOT] as
    { resourceAttributes?: Readonly<Record<string, unknown>> } | undefined;
  return telemetry?.resourceAttributes ?? {};
}

function instanceOf(options: ResolvedStatusOptions): { id: string; service: string | null } {
  const resource = telemetryResource();
  const id = resource[RESOURCE_SERVICE_INSTANCE_ID];
  const service = resource[RESOURCE_SERVICE_NAME];
  return {
    id: options.instance ?? (typeof id === 'string' && id !== '' ? id : `${hostname()}:${process.pid}`),
    service: options.service ?? (typeof service === 'string' && service !== '' ? service : null),
  };
}

function isFastifyCall(a: unknown, b: unknown): b is FastifyLikeReply {
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof (b as Partial<FastifyLikeReply>).hijack === 'function' &&
    typeof (b as Partial<FastifyLikeReply>).raw === 'object' &&
    typeof (a as Partial<FastifyLikeRequest> | null)?.raw === 'object'
  );
}

type Format = 'html' | 'json';

/**
 * HTML unless the request asks for JSON: `?format=json`, or an `Accept` header under which
 * `application/json` has a higher quality than `text/html`, or the same quality from a more specific
 * range (`application/json, *\/*` is JSON: what API clients send; a browser's `text/html, ..., *\/*`
 * and plain `curl`'s `*\/*` are HTML). Each type takes the quality of the most specific range that
 * matches it (RFC 9110, section 12.5.1). `undefined` for a `format` parameter that is neither.
 */
export function negotiateFormat(url: string | undefined, accept: string | undefined): Format | undefined {
  const query = url === undefined ? -1 : url.indexOf('?');
  if (query !== -1) {
    const format = new URLSearchParams(url!.slice(query + 1)).get('format');
    if (format !== null) return format === 'json' || format === 'html' ? format : undefined;
  }
  if (accept === undefined || accept === '') return 'html';
  // [quality, specificity] of the most specific range matching each type.
  let json: [number, number] = [0, -1];
  let page: [number, number] = [0, -1];
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const param of params) {
      const [k, v] = param.trim().split('=');
      if (k === 'q' && v !== undefined) q = Number(v);
    }
    if (!(q >= 0 && q <= 1)) continue;
    const type = range.trim();
    const forJson = type === 'application/json' ? 2 : type === 'application/*' ? 1 : type === '*/*' ? 0 : -1;
    const forPage = type === 'text/html' ? 2 : type === 'text/*' ? 1 : type === '*/*' ? 0 : -1;
    if (forJson > json[1]) json = [q, forJson];
    if (forPage > page[1]) page = [q, forPage];
  }
  if (json[0] > page[0]) return 'json';
  return json[0] > 0 && json[0] === page[0] && json[1] > page[1] ? 'json' : 'html';
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Readonly<Record<string, string>>,
): void {
  const payload = Buffer.from(body, 'utf8');
  res.statusCode = status;
  for (const [name, value] of Object.entries(COMMON_HEADERS)) res.setHeader(name, value);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-type', type);
  res.setHeader('content-length', payload.length);
  res.end(req.method === 'HEAD' ? undefined : payload);
}

function plain(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers = {}): void {
  send(req, res, status, 'text/plain; charset=utf-8', `${text}\n`, {
    'content-security-policy': NOTHING_CSP,
    ...headers,
  });
}

/** What the page reads from a kit: its SLIs, redaction policy, status and windows. */
export function kitStatusSource(runtime: KitRuntime): StatusSource {
  return {
    slis: runtime.slis,
    policy: runtime.policy,
    status: () => runtime.slo.status(),
    windowsOf: (index) => runtime.slo.windowsOf(index),
    alerting: runtime.slo.alerting,
    explain: (sli) => runtime.explain(sli, undefined),
    recentBadEvents: (sli, limit) => runtime.recentEvents(sli, { outcome: 'bad', limit }),
  };
}

/**
 * Makes the status page handler of a kit. Options are checked here (`SLOKIT_E_OPTION`); the
 * handler itself never throws.
 */
export function createStatusHandler(
  source: StatusSource,
  options: StatusHandlerOptions | undefined,
): StatusHandler {
  const resolved = resolveStatusOptions(options);
  const onError = (what: string, error: unknown): void =>
    warnOnce(`status.${what}`, `The status page could not read ${what}() and left it out: ${String(error)}`);

  const fleet = resolved.fleet;
  const readFleet =
    fleet === undefined
      ? undefined
      : createFleetReader(fleet, source.slis, source.alerting ?? { minEvents: undefined, tiers: undefined });

  const documentNow = (): StatusDocument =>
    buildStatusDocument(source, {
      traceLink: resolved.traceLink,
      maxFindings: resolved.maxFindings,
      maxEvents: resolved.maxEvents,
      instance: instanceOf(resolved),
      onError,
    });

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(req, res, 405, 'slokit: the status page is read-only; use GET', { allow: 'GET, HEAD' });
      return;
    }
    if (resolved.authorize !== undefined) {
      let allowed = false;
      try {
        allowed = (await resolved.authorize(req)) === true;
      } catch (error) {
        warnOnce(
          'status.authorize',
          `The status page's authorize function failed; answered 401: ${String(error)}`,
        );
      }
      if (!allowed) {
        plain(req, res, 401, 'slokit: not authorized to see the status page', {
          'www-authenticate': 'Basic realm="slokit status", charset="UTF-8"',
        });
        return;
      }
    }
    const format = negotiateFormat(req.url, req.headers.accept);
    if (format === undefined) {
      plain(req, res, 400, 'slokit: the format parameter must be "html" or "json"');
      return;
    }
    let doc = documentNow();
    // The fleet's figures at the same time as this instance's; the read never rejects and never
    // outlasts fleetTimeout, so the page answers whatever Prometheus does.
    if (readFleet !== undefined) doc = withFleet(doc, fleet!, await readFleet(doc.at));
    if (format === 'json') {
      send(req, res, 200, 'application/json; charset=utf-8', JSON.stringify(doc), {
        'content-security-policy': NOTHING_CSP,
        vary: 'Accept',
      });
      return;
    }
    send(
      req,
      res,
      200,
      'text/html; charset=utf-8',
      renderStatusPage(doc, { refreshMs: resolved.refreshMs, version: VERSION }),
      {
        'content-security-policy': STATUS_PAGE_CSP,
        vary: 'Accept',
      },
    );
  }

  function fail(res: ServerResponse, error: unknown): void {
    warnOnce('status.failed', `The status page failed to answer: ${String(error)}`);
    try {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('slokit: the status page failed\n');
      } else {
        res.destroy();
      }
    } catch {
      // Nothing more to do for this response.
    }
  }

  function slokitStatusHandler(
    a: IncomingMessage | FastifyLikeRequest,
    b: ServerResponse | FastifyLikeReply,
  ): void {
    // First of all: this request is slokit's own, not one of the service's events.
    excludeCurrentEvent();
    let req: IncomingMessage;
    let res: ServerResponse;
    try {
      if (isFastifyCall(a, b)) {
        b.hijack();
        req = (a as FastifyLikeRequest).raw;
        res = b.raw;
      } else {
        req = a as IncomingMessage;
        res = b;
      }
    } catch (error) {
      warnOnce('status.failed', `The status page could not take the request: ${String(error)}`);
      return;
    }
    respond(req, res).catch((error: unknown) => fail(res, error));
  }
  return slokitStatusHandler;
}
