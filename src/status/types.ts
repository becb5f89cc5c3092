/**
 * The shapes of the status page: its options, the handler it returns, and the JSON document it
 * serves (`Accept: application/json` or `?format=json`). The document is the `kit.status()`
 * document with more per SLI (urgency, description, burn-down, explanation, recent bad events);
 * its shape is versioned (`format`, `version`) and documented in docs/status-page.md.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SliStatus } from '../budget/status.js';
import type { FleetFailure } from '../errors.js';
import type { Explanation, SampledEvent } from '../explain/types.js';
import type { FleetSliStatus } from '../fleet/types.js';
import type { Duration } from '../sli/duration.js';

/**
 * Where a trace link points: a template with `{traceId}` (and optionally `{spanId}`), such as
 * `'https://jaeger.example/trace/{traceId}'`, or a function that returns the URL of an event's
 * trace (or `undefined` for no link). Only `http:`/`https:` URLs and root-relative paths become links.
 */
export type TraceUrl = string | ((event: SampledEvent) => string | undefined);

/** Options of `kit.statusHandler()`. All optional; mistakes throw `SLOKIT_E_OPTION` when it is called. */
export interface StatusHandlerOptions {
  /** Links from bad events to their traces. No links when unset (the trace id is shown as text). */
  readonly traceUrl?: TraceUrl;
  /**
   * Who may see the page: called with the request (the Node `IncomingMessage`; in Express it is
   * Express's `req`); anything but `true` (or a promise of `true`) answers 401. A throw or a
   * rejection answers 401 too, and is logged once. Default: everyone who can reach the route.
   */
  readonly authorize?: (req: IncomingMessage) => boolean | PromiseLike<boolean>;
  /**
   * How often an open page updates itself (in place, keeping the scroll position), as a duration
   * such as `'30s'`; `false` for never. Default `'30s'`. The reader can switch it off on the page.
   */
  readonly refresh?: Duration | false;
  /**
   * What the header calls this instance. Default: the `service.instance.id` that `startTelemetry()`
   * put on the resource, else `<hostname>:<pid>`.
   */
  readonly instance?: string;
  /**
   * The service's name in the header and the tab's title. Default: the `service.name` that
   * `startTelemetry()` put on the resource; none when it is not running.
   */
  readonly service?: string;
  /** Most findings of `explain()` shown per SLI. Default 5. */
  readonly maxFindings?: number;
  /** Most recent bad events shown per SLI. Default 10. */
  readonly maxEvents?: number;
  /**
   * The Prometheus that scrapes every instance of the service, as a base URL
   * (`'http://prometheus:9090'`, or with a path prefix; credentials in it are sent as Basic auth and
   * never shown). With it the page shows the fleet's figures beside this instance's, read through
   * `fleetStatus()` (slokit/fleet) from the rules `slokit rules` generates. Default: none.
   */
  readonly prometheus?: string;
  /**
   * Equality matchers on the raw `slokit_sli_events_total` series, as given to `slokit rules
   * --selector`, e.g. `{ job: 'shop' }`. Only with `prometheus`.
   */
  readonly selector?: Readonly<Record<string, string>>;
  /** The labels the recording rules carry, as given to `slokit rules --label`. Only with `prometheus`. */
  readonly fleetLabels?: Readonly<Record<string, string>>;
  /** Extra HTTP headers for Prometheus, e.g. `{ authorization: 'Bearer …' }`. Only with `prometheus`. */
  readonly fleetHeaders?: Readonly<Record<string, string>>;
  /**
   * How long the page waits for Prometheus before it answers without the fleet's figures (and says
   * why), as a duration from `'100ms'` to `'30s'`. Default `'2s'`. Only with `prometheus`.
   */
  readonly fleetTimeout?: Duration;
}

/** The part of a Fastify request the status handler reads. */
export interface FastifyLikeRequest {
  readonly raw: IncomingMessage;
}

/** The part of a Fastify reply the status handler uses: it hijacks the reply and answers on `raw`. */
export interface FastifyLikeReply {
  readonly raw: ServerResponse;
  hijack(): unknown;
}

/**
 * The status page handler. A plain `node:http` handler that Express mounts as it is
 * (`app.get('/slo', handler)`), and that Fastify mounts as it is too (`app.get('/slo', handler)`):
 * given Fastify's request and reply it calls `reply.hijack()` and answers on `reply.raw`.
 * It never throws; GET and HEAD only (405 otherwise).
 */
export interface StatusHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  (request: FastifyLikeRequest, reply: FastifyLikeReply): void;
}

/**
 * How an SLI stands, most urgent first: `page` (a page alert is firing), `ticket` (a ticket alert
 * is firing), `spent` (no budget left), `burning` (spending faster than the budget allows over the
 * exhaustion window, 1h by default), `ok`, `no-data` (no eligible event observed).
 */
