import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { currentEvent } from '../context/store.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { warnOnce } from '../runtime/diag.js';
import { HttpExchange, beginExchange } from '../runtime/exchange.js';
import { runtimeOf } from '../runtime/kit.js';
import type { KitRuntime, SliScope, Slokit } from '../runtime/kit.js';
import {
  checkAdapterOptions,
  finishOnFinishOrClose,
  optionalFunction,
  optionalNames,
  safePredicate,
} from './shared.js';

/**
 * Options of the {@link slokitFastify} plugin, checked when it is registered (`SLOKIT_E_OPTION`,
 * `SLOKIT_E_UNKNOWN_SLI`).
 *
 * @example
 * await app.register(slokitFastify, { kit, ignore: (request) => request.url === '/healthz', slis: ['availability'] });
 */
export interface SlokitFastifyOptions {
  /** The kit made by `createSlokit()` whose SLIs judge the requests. Required. */
  readonly kit: Slokit;
  /**
   * Requests to leave alone entirely (no span, no verdict), e.g. health checks. Called once per
   * request in slokit's `onRequest` hook; a throw counts as `false` and is logged once.
   */
  readonly ignore?: (request: FastifyRequest) => boolean;
  /** Judge only these SLIs (by name) unless a route's config says otherwise. Default: all of the kit's SLIs. */
  readonly slis?: readonly string[];
}

/**
 * What a route may say about slokit in its `config.slokit` (or `false` to opt out). Typed on
 * Fastify's `FastifyContextConfig` once `slokit/fastify` is imported.
 *
 * @example
 * app.post('/api/checkout', { config: { slokit: { slis: ['checkout'] } } }, checkoutHandler);
 * app.get('/healthz', { config: { slokit: false } }, () => 'ok');
 */
export interface SlokitRouteConfig {
  /** Judge this route's requests against these SLIs only (by name). Default: the plugin's `slis`. */
  readonly slis?: readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * slokit for this route: `false` leaves its requests alone (no span, no verdict, nothing
     * counted); `{ slis: ['checkout'] }` judges them against those SLIs only. Checked when the
     * route is declared; a mistake fails `app.ready()` with a coded error.
     */
    slokit?: false | SlokitRouteConfig;
  }
}

/** A route compiled at registration: the SLIs its requests are judged against, or `false` (opted out). */
type RouteState = { readonly scope: SliScope } | false;

// The compiled state rides on the route's config object, which Fastify copies (symbols included)
// into the route context after the onRoute hooks: one property read per request, nothing to look up.
const kRoute = Symbol('slokit.fastify.route');
// The exchange of the request in flight, declared up front (null) so every request object keeps one
// shape. Also set, with the response, on the raw request of a pipelined request (see
// slokitOnRequestClose).
const kExchange = Symbol('slokit.fastify.exchange');
const kResponse = Symbol('slokit.fastify.response');

type RouteConfig = { [kRoute]?: RouteState; slokit?: unknown; url?: string | undefined; method?: unknown };
type Slot = { [kExchange]?: HttpExchange | null; [kResponse]?: ServerResponse | null };

// Keys Fastify itself accepts in `register(plugin, options)`; meaningless for a plugin that is not
// encapsulated, but they must not be rejected as unknown slokit options.
const OPTION_KEYS = ['kit', 'ignore', 'slis', 'prefix', 'logLevel', 'logSerializers'] as const;
const ROUTE_CONFIG_KEYS = ['slis'] as const;

function slokitFastifyPlugin(
  fastify: FastifyInstance,
  options: SlokitFastifyOptions,
  done: (error?: Error) => void,
): void {
  try {
    register(fastify, options);
  } catch (error) {
    done(error as Error);
    return;
  }
  done();
}

