import type { IncomingMessage, ServerResponse } from 'node:http';
import { warnOnce } from '../runtime/diag.js';
import { HttpExchange, beginExchange } from '../runtime/exchange.js';
import { runtimeOf } from '../runtime/kit.js';
import type { Slokit } from '../runtime/kit.js';
import {
  checkAdapterOptions,
  finishOnCloseByClosure,
  optionalFunction,
  optionalNames,
  safePredicate,
} from './shared.js';

/** Options of {@link slokitExpress}. */
export interface SlokitExpressOptions<Req extends IncomingMessage = IncomingMessage> {
  /**
   * Requests to leave alone entirely (no span, no verdict, not counted), e.g. health checks. Called
   * once per request, before routing; a throw counts as `false` and is logged once.
   */
  readonly ignore?: (req: Req) => boolean;
  /** Judge requests against these SLIs only (by name). Default: all of the kit's SLIs. */
  readonly slis?: readonly string[];
}

/** The middleware {@link slokitExpress} returns; typed without Express so it fits Express 4 and 5. */
export type SlokitExpressMiddleware<Req extends IncomingMessage = IncomingMessage> = (
  req: Req,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** The error-recording middleware {@link slokitErrors} returns (four parameters, as Express requires). */
export type SlokitErrorMiddleware = (
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

// The exchange of each request slokit records, where slokitErrors() and the route accessor find it.
// A WeakMap, not a property of the request: Express gives every request and response the prototype
// of its app (`Object.setPrototypeOf(req, app.request)`), and a property added to such an object
// afterwards sends V8 through a map migration on every request (measured under callgrind: the
// request's and the response's property together cost about 40 000 instructions per request, a
// WeakMap entry and a closure a fraction of that). Kept on the global under a registered symbol, so
// the ESM and CJS builds of slokit (both loaded in one app) share it.
const EXCHANGES: WeakMap<object, RouteHolder> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('slokit.express.exchanges')
] ??= new WeakMap<object, RouteHolder>()) as WeakMap<object, RouteHolder>;

type ExpressRequest = IncomingMessage & { baseUrl?: unknown; app?: unknown };

/** What the route accessor needs of a request's exchange (duck-typed: shared by both builds). */
interface RouteHolder {
  /** What Express assigned to `req.route`. */
  routeValue: unknown;
  assignRoute(req: ExpressRequest, value: unknown): void;
  error: unknown;
}

/**
 * The exchange of one Express request: also keeps what Express assigned to `req.route`, and works
 * out the route template when it does.
 */
class ExpressExchange extends HttpExchange implements RouteHolder {
  routeValue: unknown = undefined;
  hints: Hints | undefined = undefined;
  private resolvedFor: unknown = undefined;
  private resolvedBase: unknown = undefined;

  assignRoute(req: ExpressRequest, value: unknown): void {
    this.routeValue = value;
    // Express 5 sets the same route twice (when it matches, and when it dispatches to it).
    const base = req.baseUrl;
    if (!isRoute(value) || (value === this.resolvedFor && base === this.resolvedBase)) return;
    this.resolvedFor = value;
    this.resolvedBase = base;
    try {
      this.route = templateOf(req, value);
    } catch (error) {
      this.route = undefined;
      warnOnce('express.route.failed', `slokitExpress could not work out a route template: ${String(error)}`);
    }
  }

  protected override closedWith(status: number | undefined, aborted: boolean): void {
    // Worked out before finish(), which forgets an error the app answered below 500.
    const unexplained5xx = this.error === undefined && status !== undefined && status >= 500;
    super.closedWith(status, aborted);
    if (unexplained5xx && this.hints !== undefined) this.hints.unexplained5xx();
  }
}

