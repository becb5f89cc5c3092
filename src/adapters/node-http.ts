import type { IncomingMessage, ServerResponse } from 'node:http';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { warnOnce } from '../runtime/diag.js';
import { beginExchange } from '../runtime/exchange.js';
import { runtimeOf } from '../runtime/kit.js';
import type { Slokit } from '../runtime/kit.js';
import {
  checkAdapterOptions,
  finishOnClose,
  isThenable,
  optionalFunction,
  optionalNames,
  safePredicate,
} from './shared.js';

/** Options of {@link wrapHandler}. */
export interface WrapHandlerOptions<Req extends IncomingMessage = IncomingMessage> {
  /**
   * The route template of a request (`'/users/:id'`), since `node:http` has no router. Called once
   * when the response ends. Return a template, never the raw path: it names the span and feeds
   * `match.route`. Without it, requests have no route.
   */
  readonly route?: (req: Req) => string | undefined;
  /** Requests to leave alone entirely (no span, no verdict), e.g. health checks. */
  readonly ignore?: (req: Req) => boolean;
  /** Judge only these SLIs (by name). Default: all of the kit's SLIs. */
  readonly slis?: readonly string[];
}

/**
 * Wraps a plain `node:http` request listener: every request becomes one event judged against the
 * kit's SLIs, with its SERVER span active while the handler runs. The handler's behaviour is
 * unchanged: same responses, and what it throws or rejects with still propagates as before.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { wrapHandler } from 'slokit/node';
 *
 * const server = createServer(
 *   wrapHandler(kit, handler, { route: (req) => (req.url?.startsWith('/users/') ? '/users/:id' : req.url) }),
 * );
 */
export function wrapHandler<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
>(
  kit: Slokit,
  handler: (req: Req, res: Res) => unknown,
  options?: WrapHandlerOptions<Req>,
): (req: Req, res: Res) => unknown {
  const runtime = runtimeOf(kit, 'wrapHandler');
  if (typeof handler !== 'function') {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OPTION',
      `wrapHandler: expected a request listener (req, res) => void; got ${describeValue(handler)}`,
    );
  }
  const o = checkAdapterOptions(options, ['route', 'ignore', 'slis'], 'wrapHandler');
  const route = optionalFunction<(req: Req) => string | undefined>(o.route, 'wrapHandler: route');
  const ignore = optionalFunction<(req: Req) => boolean>(o.ignore, 'wrapHandler: ignore');
  const scope = runtime.scopeOf(optionalNames(o.slis, 'wrapHandler: slis'), 'wrapHandler: slis');

  return function slokitHandler(this: unknown, req: Req, res: Res): unknown {
    if (
      ignore !== undefined &&
      safePredicate(ignore as (r: IncomingMessage) => unknown, req, 'ignore', false)
    ) {
      return handler.call(this, req, res);
    }
    const exchange = beginExchange(runtime, req, scope);
    if (exchange === undefined) return handler.call(this, req, res);
    if (route !== undefined) {
      exchange.beforeFinish = () => {
        exchange.route = routeOf(route, req);
      };
    }
    finishOnClose(exchange, res);
    return exchange.run(() => {
      let result: unknown;
      try {
        result = handler.call(this, req, res);
      } catch (error) {
        exchange.error = error;
        throw error;
      }
      if (isThenable(result)) {
        // Hand back a promise that settles exactly like the handler's, noting a rejection on the
        // way: whoever handled the handler's promise handles this one, and where nobody did (the
        // node server ignores what a listener returns) the rejection stays unhandled as before.
        return result.then(undefined, (error: unknown) => {
          exchange.error = error;
          throw error;
        });
      }
      return result;
    });
  };
}

function routeOf<Req extends IncomingMessage>(
  route: (req: Req) => string | undefined,
  req: Req,
): string | undefined {
  try {
    const value = route(req);
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch (error) {
    warnOnce(
      'route.threw',
      `The route function of wrapHandler threw; the request has no route: ${String(error)}`,
    );
    return undefined;
  }
}