function register(fastify: FastifyInstance, options: unknown): void {
  const o = checkAdapterOptions(options, OPTION_KEYS, 'slokitFastify');
  const runtime = runtimeOf(o.kit, 'slokitFastify: kit');
  const ignore = optionalFunction<(request: FastifyRequest) => boolean>(o.ignore, 'slokitFastify: ignore');
  const fallback: RouteState = {
    scope: runtime.scopeOf(optionalNames(o.slis, 'slokitFastify: slis'), 'slokitFastify: slis'),
  };
  if (fastify.hasRequestDecorator(kExchange)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OPTION',
      'slokitFastify: the plugin is already registered on this Fastify app; register it once, on the root instance',
    );
  }
  fastify.decorateRequest(kExchange, null);

  // Route config mistakes surface at app.ready() for every route alike (a throw from onRoute would
  // instead escape from `app.get()` for routes declared at the top level).
  let configError: Error | undefined;
  fastify.addHook('onReady', function slokitCheckRoutes(readyDone) {
    readyDone(configError);
  });

  fastify.addHook('onRoute', function slokitRoute(route: RouteOptions) {
    let state: RouteState;
    try {
      state = compileRoute(runtime, route.config, fallback, describeRoute(route));
    } catch (error) {
      configError ??= error as Error;
      state = false;
    }
    // A fresh config object: the user's (possibly shared) one is left untouched.
    route.config = { ...route.config, [kRoute]: state } as NonNullable<RouteOptions['config']>;
    if (state !== false) route.handler = wrapRouteHandler(route.handler);
  });

  // Routes declared before the plugin was registered, and the 404 handler, were never seen by
  // onRoute: compile their config once, on their first request, and remember it.
  const late = new WeakMap<object, RouteState>();
  const stateOf = (config: RouteConfig): RouteState => {
    const known = config[kRoute];
    if (known !== undefined) return known;
    let state = late.get(config);
    if (state === undefined) {
      state = lateRoute(runtime, config, fallback);
      late.set(config, state);
    }
    return state;
  };

  fastify.addHook('onRequest', function slokitOnRequest(request, reply, next) {
    const config = routeConfigOf(request);
    const state = stateOf(config);
    if (state === false || (ignore !== undefined && isIgnored(ignore, request))) {
      next();
      return;
    }
    // The route template (undefined for the 404 handler), never the raw path: known from the start.
    const exchange = beginExchange(runtime, request.raw, state.scope, HttpExchange, config.url);
    if (exchange === undefined) {
      next();
      return;
    }
    const res = reply.raw;
    (request as Slot)[kExchange] = exchange;
    // The response's `finish` (the last byte was handed to the socket: the duration ends here) or
    // `close` (the connection died first) ends the request. Listeners of slokit's own rather than an
    // onResponse hook, for which Fastify would make a closure, add and remove two listeners and read
    // the clock twice on every request.
    finishOnFinishOrClose(exchange, res);
    if (res.socket === null) {
      const raw = request.raw as IncomingMessage & Slot;
      raw[kExchange] = exchange;
      raw[kResponse] = res;
      raw.on('close', slokitOnRequestClose);
    }
    // The rest of the lifecycle starts synchronously from `next`, so the hooks after this one, the
    // handler, the error and not-found handlers and their async continuations see the request's
    // wide event and span. (Fastify carries the context across body parsing with an AsyncResource.)
    exchange.run(next);
  });

  fastify.addHook('onError', function slokitOnError(request, _reply, error, next) {
    const exchange = (request as Slot)[kExchange];
    if (exchange != null) exchange.error = error;
    next();
  });

  // The socket timed out (`connectionTimeout`): Node destroys it, so no response will complete. The
  // raw `close` listener sees that too, a moment later; this hook ends the request before the app's
  // own onTimeout hooks run. Only registered when the app sets a connection timeout: with an
  // onTimeout hook, Fastify adds and removes a socket listener and an object on every request.
  if (connectionTimeoutOf(fastify) > 0) {
    fastify.addHook('onTimeout', function slokitOnTimeout(request, reply, next) {
      const exchange = (request as Slot)[kExchange];
      if (exchange != null) settle(exchange, reply.raw, true);
      next();
    });
  }
}

function connectionTimeoutOf(fastify: FastifyInstance): number {
  const timeout = (fastify.initialConfig as { connectionTimeout?: unknown } | undefined)?.connectionTimeout;
  // Unknown (a Fastify without initialConfig): register the hook, as the safe choice.
  return typeof timeout === 'number' ? timeout : 1;
}

// The client left before the response was complete. The raw `close` listener of the response sees
// that, except for a response still queued behind another one on its connection (HTTP pipelining):
// Node then destroys the request and never emits `close` on the response. Only those requests get a
// listener of their own (shared, no closure): Fastify's onRequestAbort hook would add a closure and
// a listener to every request.
function slokitOnRequestClose(this: IncomingMessage & Slot): void {
  const exchange = this[kExchange];
  if (exchange != null && this.aborted) settle(exchange, this[kResponse]!, true);
}

// Fastify keeps a request's route context (its `config` among others) under a symbol of its own;
// the public `request.routeOptions` builds a fresh object of thirteen fields on every read. The
// symbol is found by its description on the first request; if a Fastify version has none,
// `routeOptions` is read instead.
let routeContextKey: symbol | null | undefined;

function routeConfigOf(request: FastifyRequest): RouteConfig {
  if (routeContextKey === undefined) {
    routeContextKey =
      Object.getOwnPropertySymbols(request).find((s) => s.description === 'fastify.context') ?? null;
  }
  if (routeContextKey !== null) {
    const config = (request as unknown as Record<symbol, { config?: unknown } | undefined>)[routeContextKey]
      ?.config;
    if (typeof config === 'object' && config !== null) return config;
  }
  return request.routeOptions.config;
}