/**
 * The Express middleware: every request becomes one event judged against the kit's SLIs, with its
 * SERVER span (or the one `@opentelemetry/instrumentation-http` started) active while Express
 * handles it. Register it before the routes; add {@link slokitErrors} after them so errors count as
 * errors. Works with Express 5 and Express 4 and changes nothing in what the app answers.
 *
 * The route template (`/api/users/:id`) is captured while Express dispatches, so it is right for
 * routers nested and mounted at parameterised paths; requests that no route matched have none.
 *
 * Two mistakes are pointed out once, through `diag`, when the first requests show them: routes
 * registered before the middleware (their requests are never recorded), and a 5xx answered with
 * no {@link slokitErrors} in the app (thrown errors then count with reason `status`, without the
 * exception on the span).
 *
 * @example
 * import express from 'express';
 * import { slokitErrors, slokitExpress } from 'slokit/express';
 *
 * const app = express();
 * app.use(slokitExpress(kit, { ignore: (req) => req.url === '/healthz' }));
 * app.get('/api/users/:id', getUser);
 * app.use(slokitErrors());
 */
export function slokitExpress<Req extends IncomingMessage = IncomingMessage>(
  kit: Slokit,
  options?: SlokitExpressOptions<Req>,
): SlokitExpressMiddleware<Req> {
  const runtime = runtimeOf(kit, 'slokitExpress');
  const o = checkAdapterOptions(options, ['ignore', 'slis'], 'slokitExpress');
  const ignore = optionalFunction<(req: IncomingMessage) => unknown>(o.ignore, 'slokitExpress: ignore');
  const scope = runtime.scopeOf(optionalNames(o.slis, 'slokitExpress: slis'), 'slokitExpress: slis');
  // The request prototype last seen to carry (or inherit) the shared route accessor: for it, the
  // request path does nothing more to watch req.route.
  let watched: object | null = null;
  let hints: Hints | undefined;

  return function slokitExpressMiddleware(
    req: Req,
    res: ServerResponse,
    next: (error?: unknown) => void,
  ): void {
    const r = req as ExpressRequest;
    if (EXCHANGES.has(r)) {
      // A second slokitExpress on the same request (app and router level, or two apps): counting
      // the request twice would skew every ratio, so only the first one records it.
      warnOnce(
        'express.twice',
        'slokitExpress() ran twice for one request; only the first one records it. Register it once, on the top-level app.',
      );
      next();
      return;
    }
    if (hints === undefined) hints = firstRequest(r, slokitExpressMiddleware);
    if (ignore !== undefined && safePredicate(ignore, req, 'ignore', false)) {
      next();
      return;
    }
    const exchange = beginExchange(runtime, req, scope, ExpressExchange);
    if (exchange === undefined) {
      next();
      return;
    }
    exchange.hints = hints;
    finishOnCloseByClosure(exchange, res);
    EXCHANGES.set(r, exchange);
    try {
      const proto = Object.getPrototypeOf(req) as object | null;
      if (proto !== watched || Object.prototype.hasOwnProperty.call(req, 'route')) {
        if (watchRoute(r, exchange)) watched = proto;
      }
    } catch (error) {
      // A request object that cannot take an accessor (frozen by some other middleware): the
      // request is still recorded, without a route.
      warnOnce('express.decorate', `slokitExpress could not decorate a request: ${String(error)}`);
    }
    exchange.run(next);
  };
}

// Marks the functions slokitErrors() returns, so the hint about a missing one can look for them.
const ERRORS_MIDDLEWARE: unique symbol = Symbol.for('slokit.express.errors') as never;

/**
 * The error-recording middleware: Express shows errors only to error-handling middleware, so add
 * this one after your routes and before your own error handlers. It notes the error on the
 * request's event (the verdict becomes `bad` with reason `error` and the exception is recorded on
 * the span, unless the response ends up below 500) and passes it on unchanged with `next(error)`,
 * so your handlers and Express's final handler answer exactly as before.
 *
 * @example
 * app.use(slokitExpress(kit));
 * app.use('/api', api);
 * app.use(slokitErrors());
 * app.use((err, req, res, next) => res.status(500).json({ error: 'internal' }));
 */
export function slokitErrors(): SlokitErrorMiddleware {
  const middleware: SlokitErrorMiddleware = function slokitErrorsMiddleware(error, req, _res, next): void {
    const exchange = EXCHANGES.get(req);
    if (exchange !== undefined) exchange.error = error;
    next(error);
  };
  Object.defineProperty(middleware, ERRORS_MIDDLEWARE, { value: true });
  return middleware;
}

