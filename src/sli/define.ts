import { SlokitClassifierError, SlokitDefinitionError, describeValue } from '../errors.js';
import { formatDuration, parseDuration } from './duration.js';
import { compileMatch } from './match.js';
import { parseObjective } from './objective.js';
import { compileStatusRule } from './status.js';
import type {
  EventSource,
  HttpEvent,
  NormalizedMatch,
  NormalizedThresholds,
  Sli,
  SliSpec,
  Verdict,
} from './types.js';
import { BAD, GOOD, INELIGIBLE } from './verdicts.js';

/**
 * The compiled judge of an SLI: `(event, now) => verdict`. Kept on the SLI under a registered symbol
 * (not a module-level WeakMap) so that SLIs defined through the ESM build can be judged by the CJS
 * build and the other way round.
 */
export type Judge = (event: unknown, now: number | undefined) => Verdict;
export const JUDGE: unique symbol = Symbol.for('slokit.sli.judge') as never;
/**
 * Whether an SLI's judge runs code of the user's (a classifier or a `match` predicate), which may
 * write to the event it is handed. The kit freezes the events it built before handing them to such
 * an SLI, and skips that for SLIs judged by slokit's own code alone.
 */
export const CALLS_USER_CODE: unique symbol = Symbol.for('slokit.sli.callsUserCode') as never;

/** An SLI name: it becomes a metric label value and part of span attribute and rule names. */
export const SLI_NAME_RE = /^[a-z][a-z0-9_-]{0,62}$/;
const DEFAULT_WINDOW = '28d';
const SPEC_KEYS = new Set([
  'name',
  'objective',
  'window',
  'description',
  'runbook',
  'owner',
  'rationale',
  'events',
  'match',
  'good',
  'freshness',
]);

/**
 * Declares an SLI. Validates and normalises the declaration, compiles its matcher and thresholds
 * once, and returns a frozen {@link Sli}. Every mistake throws a {@link SlokitDefinitionError} here,
 * never later on the request path.
 *
 * @example Thresholds over HTTP requests
 * const checkout = defineSli({
 *   name: 'checkout',
 *   objective: '99.9%',
 *   match: { method: 'POST', route: '/api/checkout' },
 *   good: { status: '2xx', latency: { under: '300ms' } },
 * });
 *
 * @example A classifier over typed custom events
 * const sync = defineSli<{ ok: boolean; skipped: boolean }>({
 *   name: 'sync',
 *   events: 'custom', // judged by kit.record(), never fed HTTP requests
 *   objective: 0.99,
 *   good: (run) => (run.skipped ? null : run.ok),
 * });
 *
 * @example Freshness
 * const catalog = defineSli<{ updatedAt: Date }>({
 *   name: 'catalog-freshness',
 *   objective: '99%',
 *   freshness: { maxAge: '24h' },
 * });
 */