export type SliState = 'page' | 'ticket' | 'spent' | 'burning' | 'ok' | 'no-data';

/** One point of a burn-down chart. */
export interface BurnDownPoint {
  /** Epoch ms. */
  readonly at: number;
  /** The budget remaining (as in `SliStatus.budgetRemaining`) over the observed time up to `at`. */
  readonly remaining: number;
}

/**
 * The error budget remaining over the observed part of the period, from the kit's minute windows
 * (when the observed time fits in their 3 days) or hour windows. The first point is the start of the
 * observed time (nothing spent); the last is the status time, and equals `budgetRemaining`.
 */
export interface BurnDown {
  /** Width of the window buckets the points were read from: 60000 or 3600000. */
  readonly bucketMs: number;
  /** At most 242 points, oldest first. */
  readonly points: readonly BurnDownPoint[];
}

/** A recent bad event as the page shows it: the sampled event (attributes redacted) and its trace link. */
export interface StatusEvent extends SampledEvent {
  /** The event's trace link from `traceUrl`, or `null` (no option, no trace id, or an unusable URL). */
  readonly traceUrl: string | null;
}

/** One SLI fleet-wide, as the page shows it: its `fleetStatus()` entry and its state. */
export interface StatusFleetSli extends FleetSliStatus {
  /** How the SLI stands fleet-wide, by the same rules as on this instance (see {@link SliState}). */
  readonly state: SliState;
}

/** Why the fleet's figures are missing: the error `fleetStatus()` rejected with. */
export interface StatusFleetError {
  /** `'SLOKIT_E_FLEET_UNAVAILABLE'` or `'SLOKIT_E_FLEET_QUERY'` (see docs/errors.md). */
  readonly code: string;
  /** `timeout`, `unreachable`, `http`, `response` or `query`; `null` for anything else. */
  readonly failure: FleetFailure | null;
  /** What went wrong, in words (without the code). */
  readonly message: string;
}

/** Where the fleet's figures come from, and whether they came. */
export interface StatusFleet {
  /** The Prometheus base URL, credentials removed. */
  readonly prometheus: string;
  /** The `selector` option (`{}` when none). */
  readonly selector: Readonly<Record<string, string>>;
  /** The evaluation time of the fleet's figures (epoch ms). */
  readonly at: number;
  /** Whether Prometheus answered: then every SLI has its `fleet` entry. */
  readonly available: boolean;
  /** Why it did not, or `null`. */
  readonly error: StatusFleetError | null;
}

/** One SLI on the page: its `kit.status()` entry, and more. */
export interface StatusPageSli extends SliStatus {
  readonly state: SliState;
  readonly description: string | null;
  /** The team or person who defends the SLI (`defineSli({ owner })`), or `null`. */
  readonly owner: string | null;
  /** Why this objective and threshold (`defineSli({ rationale })`), or `null`. */
  readonly rationale: string | null;
  readonly runbook: string | null;
  readonly burnDown: BurnDown;
  /**
   * `kit.explain()` for this SLI, its findings cut to `maxFindings` and their values redacted like
   * span attributes; `null` when the kit cannot explain.
   */
  readonly explanation: Explanation | null;
  /** The most recent bad events, newest first, at most `maxEvents`. */
  readonly recentBadEvents: readonly StatusEvent[];
  /** The same SLI fleet-wide, from Prometheus; `null` without `prometheus` or when it did not answer. */
  readonly fleet: StatusFleetSli | null;
}

/** What the page covers. */
export interface StatusInstance {
  /** This instance's id (see the `instance` option). */
  readonly id: string;
  /** The `service` option, else `service.name` from `startTelemetry()`'s resource, else `null`. */
  readonly service: string | null;
  /** Since when this instance has observed events (epoch ms; the earliest of its SLIs), or `null`. */
  readonly observedSince: number | null;
}

/** The JSON the status page serves: the `kit.status()` document, and more. */
export interface StatusDocument {
  /** Always `'slokit.status'`. */
  readonly format: 'slokit.status';
  /** Version of this shape; changes only when a field changes meaning or goes away. */
  readonly version: 1;
  /** As in `kit.status()`: the figures are this instance's. */
  readonly scope: 'instance';
  /** When the figures were computed (epoch ms, the kit's clock). */
  readonly at: number;
  readonly instance: StatusInstance;
  /** The state of the most urgent SLI. */
  readonly state: SliState;
  /** The fleet view's source and whether it answered; `null` without the `prometheus` option. */
  readonly fleet: StatusFleet | null;
  /** Every SLI, most urgent first (see {@link SliState}; then the fastest burn over the exhaustion window). */
  readonly slis: readonly StatusPageSli[];
}
