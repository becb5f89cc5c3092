import type { Attributes, Span } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  requestHeaderAttribute,
} from '../conventions.js';
import { limitString, redactQuery } from '../context/attributes.js';
import { runWithEvent } from '../context/store.js';
import type { HttpEvent, Verdict } from '../sli/types.js';
import { finishRequestSpan, startServerSpan } from '../telemetry/span.js';
import type { SpanScope } from '../telemetry/span.js';
import { warnOnce } from './diag.js';
import { EventWithSpan } from './kit.js';
import type { KitRuntime, SliScope } from './kit.js';

// Methods outside this list are reported as `_OTHER` (HTTP semconv), so a client cannot mint span
// names or label values by inventing methods.
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/**
 * One HTTP request in flight: its timing, wide event, span and, once it ends, its verdicts.
 * Adapters make one per request with {@link beginExchange}, set `route` and `error` as they learn
 * them, run the app's handler inside {@link HttpExchange.run} and call {@link HttpExchange.finish}
 * exactly when the response is complete or abandoned (later calls are ignored).
 */
export class HttpExchange extends EventWithSpan {
  /** The route template, set by the adapter as soon as routing knows it. */
  route: string | undefined = undefined;
  /** What the handler threw, rejected with or passed on as an error. */
  error: unknown = undefined;
  /**
   * Runs when the response closes, just before {@link HttpExchange.finish}: for adapters that learn
   * something (the route) only then. A throw is logged once and ignored.
   */
  beforeFinish: (() => void) | undefined = undefined;
  readonly method: string;
  private readonly start = performance.now();
  private readonly span: SpanScope | undefined;
  /** The route the span was started with (named and attributed): nothing to update at the end. */
  private readonly spanRoute: string | undefined;
  private done = false;

  constructor(
    runtime: KitRuntime,
    req: IncomingMessage,
    private readonly scope: SliScope,
    route?: string,
  ) {
    super(runtime);
    this.route = route;
    // Node hands known methods over upper case already: only an unusual spelling pays for a copy.
    const raw = req.method ?? 'GET';
    this.method = KNOWN_METHODS.has(raw) ? raw : knownMethod(raw);
    const options = runtime.options;
    if (!options.spans) return;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    // The raw path and query are limited like any wide-event value: the app's own SDK may have no
    // length limit, and a client chooses how long they are.
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: this.method,
      [ATTR_URL_PATH]: limitString(q === -1 ? url : url.slice(0, q), runtime.policy, runtime.drops),
      [ATTR_URL_SCHEME]:
        (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? 'https' : 'http',
    };
    if (q !== -1 && options.query !== 'drop') {
      const given = url.slice(q + 1);
      const query =
        options.query === 'keep' ? given : redactQuery(given, runtime.policy, options.queryKeepValues);
      attributes[ATTR_URL_QUERY] = limitString(query, runtime.policy, runtime.drops);
    }
    for (const header of options.captureHeaders) {
      const value = req.headers[header];
      if (value !== undefined)
        this.wide.set(requestHeaderAttribute(header), Array.isArray(value) ? value : [value]);
    }
    // An adapter that knows the route at the start (Fastify) gives it here: the span starts with its
    // final name and route, so that finishing it sets neither again.
    if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
    const span = startServerSpan(
      runtime.tracer,
      route === undefined ? this.method : `${this.method} ${route}`,
      req,
      attributes,
    );
    this.span = span;
    this.spanRoute = span.owned ? route : undefined;
  }

  override sampleSpan(): Span | undefined {
    return this.span?.span;
  }

  /** Runs `fn` with this request's wide event and span active (for `addContext` and child spans). */
  run<T>(fn: () => T): T {
    const span = this.span;
    return runWithEvent(this, span?.ctx, fn, this.runtime.options.asyncContext);
  }

  /**
   * Ends the request: judges it, counts it, completes its span. `status` only if a response was
   * sent; `aborted` when the client left before the response was complete. Idempotent; never throws.
   */
  finish(status: number | undefined, aborted: boolean): void {
    if (this.done) return;
    this.done = true;
    try {
      // An error the app answered completely with a status below 500 (`next(createError(404))`, a
      // validation error answered 400, Fastify's 4xx errors) was handled as the client's fault: the
      // verdict follows the status the app chose, as for any 4xx. A 5xx, or no complete response,
      // keeps the error.
      if (this.error !== undefined && status !== undefined && status < 500 && !aborted)
        this.error = undefined;
      const event: HttpEvent = {
        method: this.method,
        route: this.route,
        status,
        durationMs: performance.now() - this.start,
        aborted,
        error: this.error,
        attributes: this.wideValues,
      };
      // A request answered by slokit's own handlers (metrics, status page) is judged by no SLI.
      const verdicts = this.allVerdicts(
        this.excluded
          ? new Array<Verdict | undefined>(this.runtime.slis.length)
          : this.runtime.judgeOwned(event, this, this.scope),
      );
      if (this.span !== undefined) {
        finishRequestSpan(this.span, event, this.wideValues, this.runtime.keys, verdicts, this.spanRoute);
      }
    } catch (error) {
      warnOnce('exchange.finish', `slokit could not record a request and ignored it: ${String(error)}`);
    }
  }

  /** Finishes the exchange as its response closed (what the adapters' `close` listeners call). */
  closed(res: ServerResponse): void {
    // As few reads of the response as possible: Express gives every response its app's prototype,
    // so there each read is a lookup of its own (and the getters `writableFinished` and
    // `headersSent` read the response again inside). A response that finished was sent, so
    // `headersSent` is read only for one that did not.
    const finished = res.writableFinished;
    this.closedWith(finished || res.headersSent ? res.statusCode : undefined, !finished);
  }

  /**
   * Finishes the exchange with what its closed response said: the status if a response was sent,
   * and whether it was left incomplete. Runs {@link HttpExchange.beforeFinish} first.
   */
  protected closedWith(status: number | undefined, aborted: boolean): void {
    const before = this.beforeFinish;
    if (before !== undefined) {
      try {
        before();
      } catch (error) {
        warnOnce('beforeFinish.threw', `slokit could not complete a request's details: ${String(error)}`);
      }
    }
    this.finish(status, aborted);
  }
}

function knownMethod(raw: string): string {
  const upper = raw.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** Starts an exchange for a request; never throws (returns `undefined` if it cannot). */
export function beginExchange<X extends HttpExchange = HttpExchange>(
  runtime: KitRuntime,
  req: IncomingMessage,
  scope: SliScope,
  Exchange: new (
    runtime: KitRuntime,
    req: IncomingMessage,
    scope: SliScope,
    route?: string,
  ) => X = HttpExchange as never,
  route?: string,
): X | undefined {
  try {
    return new Exchange(runtime, req, scope, route);
  } catch (error) {
    warnOnce(
      'exchange.begin',
      `slokit could not start recording a request and let it through: ${String(error)}`,
    );
    return undefined;
  }
}