/**
 * Checks a route's `config.slokit` and resolves its SLI names, once, when the route is declared.
 * Throws a coded error for a mistake.
 */
function compileRoute(
  runtime: KitRuntime,
  config: RouteConfig | undefined,
  fallback: RouteState,
  where: string,
): RouteState {
  const value = config?.slokit;
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OPTION',
      `${where}: config.slokit: expected false (leave the route alone) or { slis: [...] }; got ${describeValue(value)}`,
    );
  }
  const o = checkAdapterOptions(value, ROUTE_CONFIG_KEYS, `${where}: config.slokit`);
  const names = optionalNames(o.slis, `${where}: config.slokit.slis`);
  return names === undefined ? fallback : { scope: runtime.scopeOf(names, `${where}: config.slokit.slis`) };
}

/** The state of a route onRoute never saw; on the request path, so a mistake is logged, not thrown. */
function lateRoute(runtime: KitRuntime, config: RouteConfig, fallback: RouteState): RouteState {
  const routed = config.url !== undefined;
  const where = routed ? `route ${String(config.method)} ${config.url}` : 'the not-found handler';
  if (routed) {
    warnOnce(
      `fastify.late:${where}`,
      `slokitFastify: ${where} was declared before the plugin was registered, so its config was read at its first request and its handler is not wrapped. Register slokit first: await app.register(slokitFastify, { kit }).`,
    );
  }
  try {
    return compileRoute(runtime, config, fallback, `slokitFastify: ${where}`);
  } catch (error) {
    warnOnce(
      `fastify.config:${where}`,
      `${(error as Error).message}; its requests are judged against the plugin's default SLIs`,
    );
    return fallback;
  }
}

function describeRoute(route: RouteOptions): string {
  const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
  return `slokitFastify: route ${method} ${route.url}`;
}

/**
 * Runs a route handler inside its request's exchange, so `addContext` and child spans find it even
 * when a hook before it resumed Fastify from a callback outside the request (a client library's
 * pooled callback that does not carry the async context).
 */
function wrapRouteHandler(handler: RouteOptions['handler']): RouteOptions['handler'] {
  const original = handler as (this: unknown, request: FastifyRequest, reply: FastifyReply) => unknown;
  return function slokitHandler(this: unknown, request: FastifyRequest, reply: FastifyReply): unknown {
    const exchange = (request as Slot)[kExchange];
    // Usually the context came through the hooks intact: nothing to enter.
    if (exchange == null || currentEvent() === exchange) return original.call(this, request, reply);
    return exchange.run(() => original.call(this, request, reply));
  };
}

function isIgnored(ignore: (request: FastifyRequest) => boolean, request: FastifyRequest): boolean {
  return safePredicate(
    ignore as unknown as (req: IncomingMessage) => unknown,
    request as unknown as IncomingMessage,
    'ignore',
    false,
  );
}

/**
 * Ends an exchange from a Fastify hook: the status only if the head was sent. Later calls (the raw
 * `close` listener, another hook) are ignored by the exchange.
 */
// An error Fastify answered completely below 500 (a validation 400, `reply.notFound()`, a thrown
// 403, an error handler that recovered) is judged by that status: the rule lives in
// HttpExchange.finish, shared by every adapter.
function settle(exchange: HttpExchange, res: ServerResponse, aborted: boolean): void {
  exchange.finish(res.headersSent ? res.statusCode : undefined, aborted);
}

/**
 * The slokit plugin for Fastify 5: every request becomes one event judged against the kit's SLIs,
 * with its SERVER span (named `{METHOD} {route}`, from `request.routeOptions.url`) active in hooks
 * and handlers, so `addContext()` and child spans attach to it. Not encapsulated, so it sees every
 * route; register it before declaring routes. A route opts out with `config: { slokit: false }` or
 * picks its SLIs with `config: { slokit: { slis: ['checkout'] } }`. The app's own behaviour is
 * unchanged: same responses, and errors still reach its error handler.
 *
 * @example
 * import Fastify from 'fastify';
 * import { createSlokit } from 'slokit';
 * import { slokitFastify } from 'slokit/fastify';
 *
 * const kit = createSlokit({ slis: [checkout, availability] });
 * const app = Fastify();
 * await app.register(slokitFastify, { kit, ignore: (request) => request.url === '/healthz' });
 * app.post('/api/checkout', { config: { slokit: { slis: ['checkout'] } } }, async () => ({ ok: true }));
 * app.get('/healthz', { config: { slokit: false } }, async () => 'ok');
 */
export const slokitFastify: FastifyPluginCallback<SlokitFastifyOptions> = fp(slokitFastifyPlugin, {
  fastify: '5.x',
  name: 'slokit',
});