// ---------------------------------------------------------------------------------------------
// Route capture.
//
// Express 4 (`Route.prototype.dispatch`) and Express 5 (`router`'s `Router#handle` and
// `Route#dispatch`) announce the route they dispatch to by assigning `req.route = route`, at a
// moment when `req.baseUrl` is the mount path of the router that holds the route. An accessor sees
// that assignment without patching Express. It is installed once, on the request prototype of the
// outermost app (`app.request`, Express's documented place to extend requests; mounted apps'
// prototypes inherit from it): an accessor defined on every request would cost a property
// descriptor and two closures per request and give every request object a shape of its own, which
// takes Express's own property accesses off V8's fast paths. The accessor keeps the value on the
// request's exchange; requests slokit does not record get a plain property, as without slokit.
//
// `req.baseUrl` is the *matched* prefix though ('/tenants/acme' under
// `app.use('/tenants/:tenant', router)`), so the prefix is turned back into its template by finding
// the mount layers that lead to the route (a walk of the router stacks, once per route) and
// matching them against it (once per route and prefix, then remembered).
// ---------------------------------------------------------------------------------------------

interface RouteLike {
  readonly path: unknown;
  readonly stack: readonly unknown[];
}

type MountMatch = { readonly text: string; readonly template: string } | undefined;

interface LayerLike {
  readonly route?: unknown;
  readonly handle?: unknown;
  // router >= 2.3 (Express 5): the written path, and a match() without side effects.
  readonly rawPath?: unknown;
  readonly match?: (path: string) => unknown;
  // router 2.0-2.2 (Express 5): pure matchers, but the written path is not kept.
  readonly slash?: boolean;
  readonly matchers?: readonly ((path: string) => unknown)[];
  // Express 4: one RegExp, and the keys of its capture groups.
  readonly regexp?: RegExp & { fast_slash?: boolean; fast_star?: boolean };
  readonly keys?: readonly { readonly name?: unknown }[];
}

interface RouterLike {
  readonly stack: readonly LayerLike[];
}

function isRoute(value: unknown): value is RouteLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    'path' in value &&
    Array.isArray((value as { stack?: unknown }).stack)
  );
}

function isRouter(value: unknown): value is RouterLike {
  return (
    (typeof value === 'function' || (typeof value === 'object' && value !== null)) &&
    Array.isArray((value as { stack?: unknown }).stack)
  );
}

// One accessor per process, shared by the ESM and CJS builds, so either recognises the other's.
const ROUTE_ACCESSOR: PropertyDescriptor = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('slokit.express.routeAccessor')
] ??= {
  configurable: true,
  enumerable: false,
  get(this: ExpressRequest): unknown {
    const holder = EXCHANGES.get(this);
    return holder === undefined ? undefined : holder.routeValue;
  },
  set(this: ExpressRequest, value: unknown): void {
    const holder = EXCHANGES.get(this);
    if (holder === undefined) {
      Object.defineProperty(this, 'route', { value, writable: true, enumerable: true, configurable: true });
      return;
    }
    holder.assignRoute(this, value);
  },
});

/**
 * Makes sure Express's assignments to `req.route` reach the exchange: through the shared accessor
 * on the app's request prototype (returns `true`: nothing to do for the next requests of that
 * prototype), else through an accessor on this request alone.
 */
function watchRoute(req: ExpressRequest, exchange: ExpressExchange): boolean {
  if (!Object.prototype.hasOwnProperty.call(req, 'route')) {
    const root = outermostAppRequest(req);
    if (root !== undefined && installAccessor(root)) return true;
  }
  watchOnInstance(req, exchange);
  return false;
}

/** The request prototype of the outermost Express app on this request's prototype chain. */
function outermostAppRequest(req: object): object | undefined {
  let root: object | undefined;
  let depth = 0;
  for (
    let p = Object.getPrototypeOf(req) as object | null;
    p !== null && depth < 64;
    p = Object.getPrototypeOf(p) as object | null, depth++
  ) {
    if (Object.prototype.hasOwnProperty.call(p, 'app')) root = p;
  }
  return root;
}

function installAccessor(proto: object): boolean {
  const prior = Object.getOwnPropertyDescriptor(proto, 'route');
  if (prior !== undefined) return prior.get === ROUTE_ACCESSOR.get;
  try {
    Object.defineProperty(proto, 'route', ROUTE_ACCESSOR);
    return true;
  } catch {
    // A frozen prototype: the per-request accessor still works.
    return false;
  }
}

