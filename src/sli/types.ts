import type { Duration } from './duration.js';

/** A value slokit can put on a span: the OpenTelemetry attribute value types. */
export type AttributeValue =
  string | number | boolean | readonly string[] | readonly number[] | readonly boolean[];

/** The attribute bag of one event. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

/**
 * One HTTP request as slokit judges it. The adapters build these; in unit tests,
 * `httpEvent()` from `slokit/testing` builds one with defaults.
 */
export interface HttpEvent {
  /** Request method, upper case: `GET`, `POST`, ... */
  readonly method: string;
  /** Route template (`/api/users/:id`), never the raw path. Absent for unrouted requests. */
  readonly route?: string | undefined;
  /** Status code of the response, absent if no response was sent (e.g. the client left first). */
  readonly status?: number | undefined;
  /** Time from the start of the request until the response was fully written (or the abort). */
  readonly durationMs: number;
  /** True when the client closed the connection before the response was complete. */
  readonly aborted?: boolean | undefined;
  /** What the handler threw or passed to `next(err)`, if anything. */
  readonly error?: unknown;
  /** The wide-event attributes collected for this request. */
  readonly attributes?: Attributes | undefined;
}

/** How one event fared against one SLI. */
export type Outcome = 'good' | 'bad' | 'ineligible';

/**
 * Why an event was bad:
 * - `error`: the handler threw (or passed an error on);
 * - `status`: the status code is not a good one;
 * - `aborted`: the client gave up after the latency threshold had already been missed;
 * - `latency`: too slow (for a freshness SLI: the data was too old);
 * - `custom`: a classifier function said so.
 */
export type BadReason = 'latency' | 'status' | 'error' | 'aborted' | 'custom';

/** The verdict of one event against one SLI. `reason` is present exactly when `outcome` is `bad`. */
export type Verdict =
  | { readonly outcome: 'good'; readonly reason?: undefined }
  | { readonly outcome: 'bad'; readonly reason: BadReason }
  | { readonly outcome: 'ineligible'; readonly reason?: undefined };

/**
 * An objective: a fraction in (0, 1) such as `0.999`, or a percentage string such as `"99.9%"`.
 */
export type Objective = number | `${number}%`;

/**
 * A status rule: `"2xx"`, `"<500"`, `"<=499"`, `">=200"`, `"200-299"`, a single code (`204` or
 * `"204"`), or a list of these (any of them makes the status good).
 */
export type StatusRule = string | number | readonly (string | number)[];

/**
 * A latency threshold. `under` is strictly below (`{ under: '300ms' }`: 299.9 ms is good, 300 ms is
 * bad); `atMost` includes the threshold (`{ atMost: '300ms' }`: 300 ms is good).
 */
export type LatencyThreshold = { readonly under: Duration } | { readonly atMost: Duration };

/** Declarative goodness for HTTP events; every given threshold must hold (AND). */
export interface Thresholds {
  /** Which statuses are good. Default: everything but 5xx and 429. */
  readonly status?: StatusRule;
  /** How fast a good response must be. Default: no latency threshold. */
  readonly latency?: LatencyThreshold;
}

/** Declarative eligibility for HTTP events: every given filter must match. */
export interface HttpMatch {
  /** Methods, case-insensitive: `'GET'` or `['GET', 'HEAD']`. */
  readonly method?: string | readonly string[];
  /** Route templates, exact strings or RegExps tested against the template (never the raw path). */
  readonly route?: string | RegExp | readonly (string | RegExp)[];
}

/** A classifier: `true` = good, `false` = bad, `null` = not eligible. */
export type Classifier<E> = (event: E) => boolean | null;

/** The keys of `E` whose values are a `Date` or epoch milliseconds. */
export type TimestampKeys<E> = {
  [K in keyof E]-?: E[K] extends Date | number | undefined ? K : never;
}[keyof E] &
  string;

/** Fresh if the timestamp in `field` is at most `maxAge` old when the event is recorded. */
export interface Freshness<E> {
  /** Oldest age that still counts as fresh (inclusive), e.g. `'24h'`. */
  readonly maxAge: Duration;
  /** The event field holding the last-update time. Default `'updatedAt'`. */
  readonly field?: TimestampKeys<E>;
}

interface SliSpecCommon {
  /** The SLI's name, used as a metric label value: lower-case letters, digits, `-` and `_`. */
  readonly name: string;
  /** Target fraction of good eligible events: `0.999` or `"99.9%"`. */
  readonly objective: Objective;
  /** The rolling period the objective applies to. Default `'28d'`. */
  readonly window?: Duration;
  /** What the SLI means, in words, for dashboards and alerts. */
  readonly description?: string;
  /** A URL with what to do when this SLI's budget burns. */
  readonly runbook?: string;
  /**
   * The team or person who defends this SLI: named in the SLO document, put on the generated alerts
   * as the `owner` label (for Alertmanager routing) and on `onAlert` transitions. One line, e.g.
   * `'shop-team'`.
   */
  readonly owner?: string;
  /**
   * Why this objective and threshold, for the SLO document: "users abandon checkouts after 300 ms,
   * per the 2025 funnel study".
   */
  readonly rationale?: string;
}

/**
 * An SLI judged by declarative thresholds: over HTTP requests, or over any event type with a
 * `durationMs` (such as the {@link WorkEvent}s of `kit.track()`), where `error` and `latency` apply.
 */
