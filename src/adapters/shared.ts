import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { warnOnce } from '../runtime/diag.js';
import type { HttpExchange } from '../runtime/exchange.js';

// The exchange of a response, for the one `close` listener every response shares (a closure per
// request would be an allocation per request).
const RESPONSE_EXCHANGE: unique symbol = Symbol('slokit.response.exchange') as never;

type WithExchange = ServerResponse & { [RESPONSE_EXCHANGE]?: HttpExchange };

function slokitOnClose(this: WithExchange): void {
  this[RESPONSE_EXCHANGE]?.closed(this);
}

/**
 * Ends the exchange when the response is complete or abandoned. `close` is emitted after the last
 * byte was handed to the socket (`finish`), or when the connection died first; `writableFinished`
 * tells the two apart. The listener is prepended so the verdict is on the span before another
 * instrumentation (e.g. `@opentelemetry/instrumentation-http`, which ends its span on `close`) ends it.
 */
export function finishOnClose(exchange: HttpExchange, res: ServerResponse): void {
  (res as WithExchange)[RESPONSE_EXCHANGE] = exchange;
  res.prependListener('close', slokitOnClose);
}

/**
 * Like {@link finishOnClose}, with a listener of the response's own instead of a property on it:
 * for Express, which gives every response the prototype of its app (`Object.setPrototypeOf(res,
 * app.response)`), after which a property added to the response sends V8 through a map migration
 * that costs many times what one closure does.
 */
export function finishOnCloseByClosure(exchange: HttpExchange, res: ServerResponse): void {
  const listener = (): void => {
    exchange.closed(res);
  };
  // `res.prependListener` is found at the end of a prototype chain six objects long, a lookup that
  // Express's re-prototyped responses make V8 repeat on every request. Responses of a prototype
  // whose method is Node's own get it called directly; the prototype is checked once (a method set
  // on one response object itself, rather than on its prototype, is not looked for).
  const proto = Object.getPrototypeOf(res) as object | null;
  if (proto === nodePrependProto) {
    nodePrepend.call(res, 'close', listener);
    return;
  }
  res.prependListener('close', listener);
  if (proto !== null && res.prependListener === nodePrepend) nodePrependProto = proto;
}

// Called with `.call(res, …)` only: unbound on purpose.
// eslint-disable-next-line @typescript-eslint/unbound-method
const nodePrepend = EventEmitter.prototype.prependListener;
// The last response prototype seen to inherit Node's own `prependListener` unchanged.
let nodePrependProto: object | null = null;

// `finish`: the last byte was handed to the socket, or, under Fastify's `inject()` (whose fake
// socket never reports a flush, so `writableFinished` stays false), the response was ended. An
// ended, intact response is complete.
function slokitOnFinish(this: WithExchange): void {
  const exchange = this[RESPONSE_EXCHANGE];
  if (exchange !== undefined)
    exchange.finish(this.headersSent ? this.statusCode : undefined, this.destroyed || !this.writableEnded);
}

/**
 * Like {@link finishOnClose}, and also ends the exchange on the response's `finish`, for frameworks
 * whose in-process `inject()` ends responses without a socket that flushes. Both listeners are
 * shared functions: nothing is allocated per request.
 */
export function finishOnFinishOrClose(exchange: HttpExchange, res: ServerResponse): void {
  (res as WithExchange)[RESPONSE_EXCHANGE] = exchange;
  res.prependListener('finish', slokitOnFinish);
  res.prependListener('close', slokitOnClose);
}

/** Calls a user's predicate on the request path; a throw counts as `fallback` and is logged once. */
export function safePredicate(
  fn: (req: IncomingMessage) => unknown,
  req: IncomingMessage,
  what: string,
  fallback: boolean,
): boolean {
  try {
    return fn(req) === true;
  } catch (error) {
    warnOnce(
      `${what}.threw`,
      `The ${what} function threw and was treated as ${String(fallback)}: ${String(error)}`,
    );
    return fallback;
  }
}

/** Checks an optional function option of an adapter at set-up time. */
export function optionalFunction<F>(value: unknown, where: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OPTION',
      `${where}: expected a function; got ${describeValue(value)}`,
    );
  }
  return value as F;
}

/** Checks an optional list of SLI names of an adapter at set-up time. */
export function optionalNames(value: unknown, where: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OPTION',
      `${where}: expected an array of SLI names; got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Checks that an adapter's options are an object with only known keys. */
export function checkAdapterOptions(
  value: unknown,
  known: readonly string[],
  where: string,
): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OPTION',
      `${where}: expected an options object; got ${describeValue(value)}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_OPTION',
        `${where}: unknown option "${key}"; expected ${known.map((k) => `"${k}"`).join(', ')}`,
      );
    }
  }
  return value as Record<string, unknown>;
}

/** Whether a value is a promise-like (a handler that returned a promise). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
