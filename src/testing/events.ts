import type { HttpEvent } from '../sli/types.js';

/**
 * Builds an HTTP event for unit tests: a fast, successful `GET /` unless told otherwise.
 * Defaults: `method: 'GET'`, `route: '/'`, `status: 200`, `durationMs: 10`.
 *
 * @example
 * httpEvent({ status: 503 });
 * httpEvent({ route: '/api/checkout', method: 'POST', durationMs: 450 });
 * httpEvent({ aborted: true, status: undefined, durationMs: 1200 });
 */
export function httpEvent(overrides: Partial<HttpEvent> = {}): HttpEvent {
  return { method: 'GET', route: '/', status: 200, durationMs: 10, ...overrides };
}