export function defineSli<E = HttpEvent>(spec: SliSpec<E>): Sli<E> {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_SLI_FIELD',
      `defineSli: expected an SLI declaration object { name, objective, good }; got ${describeValue(spec)}`,
    );
  }
  const raw = spec as unknown as Record<string, unknown>;
  const name = checkName(raw.name);
  const where = `SLI "${name}"`;
  for (const key of Object.keys(raw)) {
    if (!SPEC_KEYS.has(key)) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_SLI_FIELD',
        `${where}: unknown field "${key}"; expected only ${[...SPEC_KEYS].join(', ')}`,
      );
    }
  }
  const objective = parseObjective(raw.objective, `${where}: objective`);
  const windowMs = parseDuration(raw.window ?? DEFAULT_WINDOW, `${where}: window`);
  if (windowMs <= 0) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_DURATION',
      `${where}: window must be longer than zero; got ${describeValue(raw.window)}`,
    );
  }
  const description = optionalText(raw.description, `${where}: description`);
  const runbook = checkRunbook(raw.runbook, where);
  const owner = checkOwner(raw.owner, where);
  const rationale = checkRationale(raw.rationale, where);
  const matcher = compileMatch(raw.match, name, where);

  let kind: Sli['kind'];
  let judge: Judge;
  let thresholds: NormalizedThresholds | undefined;
  let freshness: Sli['freshness'];
  if (raw.good !== undefined && raw.freshness !== undefined) {
    throw new SlokitDefinitionError('SLOKIT_E_GOOD', `${where}: give either "good" or "freshness", not both`);
  }
  if (typeof raw.good === 'function') {
    kind = 'classifier';
    judge = classifierJudge(name, matcher, raw.good as (event: unknown) => unknown);
  } else if (typeof raw.good === 'object' && raw.good !== null && !Array.isArray(raw.good)) {
    kind = 'thresholds';
    const compiled = compileThresholds(raw.good as Record<string, unknown>, where);
    thresholds = compiled.normalized;
    judge = thresholdJudge(matcher, compiled.table, compiled.latencyMs, compiled.inclusive);
  } else if (raw.good === undefined && raw.freshness !== undefined) {
    kind = 'freshness';
    freshness = compileFreshness(raw.freshness, where);
    judge = freshnessJudge(matcher, freshness.field, freshness.maxAgeMs);
  } else {
    throw new SlokitDefinitionError(
      'SLOKIT_E_GOOD',
      `${where}: "good" must be thresholds such as { status: '2xx', latency: { under: '300ms' } } or a classifier (event) => true | false | null, or give "freshness: { maxAge }"; got ${describeValue(raw.good)}`,
    );
  }

  const events = (raw.events ?? (kind === 'freshness' ? 'custom' : 'http')) as EventSource;
  if (events !== 'http' && events !== 'custom') {
    throw new SlokitDefinitionError(
      'SLOKIT_E_SLI_FIELD',
      `${where}: events: expected 'http' (requests from the adapters) or 'custom' (only what kit.record/kit.track hand it); got ${describeValue(raw.events)}`,
    );
  }
  if (kind === 'freshness' && events !== 'custom') {
    throw new SlokitDefinitionError(
      'SLOKIT_E_SLI_FIELD',
      `${where}: events: a freshness SLI judges data reads you record, so it must be 'custom'; got ${describeValue(raw.events)}`,
    );
  }

  const sli = {
    name,
    objective,
    window: formatDuration(windowMs),
    windowMs,
    description,
    runbook,
    owner,
    rationale,
    kind,
    events,
    match: normalizeMatch(raw.match),
    thresholds,
    freshness,
  };
  Object.defineProperty(sli, JUDGE, { value: judge, enumerable: false });
  Object.defineProperty(sli, CALLS_USER_CODE, {
    value: kind === 'classifier' || typeof raw.match === 'function',
    enumerable: false,
  });
  return Object.freeze(sli);
}

/** True when `value` was made by `defineSli` (from either the ESM or the CJS build). */
export function isSli(value: unknown): value is Sli<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [JUDGE]?: unknown })[JUDGE] === 'function'
  );
}

/** Whether the SLI's judge may run the user's code (true when unknown, to be safe). */
export function callsUserCode(sli: Sli<unknown>): boolean {
  return (sli as unknown as { [CALLS_USER_CODE]?: boolean })[CALLS_USER_CODE] !== false;
}

/** The compiled judge of an SLI; throws `SLOKIT_E_NOT_AN_SLI` for anything else. */
export function judgeOf(sli: unknown, where: string): Judge {
  if (!isSli(sli)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_NOT_AN_SLI',
      `${where}: expected an SLI made by defineSli(); got ${describeValue(sli)}`,
    );
  }
  return (sli as unknown as { [JUDGE]: Judge })[JUDGE];
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !SLI_NAME_RE.test(name)) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_SLI_NAME',
      `defineSli: expected "name" to be 1 to 63 characters of lower-case letters, digits, "-" and "_", starting with a letter (it becomes a metric label), e.g. "checkout"; got ${describeValue(name)}`,
    );
  }
  return name;
}