/** The fallback: an accessor on the request itself (a request that already has its own `route`). */
function watchOnInstance(req: ExpressRequest, exchange: ExpressExchange): void {
  const prior = Object.getOwnPropertyDescriptor(req, 'route');
  if (
    prior !== undefined &&
    (prior.configurable !== true || prior.get !== undefined || prior.set !== undefined)
  ) {
    warnOnce(
      'express.route.taken',
      'slokitExpress could not watch req.route (something else defines it); requests have no route template.',
    );
    return;
  }
  exchange.routeValue = prior?.value;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => exchange.routeValue,
    set: (value: unknown) => {
      exchange.assignRoute(req, value);
    },
  });
}

// Templates of routes under mounts, by matched prefix: a parameterised mount is matched once per
// distinct prefix (`/tenants/acme`), not per request. Bounded per route: beyond that, prefixes are
// matched each time.
const TEMPLATES = new WeakMap<object, Map<string, string | undefined>>();
const MAX_PREFIXES = 256;

/** The full template of `route` for this request, or `undefined` if it cannot be told safely. */
function templateOf(req: ExpressRequest, route: RouteLike): string | undefined {
  const own = renderPath(route.path);
  if (own === undefined) return undefined;
  const base = req.baseUrl;
  // Routes of the app itself (and of routers mounted at '/'): nothing to resolve.
  if (typeof base !== 'string' || base === '') return own;
  let known = TEMPLATES.get(route);
  const cached = known?.get(base);
  if (cached !== undefined) return cached;
  const prefix = prefixOf(req.app, route, base);
  if (prefix === undefined) {
    warnOnce(
      `express.route.unknown:${own}`,
      `slokitExpress could not tell the mount path template of route "${own}"; those requests are recorded without a route rather than with raw URL values. See node_modules/slokit/docs/express.md, "Troubleshooting".`,
    );
    return undefined;
  }
  // '/' under a mount is the mount itself ('/api', not '/api/'), as Express matches both.
  const template = own === '/' && prefix !== '' ? prefix : prefix + own;
  if (known === undefined) TEMPLATES.set(route, (known = new Map<string, string | undefined>()));
  if (known.size < MAX_PREFIXES) known.set(base, template);
  return template;
}

/** How a path argument of Express is written in a template (see docs/express.md, "Routes"). */
function renderPath(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (path instanceof RegExp) return String(path);
  if (Array.isArray(path)) {
    const parts = path.map(renderPath);
    return parts.every((p) => p !== undefined) ? parts.join(',') : undefined;
  }
  return undefined;
}

// The mount layers that lead from the top-level app to each route (several when a router is
// mounted more than once), found once per route. A route object never moves, but it can be mounted
// again later, so a prefix that no known chain explains triggers a new walk, at most every
// RETRY_MS per route.
interface Chains {
  readonly chains: readonly (readonly LayerLike[])[];
  readonly at: number;
}
const CHAINS = new WeakMap<object, Chains>();
const RETRY_MS = 10_000;
const MAX_DEPTH = 32;
const MAX_CHAINS = 16;
const MAX_LAYERS = 50_000;

function prefixOf(app: unknown, route: RouteLike, base: string): string | undefined {
  let known = CHAINS.get(route);
  if (known !== undefined) {
    const prefix = firstPrefix(known.chains, base);
    if (prefix !== undefined || performance.now() - known.at < RETRY_MS) return prefix;
  }
  known = { chains: findChains(app, route), at: performance.now() };
  CHAINS.set(route, known);
  return firstPrefix(known.chains, base);
}

function firstPrefix(chains: readonly (readonly LayerLike[])[], base: string): string | undefined {
  for (const chain of chains) {
    const prefix = prefixFrom(chain, base);
    if (prefix !== undefined) return prefix;
  }
  return undefined;
}