export type ThresholdSliSpec<E = HttpEvent> = ThresholdSliSpecBase<E> & EventsField<E>;

interface ThresholdSliSpecBase<E> extends SliSpecCommon {
  readonly match?: HttpMatch | ((event: E) => boolean);
  readonly good: Thresholds;
  readonly freshness?: never;
}

/**
 * Which events an SLI judges:
 * - `'http'`: the requests the adapters (`slokitExpress`, `slokitFastify`, `wrapHandler`) see, and
 *   anything handed to `kit.record`/`kit.track` by name;
 * - `'custom'`: only what you hand it with `kit.record` or `kit.track`; the adapters never feed it.
 */
export type EventSource = 'http' | 'custom';

/**
 * The `events` field: optional (default `'http'`) for SLIs over HTTP events, required to be
 * `'custom'` for any other event type, so that an SLI written for jobs or data reads can never be
 * fed HTTP requests by an adapter.
 */
export type EventsField<E> = [E] extends [HttpEvent]
  ? { readonly events?: EventSource }
  : { readonly events: 'custom' };

/** The event `kit.track()` judges: one run of a unit of work (a job, a queue message). */
export interface WorkEvent {
  /** The name the work was tracked under (the SLI's name unless given). */
  readonly name: string;
  /** Time from the start of the work until it settled. */
  readonly durationMs: number;
  /** What the work threw or rejected with, if anything. */
  readonly error?: unknown;
  /** The wide-event attributes collected while it ran. */
  readonly attributes?: Attributes | undefined;
}

/** An SLI judged by a classifier function over events of type `E`. */
export type ClassifierSliSpec<E> = ClassifierSliSpecBase<E> & EventsField<E>;

interface ClassifierSliSpecBase<E> extends SliSpecCommon {
  readonly match?: E extends HttpEvent ? HttpMatch | ((event: E) => boolean) : (event: E) => boolean;
  readonly good: Classifier<E>;
  readonly freshness?: never;
}

/** A freshness SLI: an event is good when its timestamp field is at most `maxAge` old. */
export interface FreshnessSliSpec<E> extends SliSpecCommon {
  /** Freshness SLIs judge only what you hand them with `kit.record`. */
  readonly events?: 'custom';
  readonly match?: (event: E) => boolean;
  readonly freshness: Freshness<E>;
  readonly good?: never;
}

/** What `defineSli` accepts. */
export type SliSpec<E = HttpEvent> =
  | ClassifierSliSpec<E>
  | FreshnessSliSpec<E>
  | ([E] extends [{ readonly durationMs: number }] ? ThresholdSliSpec<E> : never);

/**
 * The normalised `match` of an SLI: which events it judges, as data for SLO documents and alert
 * texts (the compiled matcher itself is internal).
 */
export interface NormalizedMatch {
  /** `'filter'` for `{ method?, route? }`; `'predicate'` for a function, which cannot be described. */
  readonly kind: 'filter' | 'predicate';
  /** Methods, upper case, each once; `undefined` for any method. */
  readonly methods: readonly string[] | undefined;
  /** Route templates matched exactly, as given; `undefined` when none are given. */
  readonly routes: readonly string[] | undefined;
  /** RegExps tested against the route template, written `/^\/api\//`; `undefined` when none. */
  readonly routePatterns: readonly string[] | undefined;
}

/** The normalised thresholds of a threshold SLI. */
export interface NormalizedThresholds {
  readonly status: { readonly rules: readonly string[]; readonly text: string };
  readonly latency: { readonly ms: number; readonly inclusive: boolean; readonly text: string } | undefined;
}

declare const eventType: unique symbol;

/**
 * A defined SLI: frozen and normalised. Made only by `defineSli`.
 * `E` is the type of the events it judges (`HttpEvent` unless declared otherwise).
 */
export interface Sli<E = HttpEvent> {
  readonly name: string;
  /** Target fraction, e.g. `0.999`. */
  readonly objective: number;
  /** The window as a duration string, e.g. `'28d'`. */
  readonly window: string;
  /** The window in milliseconds. */
  readonly windowMs: number;
  readonly description: string | undefined;
  readonly runbook: string | undefined;
  /** The team or person who defends it. */
  readonly owner: string | undefined;
  /** Why this objective and threshold. */
  readonly rationale: string | undefined;
  /** How goodness is decided. */
  readonly kind: 'thresholds' | 'classifier' | 'freshness';
  /** Which events it judges: `'http'` (the adapters' requests too) or `'custom'` (record/track only). */
  readonly events: EventSource;
  /** Which events are eligible, as declared; `undefined` when every event is. */
  readonly match: NormalizedMatch | undefined;
  /** Present for `kind: 'thresholds'`. */
  readonly thresholds: NormalizedThresholds | undefined;
  /** Present for `kind: 'freshness'`. */
  readonly freshness: { readonly maxAgeMs: number; readonly field: string } | undefined;
  /** Type-only: ties the SLI to its event type. Never present at run time. */
  readonly [eventType]?: (event: E) => void;
}

/** Options of `classify`. */
export interface ClassifyOptions {
  /** The time the event is judged at, for freshness SLIs. Default: the current time. */
  readonly now?: number | Date;
}