function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new SlokitDefinitionError(
      'SLOKIT_E_SLI_FIELD',
      `${field}: expected a string; got ${describeValue(value)}`,
    );
  }
  return value;
}

function checkRunbook(value: unknown, where: string): string | undefined {
  const text = optionalText(value, `${where}: runbook`);
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_SLI_FIELD',
      `${where}: runbook: expected an absolute http(s) URL such as "https://wiki.example.com/runbooks/checkout"; got ${describeValue(value)}`,
    );
  }
  return text;
}

// Owners become an alert label (Alertmanager routes on it) and a line of the SLO document, so they
// are one line of text without surrounding spaces; 128 characters hold any team name or address.
const MAX_OWNER_LENGTH = 128;
// A rationale is a sentence or a short paragraph for the SLO document, not a design doc.
const MAX_RATIONALE_LENGTH = 2000;

function checkOwner(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'string' ||
    value === '' ||
    value.length > MAX_OWNER_LENGTH ||
    value.trim() !== value ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(value)
  ) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_SLI_FIELD',
      `${where}: owner: expected the team or person who defends this SLI, one line of 1 to ${MAX_OWNER_LENGTH} characters without surrounding spaces, e.g. "shop-team"; got ${describeValue(value)}`,
    );
  }
  return value;
}

function checkRationale(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_RATIONALE_LENGTH) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_SLI_FIELD',
      `${where}: rationale: expected a sentence or two saying why this objective and threshold (1 to ${MAX_RATIONALE_LENGTH} characters), e.g. "users abandon checkouts after 300 ms, per the 2025 funnel study"; got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * The `match` as data, for SLO documents and alert texts: `compileMatch` has already checked it, so
 * this only reads it. Undefined when every event is eligible.
 */
function normalizeMatch(match: unknown): NormalizedMatch | undefined {
  if (match === undefined) return undefined;
  if (typeof match === 'function') {
    return Object.freeze({
      kind: 'predicate',
      methods: undefined,
      routes: undefined,
      routePatterns: undefined,
    });
  }
  const spec = match as { method?: string | readonly string[]; route?: unknown };
  const list = <T>(value: T | readonly T[] | undefined): readonly T[] | undefined =>
    value === undefined ? undefined : Array.isArray(value) ? (value as readonly T[]) : [value as T];
  const methods = list(spec.method)?.map((m) => m.toUpperCase());
  const routes = list(spec.route as string | RegExp | undefined);
  const exact = routes?.filter((r): r is string => typeof r === 'string');
  const patterns = routes?.filter((r): r is RegExp => r instanceof RegExp).map((r) => String(r));
  return Object.freeze({
    kind: 'filter',
    methods: methods && Object.freeze([...new Set(methods)]),
    routes: exact && exact.length > 0 ? Object.freeze(exact) : undefined,
    routePatterns: patterns && patterns.length > 0 ? Object.freeze(patterns) : undefined,
  });
}

function compileThresholds(good: Record<string, unknown>, where: string) {
  for (const key of Object.keys(good)) {
    if (key !== 'status' && key !== 'latency') {
      throw new SlokitDefinitionError(
        'SLOKIT_E_GOOD',
        `${where}: good: unknown threshold "${key}"; expected "status" and/or "latency"`,
      );
    }
  }
  const status = compileStatusRule(good.status as never, `${where}: good.status`);
  let latency: NormalizedThresholds['latency'];
  if (good.latency !== undefined) {
    const spec = good.latency as Record<string, unknown>;
    const keys = typeof spec === 'object' && spec !== null ? Object.keys(spec) : [];
    if (keys.length !== 1 || (keys[0] !== 'under' && keys[0] !== 'atMost')) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_GOOD',
        `${where}: good.latency: expected { under: '300ms' } (strictly below) or { atMost: '300ms' } (at most); got ${describeValue(good.latency)}`,
      );
    }
    const inclusive = keys[0] === 'atMost';
    const ms = parseDuration(spec[keys[0]], `${where}: good.latency.${keys[0]}`);
    latency = { ms, inclusive, text: `${inclusive ? 'at most' : 'under'} ${ms} ms` };
  }
  return {
    normalized: Object.freeze({
      status: Object.freeze({ rules: status.rules, text: status.text }),
      latency: latency && Object.freeze(latency),
    }),
    table: status.table,
    latencyMs: latency?.ms,
    inclusive: latency?.inclusive ?? false,
  };
}

function compileFreshness(value: unknown, where: string) {
  if (typeof value !== 'object' || value === null) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_GOOD',
      `${where}: freshness: expected { maxAge: '24h', field?: 'updatedAt' }; got ${describeValue(value)}`,
    );
  }
  const spec = value as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (key !== 'maxAge' && key !== 'field') {
      throw new SlokitDefinitionError(
        'SLOKIT_E_GOOD',
        `${where}: freshness: unknown field "${key}"; expected "maxAge" and optionally "field"`,
      );
    }
  }
  const maxAgeMs = parseDuration(spec.maxAge, `${where}: freshness.maxAge`);
  const field = spec.field ?? 'updatedAt';
  if (typeof field !== 'string' || field === '') {
    throw new SlokitDefinitionError(
      'SLOKIT_E_GOOD',
      `${where}: freshness.field: expected the name of the event field holding the update time; got ${describeValue(field)}`,
    );
  }
  return Object.freeze({ maxAgeMs, field });
}

type Matcher = ((event: unknown) => boolean) | null;

// Precedence for threshold SLIs, first that applies wins (docs/concepts.md, "Verdicts"):
// not matched → ineligible; an error → bad/error; a sent status that is not good → bad/status;
// aborted → bad/aborted if the latency threshold was already missed, else ineligible (a client that
// left early tells nothing about the service); too slow → bad/latency; otherwise good.
function thresholdJudge(
  matcher: Matcher,
  table: Uint8Array,
  latencyMs: number | undefined,
  inclusive: boolean,
): Judge {
  return (event) => {
    const e = event as HttpEvent;
    if (matcher !== null && !matcher(e)) return INELIGIBLE;
    const error = e.error;
    if (error !== undefined && error !== null && error !== false) return BAD.error;
    const status = e.status;
    if (status !== undefined && table[status] !== 1) return BAD.status;
    // Written so that a NaN or missing duration counts as slow.
    const slow =
      latencyMs === undefined
        ? false
        : inclusive
          ? !(e.durationMs <= latencyMs)
          : !(e.durationMs < latencyMs);
    if (e.aborted === true) return slow ? BAD.aborted : INELIGIBLE;
    return slow ? BAD.latency : GOOD;
  };
}

function classifierJudge(name: string, matcher: Matcher, classifier: (event: unknown) => unknown): Judge {
  return (event) => {
    if (matcher !== null && !matcher(event)) return INELIGIBLE;
    let result: unknown;
    try {
      result = classifier(event);
    } catch (cause) {
      throw new SlokitClassifierError(name, cause);
    }
    if (result === true) return GOOD;
    if (result === false) return BAD.custom;
    if (result === null) return INELIGIBLE;
    throw new SlokitClassifierError(name, new TypeError(`the classifier returned ${describeValue(result)}`));
  };
}

function freshnessJudge(matcher: Matcher, field: string, maxAgeMs: number): Judge {
  return (event, now) => {
    if (matcher !== null && !matcher(event)) return INELIGIBLE;
    const value = (event as Record<string, unknown>)[field];
    const updatedAt =
      value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Number.NaN;
    // Data whose update time cannot be read cannot be shown to be fresh.
    if (!Number.isFinite(updatedAt)) return BAD.error;
    return (now ?? Date.now()) - updatedAt <= maxAgeMs ? GOOD : BAD.latency;
  };
}