/** Every chain of mount layers from the top-level app's router to the router holding `route`. */
function findChains(app: unknown, route: RouteLike): LayerLike[][] {
  // Mounted apps (`app.use('/admin', admin)`) sit behind a `mounted_app` closure; the apps on the
  // request's way are known from the innermost one (`req.app`) through `.parent`.
  const apps = appsOf(app);
  const root = apps.length > 0 ? routerOf(apps[0]) : undefined;
  const found: LayerLike[][] = [];
  if (root === undefined) return found;
  const path: LayerLike[] = [];
  const onPath = new Set<unknown>([root]);
  let budget = MAX_LAYERS;
  const walk = (router: RouterLike, appIndex: number): void => {
    for (const layer of router.stack) {
      if (--budget < 0 || found.length >= MAX_CHAINS) return;
      if (layer.route === route) {
        found.push(path.slice());
        continue;
      }
      if (layer.route !== undefined || path.length >= MAX_DEPTH) continue;
      let child: RouterLike | undefined;
      let childApp = appIndex;
      if (isRouter(layer.handle)) child = layer.handle;
      else if (
        typeof layer.handle === 'function' &&
        layer.handle.name === 'mounted_app' &&
        appIndex + 1 < apps.length
      ) {
        childApp = appIndex + 1;
        child = routerOf(apps[childApp]);
      }
      if (child === undefined || onPath.has(child)) continue;
      onPath.add(child);
      path.push(layer);
      walk(child, childApp);
      path.pop();
      onPath.delete(child);
    }
  };
  walk(root, 0);
  return found;
}

function routerOf(app: unknown): RouterLike | undefined {
  if (app === null || (typeof app !== 'function' && typeof app !== 'object')) return undefined;
  const a = app as { lazyrouter?: unknown; _router?: unknown; router?: unknown };
  // Express 4 keeps its router in `_router`, and its `router` getter throws.
  const router = typeof a.lazyrouter === 'function' ? a._router : a.router;
  return isRouter(router) ? router : undefined;
}

// ---------------------------------------------------------------------------------------------
// One-time hints for two mistakes the first requests reveal.
// ---------------------------------------------------------------------------------------------

/** The apps on a request's way, outermost first (mounted apps know their parent). */
function appsOf(app: unknown): unknown[] {
  const apps: unknown[] = [];
  for (
    let a = app;
    a !== undefined && a !== null && apps.length < MAX_DEPTH;
    a = (a as { parent?: unknown }).parent
  ) {
    apps.unshift(a);
  }
  return apps;
}

/**
 * Visits the layers of the app's router tree in dispatch order (routers, and the mounted apps on
 * the request's way), until `visit` returns `true`. Bounded like the route chains' walk.
 */
function walkLayers(apps: readonly unknown[], visit: (layer: LayerLike) => boolean): void {
  const root = apps.length > 0 ? routerOf(apps[0]) : undefined;
  if (root === undefined) return;
  let budget = MAX_LAYERS;
  let stop = false;
  const walk = (router: RouterLike, appIndex: number, depth: number): void => {
    for (const layer of router.stack) {
      if (stop || --budget < 0) return;
      if (visit(layer)) {
        stop = true;
        return;
      }
      if (layer.route !== undefined || depth >= MAX_DEPTH) continue;
      if (isRouter(layer.handle)) walk(layer.handle, appIndex, depth + 1);
      else if (
        typeof layer.handle === 'function' &&
        layer.handle.name === 'mounted_app' &&
        appIndex + 1 < apps.length
      ) {
        const child = routerOf(apps[appIndex + 1]);
        if (child !== undefined) walk(child, appIndex + 1, depth + 1);
      }
    }
  };
  walk(root, 0, 0);
}

/** `GET /users/:id`, for a hint. */
function describeRouteLayer(route: RouteLike & { methods?: unknown }): string {
  const methods =
    typeof route.methods === 'object' && route.methods !== null
      ? Object.keys(route.methods)
          .filter((m) => (route.methods as Record<string, unknown>)[m] === true)
          .map((m) => (m === '_all' ? 'ALL' : m.toUpperCase()))
      : [];
  return `${methods.length > 0 ? methods.join(',') : 'ALL'} ${renderPath(route.path) ?? '(path)'}`;
}

/** The hints of one slokitExpress middleware, for the app it first served. */
class Hints {
  private errorsChecked = false;

  constructor(private readonly apps: readonly unknown[]) {}

