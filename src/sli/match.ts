import { SlokitClassifierError, SlokitDefinitionError, describeValue } from '../errors.js';

/**
 * Compiles an SLI's `match` into a predicate, or `null` when every event is eligible (so the hot
 * path skips the call). A user predicate that throws makes the judge throw
 * `SLOKIT_E_CLASSIFIER`, like a throwing classifier.
 */
export function compileMatch(
  match: unknown,
  name: string,
  where: string,
): ((event: unknown) => boolean) | null {
  if (match === undefined) return null;
  if (typeof match === 'function') {
    const predicate = match as (event: unknown) => unknown;
    return (event) => {
      try {
        return predicate(event) === true;
      } catch (cause) {
        throw new SlokitClassifierError(name, cause, 'match');
      }
    };
  }
  if (typeof match !== 'object' || match === null || Array.isArray(match)) return invalid(match, where);
  const spec = match as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (key !== 'method' && key !== 'route') {
      throw new SlokitDefinitionError(
        'SLOKIT_E_MATCH',
        `${where}: match: unknown filter "${key}"; expected "method" and/or "route", or a predicate (event) => boolean`,
      );
    }
  }
  const methods = spec.method === undefined ? null : compileMethods(spec.method, where);
  const route = spec.route === undefined ? null : compileRoutes(spec.route, where);
  if (methods === null && route === null) return null;
  return (event) => {
    const e = event as { method?: unknown; route?: unknown };
    if (methods !== null && !(typeof e.method === 'string' && methods.has(upper(e.method)))) return false;
    return route === null || (typeof e.route === 'string' && route(e.route));
  };
}

// The methods adapters report, already upper case. Upper-casing allocates a string per request, which
// was most of the cost of a method filter (bench/classify.ts); only an unusual spelling pays it.
const STANDARD_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
]);

function upper(method: string): string {
  return STANDARD_METHODS.has(method) ? method : method.toUpperCase();
}

function compileMethods(value: unknown, where: string): Set<string> {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0 || !list.every((m) => typeof m === 'string' && /^[A-Za-z]+$/.test(m))) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_MATCH',
      `${where}: match.method: expected a method name or a list of them, e.g. "GET" or ["GET", "HEAD"]; got ${describeValue(value)}`,
    );
  }
  return new Set((list as string[]).map((m) => m.toUpperCase()));
}

function compileRoutes(value: unknown, where: string): (route: string) => boolean {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const item of list) {
    if (typeof item === 'string' && item !== '') exact.add(item);
    else if (item instanceof RegExp) patterns.push(new RegExp(item.source, item.flags.replace(/[gy]/g, '')));
    else {
      throw new SlokitDefinitionError(
        'SLOKIT_E_MATCH',
        `${where}: match.route: expected route templates ("/api/users/:id") or RegExps, alone or in a list; got ${describeValue(item)}${list.length > 1 ? ' in the list' : ''}`,
      );
    }
  }
  if (list.length === 0) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_MATCH',
      `${where}: match.route: expected at least one route; got an empty list`,
    );
  }
  if (patterns.length === 0) return (route) => exact.has(route);
  // A plain loop: `patterns.some(...)` would allocate a closure per request.
  return (route) => {
    if (exact.has(route)) return true;
    for (let i = 0; i < patterns.length; i++) if (patterns[i]!.test(route)) return true;
    return false;
  };
}

function invalid(match: unknown, where: string): never {
  throw new SlokitDefinitionError(
    'SLOKIT_E_MATCH',
    `${where}: match: expected { method?, route? } or a predicate (event) => boolean; got ${describeValue(match)}`,
  );
}