  /** A request was answered 5xx and no error reached slokitErrors(): is there one at all? */
  unexplained5xx(): void {
    if (this.errorsChecked) return;
    this.errorsChecked = true;
    let found = false;
    walkLayers(this.apps, (layer) => {
      found = typeof layer.handle === 'function' && ERRORS_MIDDLEWARE in layer.handle;
      return found;
    });
    if (found || this.apps.length === 0) return;
    warnOnce(
      'express.hint.errors',
      'slokitExpress: a request was answered with a 5xx and slokitErrors() is not registered in this app, so errors thrown by handlers count as bad with reason "status" and their exceptions are not recorded on the spans. Add app.use(slokitErrors()) after your routes, before your own error handlers.',
    );
  }
}

/**
 * At the first request: routes registered before the middleware answer their requests without it
 * ever running, so they are never recorded. Say so once, naming a few.
 */
function firstRequest(req: ExpressRequest, middleware: unknown): Hints {
  const apps = appsOf(req.app);
  try {
    const before: string[] = [];
    let reached = false;
    walkLayers(apps, (layer) => {
      if (layer.handle === middleware) return (reached = true);
      if (isRoute(layer.route)) before.push(describeRouteLayer(layer.route));
      return false;
    });
    if (reached && before.length > 0) {
      const shown =
        before.slice(0, 5).join(', ') + (before.length > 5 ? `, and ${before.length - 5} more` : '');
      warnOnce(
        'express.hint.order',
        `slokitExpress: ${before.length === 1 ? '1 route is' : `${before.length} routes are`} registered before slokitExpress() (${shown}); requests they answer never reach it and are not recorded. Register app.use(slokitExpress(kit)) before your routes; to leave health checks out, use its ignore option.`,
      );
    }
  } catch (error) {
    warnOnce('express.hint.failed', `slokitExpress could not inspect the app's routes: ${String(error)}`);
  }
  return new Hints(apps);
}

/**
 * The template of the matched prefix `base`, consumed mount by mount along `chain`; `undefined`
 * unless the chain explains all of it.
 */
function prefixFrom(chain: readonly LayerLike[], base: string): string | undefined {
  let rest = base;
  let template = '';
  for (const layer of chain) {
    const match = matchMount(layer, rest === '' ? '/' : rest);
    if (match === undefined) return undefined;
    // Express leaves a trailing '/' of the matched text out of req.baseUrl.
    const consumed = withoutTrailingSlash(match.text);
    if (consumed.length > rest.length) return undefined;
    rest = rest.slice(consumed.length);
    if (rest !== '' && rest[0] !== '/') return undefined;
    template += withoutTrailingSlash(match.template);
  }
  return rest === '' ? template : undefined;
}

function withoutTrailingSlash(text: string): string {
  return text.endsWith('/') ? text.slice(0, -1) : text;
}

/** Matches one mount layer against the start of `input`: the matched text and its template. */
function matchMount(layer: LayerLike, input: string): MountMatch {
  // router >= 2.3 (Express 5): match() has no side effects and returns the pattern that matched.
  if ('rawPath' in layer && typeof layer.match === 'function') {
    const m = layer.match(input) as { path?: unknown; pattern?: unknown } | false;
    if (typeof m !== 'object' || m === null || typeof m.path !== 'string') return undefined;
    const template = renderPath(m.pattern);
    return template === undefined ? undefined : { text: m.path, template };
  }
  if (layer.regexp instanceof RegExp && Array.isArray(layer.keys))
    return matchExpress4(layer.regexp, layer.keys, input);
  // router 2.0-2.2 (Express 5): Layer#match() overwrites the layer's `path` (its only copy of the
  // written path) with what it matched, so the template is known only when nothing varied.
  if (Array.isArray(layer.matchers)) {
    if (layer.slash === true) return { text: '', template: '' };
    for (const matcher of layer.matchers as readonly ((path: string) => unknown)[]) {
      const m = matcher(input) as { path?: unknown; params?: object } | false;
      if (typeof m !== 'object' || m === null || typeof m.path !== 'string') continue;
      return Object.keys(m.params ?? {}).length === 0 ? { text: m.path, template: m.path } : undefined;
    }
  }
  return undefined;
}

// Express 4 layers keep only the compiled RegExp (path-to-regexp 0.1) and the keys of its capture
// groups. A string mount path compiles to '^<path>\/?(?=\/|$)' with each parameter as a group, so
// the written path can be read back from the RegExp's source once per layer. When it cannot (an
// array of paths, regexp syntax in the string), the matched text is used with every capture group
// put back as `:name` (unnamed groups are `:0`, `:1`, ..., their names in req.params); the 'd' flag
// gives the groups' positions. A RegExp the app passed itself is recorded as written.
interface Express4Layer {
  readonly indexed: RegExp;
  readonly written: string | undefined;
  readonly compiled: boolean;
}
const EXPRESS4 = new WeakMap<RegExp, Express4Layer>();
const TAIL = '(?=\\/|$)';

function matchExpress4(
  regexp: RegExp & { fast_slash?: boolean; fast_star?: boolean },
  keys: readonly { readonly name?: unknown }[],
  input: string,
): MountMatch {
  if (regexp.fast_slash === true) return { text: '', template: '' };
  if (regexp.fast_star === true) return { text: input, template: '*' };
  let layer = EXPRESS4.get(regexp);
  if (layer === undefined) {
    const compiled = regexp.source.startsWith('^') && regexp.source.endsWith(TAIL);
    layer = {
      indexed: new RegExp(regexp.source, regexp.flags.replace(/[gyd]/g, '') + 'd'),
      written: compiled ? writtenPath(regexp.source, keys) : undefined,
      compiled,
    };
    EXPRESS4.set(regexp, layer);
  }
  const m = layer.indexed.exec(input);
  if (m === null || m.index !== 0 || m.indices === undefined) return undefined;
  const text = m[0];
  if (layer.written !== undefined) return { text, template: layer.written };
  if (!layer.compiled) return { text, template: String(regexp) };
  let template = '';
  let at = 0;
  for (let i = 1; i < m.indices.length; i++) {
    const span = m.indices[i];
    // Skip groups that did not take part, matched nothing, or sit inside one already replaced.
    if (span === undefined || span[0] === span[1] || span[0] < at) continue;
    template += `${text.slice(at, span[0])}:${keyName(keys[i - 1], i - 1)}`;
    at = span[1];
  }
  return { text, template: template + text.slice(at) };
}

/**
 * The mount path an Express 4 layer was made from, read back from its compiled source:
 * `\/tenants(?:\/([^\/]+?))` is '/tenants/:tenant', `(?:...)?` an optional parameter, `(.*)` a
 * '*'. `undefined` for anything else (custom patterns keep their names but lose their RegExp).
 */
function writtenPath(source: string, keys: readonly { readonly name?: unknown }[]): string | undefined {
  let s = source.slice(1, -TAIL.length);
  if (s.endsWith('\\/?')) s = s.slice(0, -3);
  let out = '';
  let key = 0;
  for (let i = 0; i < s.length;) {
    const c = s[i]!;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined || /[A-Za-z0-9]/.test(next)) return undefined;
      out += next;
      i += 2;
    } else if (c === '(') {
      const end = closingParen(s, i);
      if (end === -1) return undefined;
      const group = s.slice(i + 1, end);
      const captures = countCaptures(group) + (group.startsWith('?') ? 0 : 1);
      if (captures === 0) return undefined;
      if (group === '.*') out += '*';
      else {
        const delimiter = group.startsWith('?:\\/') ? '/' : group.startsWith('?:\\.') ? '.' : '';
        out += `${delimiter}:${keyName(keys[key], key)}`;
      }
      key += captures;
      i = end + 1;
      if (s[i] === '?') {
        out += '?';
        i++;
      }
    } else if ('.*+?[]{}|^$)'.includes(c)) {
      return undefined;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The name of a path-to-regexp 0.1 key (a parameter name, or the index of an unnamed group). */
function keyName(key: { readonly name?: unknown } | undefined, index: number): string {
  const name = key?.name;
  return typeof name === 'string' || typeof name === 'number' ? String(name) : String(index);
}

/** The index of the ')' closing the '(' at `open`, skipping escapes and character classes. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** How many capturing groups a RegExp source fragment opens. */
function countCaptures(s: string): number {
  let count = 0;
  let inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(' && s[i + 1] !== '?') count++;
  }
  return count;
}
