import { SpanKind, metrics, trace } from '@opentelemetry/api';
import type { Attributes, MeterProvider, Span, Tracer } from '@opentelemetry/api';
import { ATTR_SLOKIT_WORK } from '../conventions.js';
import { WideAttributes, compileAttributePolicy, newDropCounts } from '../context/attributes.js';
import type { AttributePolicy, DropCounts } from '../context/attributes.js';
import { currentEvent, runWithEvent } from '../context/store.js';
import type { ContextTarget } from '../context/store.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import {
  compareEvents,
  resolveCompareOptions,
  DIMENSION_DURATION,
  DIMENSION_STATUS,
} from '../explain/compare.js';
import type { CompareOptions } from '../explain/compare.js';
import type { Explanation, Finding, SampledEvent } from '../explain/types.js';
import { callsUserCode, judgeOf } from '../sli/define.js';
import type { Judge } from '../sli/define.js';
import type { Sli, Verdict, WorkEvent } from '../sli/types.js';
import { INELIGIBLE } from '../sli/verdicts.js';
import { SliCounters } from '../telemetry/counters.js';
import { recordFailure, setVerdicts, startWorkSpan, verdictKeys } from '../telemetry/span.js';
import type { VerdictKeys, WideValues } from '../telemetry/span.js';
import { createStatusHandler, kitStatusSource } from '../status/handler.js';
import type { StatusHandler, StatusHandlerOptions } from '../status/types.js';
import { VERSION } from '../version.js';
import { releaseWarningLogger, setWarningLogger, warnOnce } from './diag.js';
import { resolveOptions } from './options.js';
import { KitReservoir } from './reservoir.js';
import { BUDGET_OPTION_KEYS, SloRuntime, resolveBudgetOptions } from './slo.js';
import type { KitStatus } from './slo.js';
import type { Clock, ResolvedOptions, SlokitOptions } from './options.js';

/** Options of `kit.track()`. */
export interface TrackOptions {
  /** Span name and `WorkEvent.name`. Default: the SLI's name. */
  readonly name?: string;
  /** Span kind: `INTERNAL` (default) for jobs, `CONSUMER` for queue messages. */
  readonly kind?: SpanKind;
  /** Attributes to start the wide event with. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** Options of `kit.explain()`: how bad and good events are compared (see docs/explain.md). */
export type ExplainOptions = CompareOptions;

/** Options of `kit.recentEvents()`. */
export interface RecentEventsOptions {
  /** Only good or only bad events. Default: both, merged newest first. */
  readonly outcome?: 'good' | 'bad';
  /** Most events returned. Default 10 (and at most the reservoir's `recent` per outcome). */
  readonly limit?: number;
}

/** Options of `kit.record()`. */
export interface RecordOptions {
  /** When the event was observed, for freshness SLIs. Default: the kit's clock. */
  readonly at?: number | Date;
}

/**
 * A slokit kit: the SLIs of one service and the machinery that judges its events, counts them and
 * writes the verdicts onto spans. Made by {@link createSlokit}; hand it to an adapter
 * (`slokitExpress(kit)`, `app.register(slokitFastify, { kit })`, `wrapHandler(kit, handler)`).
 */
export interface Slokit {
  /** The SLIs of this kit, in the order given. */
  readonly slis: readonly Sli<never>[];
  /**
   * Judges and counts one custom event (a data read, a freshness check) against `sli`, which may be
   * given as the SLI or its name. Returns the verdict. Never throws: an unknown SLI or a throwing
   * classifier is logged once through `diag`, counted, and gives `ineligible`.
   *
   * @example
   * kit.record(catalogFreshness, { updatedAt: catalog.updatedAt });
   */
  record<E>(sli: Sli<E> | string, event: E, options?: RecordOptions): Verdict;
  /**
   * Runs a unit of work (a job, a queue message) as one event of `sli`: times it, makes its span
   * active inside `fn` (so `addContext` and child spans attach to it), captures what it throws or
   * rejects with and rethrows it unchanged. Resolves to `fn`'s result.
   *
   * @example
   * await kit.track(nightlySync, async () => { await syncCatalog(); });
   */
  track<T>(
    sli: Sli<WorkEvent> | string,
    fn: () => T | PromiseLike<T>,
    options?: TrackOptions,
  ): Promise<Awaited<T>>;
  /**
   * Reports this kit's counters through `provider` from now on (instead of the one it was created
   * with). `startTelemetry()` does this for every kit, so the order of set-up does not matter.
   */
  bindMeterProvider(provider: MeterProvider): void;
  /**
   * This instance's view of every SLI: good and bad events over the period it has observed,
   * compliance, budget remaining, burn rates over 5m to 3d, the page and ticket alerts with the
   * window pair that fired, and the time to exhaustion. One process's events only: fleet-wide
   * numbers come from Prometheus through the rules `slokit rules` generates.
   */
  status(): KitStatus;
  /**
   * The status page: a request handler that shows, for each SLI, most urgent first, what fires
   * since when, the budget left (with a burn-down chart), burn rates against the alert thresholds,
   * what is different about the bad events and recent bad events with trace links. HTML by default,
   * JSON for `Accept: application/json` or `?format=json`. Mount it as it is in Express, Fastify or
   * node:http; its own requests are not judged. See docs/status-page.md.
   *
   * @example
   * app.get('/slo', kit.statusHandler({ traceUrl: 'https://jaeger.example/trace/{traceId}' }));
   */
  statusHandler(options?: StatusHandlerOptions): StatusHandler;
  /**
   * What is different about the bad events of `sli` (the SLI or its name): compares the
   * reservoir's bad and good events of the last hour, attribute by attribute, and returns the
   * values and numeric ranges that bad events have significantly more often, most telling first.
   * The dimensions the SLI judges by (status for a status threshold, duration for a latency one)
   * are left out: they set bad events apart by definition. Off the request path; an unknown SLI
   * throws `SLOKIT_E_UNKNOWN_SLI`, a bad option `SLOKIT_E_OPTION`. See docs/explain.md.
   *
   * @example
   * console.log(formatExplanation(kit.explain('checkout')));
   * // bad checkout events: 87% have app.payment.provider = acme (good: 9%)
   */
  explain(sli: Sli<never> | string, options?: ExplainOptions): Explanation;
  /**
   * The most recent judged events of `sli`, newest first, with their wide attributes and trace
   * ids: `kit.recentEvents('checkout', { outcome: 'bad', limit: 5 })`. An unknown SLI throws
   * `SLOKIT_E_UNKNOWN_SLI`.
   */
  recentEvents(sli: Sli<never> | string, options?: RecentEventsOptions): SampledEvent[];
  /** Stops reporting, saves the state file (if any) and releases the kit's resources. Idempotent. */
  shutdown(): Promise<void>;
}

/** The kit's internals, for the adapters. Not part of the public API. */
export const KIT_RUNTIME: unique symbol = Symbol.for('slokit.kit.runtime') as never;

/** Creates a kit. Every option mistake throws a coded {@link SlokitError} here, never later. */
export function createSlokit(options: SlokitOptions): Slokit {
  const resolved = resolveOptions(options, BUDGET_OPTION_KEYS);
  const budget = resolveBudgetOptions(options as unknown as Record<string, unknown>);
  // Before the runtime exists: restoring the state file may already have something to say.
  const loggerOwner = {};
  if (resolved.logger !== undefined) setWarningLogger(resolved.logger, loggerOwner);
  const runtime = new KitRuntime(
    resolved,
    new SloRuntime(resolved.slis, resolved.clock, resolved.injectedClock, budget),
  );
  const kit: Slokit & { [KIT_RUNTIME]: KitRuntime } = {
    slis: runtime.slis,
    record: (sli, event, recordOptions) => runtime.record(sli as Sli<unknown> | string, event, recordOptions),
    track: (sli, fn, trackOptions) => runtime.track(sli as Sli<unknown> | string, fn, trackOptions),
    bindMeterProvider: (provider) => runtime.counters.bind(provider, VERSION),
    status: () => runtime.slo.status(),
    statusHandler: (handlerOptions) => createStatusHandler(kitStatusSource(runtime), handlerOptions),
    explain: (sli, explainOptions) => runtime.explain(sli as Sli<unknown> | string, explainOptions),
    recentEvents: (sli, recentOptions) => runtime.recentEvents(sli as Sli<unknown> | string, recentOptions),
    shutdown: () => runtime.shutdown(),
    [KIT_RUNTIME]: runtime,
  };
  runtime.slo.start();
  liveKits().add(kit);
  runtime.onShutdown(() => {
    liveKits().delete(kit);
    releaseWarningLogger(loggerOwner);
  });
  return Object.freeze(kit);
}

/** The runtime behind a kit; throws `SLOKIT_E_OPTION` for anything that is not a kit. */
export function runtimeOf(kit: unknown, where: string): KitRuntime {
  const runtime = (kit as { [KIT_RUNTIME]?: KitRuntime } | null | undefined)?.[KIT_RUNTIME];
  if (!(runtime instanceof Object) || typeof runtime.judgeAll !== 'function') {
    throw new SlokitDefinitionError(
      'SLOKIT_E_OPTION',
      `${where}: expected a kit made by createSlokit(); got ${describeValue(kit)}`,
    );
  }
  return runtime;
}

/** Every kit not shut down, so `startTelemetry()` can bind them to its meter provider. */
export function liveKits(): Set<Slokit> {
  return ((globalThis as Record<symbol, unknown>)[Symbol.for('slokit.kits')] ??=
    new Set<Slokit>()) as Set<Slokit>;
}

/**
 * Makes every live kit without its own `tracerProvider` option take its tracer from the global
 * provider afresh: `startTelemetry()` calls it when it registers its provider and when it
 * unregisters it at shutdown.
 */
export function rebindKitTracers(): void {
  for (const kit of liveKits()) (kit as { [KIT_RUNTIME]?: KitRuntime })[KIT_RUNTIME]?.rebindTracer();
}

/**
 * Where `startTelemetry()` (slokit/setup) records the meter provider that kits made without a
 * `meterProvider` option report to, so a kit created after it binds there too. On `globalThis`, so
 * the ESM and CJS builds share it; the runtime reads it without importing any SDK package.
 */
export const METER_PROVIDER_SLOT: unique symbol = Symbol.for('slokit.meterProvider') as never;

/** The meter provider recorded by `startTelemetry()`, else the global one from the OTel API. */
function defaultMeterProvider(): MeterProvider {
  const recorded = (globalThis as Record<symbol, unknown>)[METER_PROVIDER_SLOT] as MeterProvider | undefined;
  return recorded ?? metrics.getMeterProvider();
}

/**
 * Which of a kit's SLIs apply to an event: `null` for all of them, or their indexes. Computed at
 * registration (per route), never per request.
 */
export type SliScope = readonly number[] | null;

/** The per-kit machinery shared by the adapters, `record` and `track`. */
export class KitRuntime {
  readonly slis: readonly Sli<unknown>[];
  readonly options: ResolvedOptions;
  readonly counters: SliCounters;
  readonly drops: DropCounts = newDropCounts();
  readonly policy: AttributePolicy;
  readonly keys: readonly VerdictKeys[];
  readonly clock: Clock;
  /** The sample `explain()` compares; `undefined` when the `reservoir` option is `false`. */
  readonly reservoir: KitReservoir | undefined;
  private readonly judges: readonly Judge[];
  private readonly requestScope: readonly number[];
  /** Per SLI: whether judging it runs the user's code (a classifier or a `match` predicate). */
  private readonly userCode: readonly boolean[];
  private readonly requestScopeUserCode: boolean;
  private readonly indexByName: ReadonlyMap<string, number>;
  private readonly tracerProvider: ResolvedOptions['tracerProvider'];
  private tracerCache: Tracer | undefined;
  private readonly shutdownHooks: (() => void | Promise<void>)[] = [];
  private stopped: Promise<void> | undefined;

  constructor(
    options: ResolvedOptions,
    /** Windows, alerts, status and the state file. */
    readonly slo: SloRuntime,
  ) {
    this.options = options;
    this.slis = options.slis;
    this.judges = options.slis.map((sli) => judgeOf(sli, 'createSlokit'));
    this.requestScope = options.slis.flatMap((sli, i) => (sli.events === 'http' ? [i] : []));
    this.userCode = options.slis.map(callsUserCode);
    this.requestScopeUserCode = this.requestScope.some((i) => this.userCode[i]);
    this.indexByName = new Map(options.slis.map((sli, i) => [sli.name, i]));
    this.clock = options.clock;
    this.keys = verdictKeys(options.slis);
    this.policy = compileAttributePolicy({
      maxAttributes: options.maxAttributes,
      maxValueLength: options.maxValueLength,
      maxArrayLength: options.maxArrayLength,
      maxArrayElementLength: options.maxArrayElementLength,
      maxKeyLength: options.maxKeyLength,
      redactKeys: options.redactKeys,
      ...(options.censor === undefined ? {} : { censor: options.censor }),
    });
    this.counters = new SliCounters(options.slis, this.drops);
    this.counters.bind(options.meterProvider ?? defaultMeterProvider(), VERSION);
    this.tracerProvider = options.tracerProvider;
    this.reservoir =
      options.reservoir === undefined ? undefined : new KitReservoir(options.slis.length, options.reservoir);
    slo.setInsight((index) => this.insight(index));
  }

  /**
   * slokit's tracer: from the given provider, else the global (a proxy until an SDK registers).
   * Cached; {@link rebindKitTracers} drops the cache when the global provider changes.
   */
  get tracer(): Tracer {
    return (this.tracerCache ??= (this.tracerProvider ?? trace.getTracerProvider()).getTracer(
      'slokit',
      VERSION,
    ));
  }

  /**
   * Forgets the cached global tracer, so the next event asks the global provider again. The API's
   * proxy tracer keeps the first SDK tracer it delegated to for good: without this, a kit would go
   * on sending spans to a provider that was shut down and replaced.
   */
  rebindTracer(): void {
    if (this.tracerProvider === undefined) this.tracerCache = undefined;
  }

  /** Resolves SLI names (from route config or adapter options) to a scope, at registration time. */
  scopeOf(names: readonly string[] | undefined, where: string): SliScope {
    if (names === undefined) return null;
    return names.map((name) => {
      const index = this.indexFor(name, where);
      if (this.slis[index]!.events !== 'http') {
        throw new SlokitDefinitionError(
          'SLOKIT_E_UNKNOWN_SLI',
          `${where}: SLI "${name}" judges custom events (events: 'custom'), not requests; name an SLI with events: 'http'`,
        );
      }
      return index;
    });
  }

  /** The index of one of this kit's SLIs (by object or name); throws `SLOKIT_E_UNKNOWN_SLI` otherwise. */
  indexFor(sli: Sli<unknown> | string, where: string): number {
    const name = typeof sli === 'string' ? sli : sli.name;
    const index = this.indexByName.get(name);
    if (index === undefined) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_UNKNOWN_SLI',
        `${where}: no SLI named "${name}" in this kit; it has ${this.slis.map((s) => `"${s.name}"`).join(', ')}`,
      );
    }
    return index;
  }

  /** A fresh wide event for one request or unit of work. */
  newAttributes(): WideAttributes {
    return new WideAttributes(this.policy, this.drops);
  }

  /**
   * Judges one event against the SLIs in scope, counts the verdicts and returns them, indexed like
   * the kit's SLIs (`undefined` for SLIs out of scope). A classifier that throws makes its SLI's
   * verdict `ineligible`, is counted and logged at most once a minute; nothing here throws.
   */
  judgeAll(
    event: unknown,
    scope: SliScope,
    at?: number,
    span?: Span,
    owned = false,
  ): (Verdict | undefined)[] {
    const now = at ?? this.clock.now();
    const verdicts: (Verdict | undefined)[] = new Array<Verdict | undefined>(this.slis.length);
    const reservoir = this.reservoir;
    // `null` is an adapter's "every SLI": every SLI but the freshness ones, which judge data reads
    // (`kit.record`), never requests (a request has no `updatedAt`, so it would always be bad).
    for (const i of scope ?? this.requestScope) {
      const verdict = (verdicts[i] = this.judgeOne(i, event, now));
      if (reservoir !== undefined) reservoir.capture(i, verdict, event, span, now, owned);
    }
    this.slo.afterEvents(now);
    return verdicts;
  }

  /**
   * Judges an event slokit built (a request, a tracked unit of work) like {@link judgeAll}. When an
   * SLI in scope runs the user's code, the event and its wide attributes are frozen first, so a
   * classifier that writes to them fails (in strict mode; in sloppy mode the write does nothing)
   * and cannot change another SLI's verdict, the span, or what redaction removed. SLIs judged by
   * slokit's own code alone (thresholds without a `match` predicate) cost nothing extra. Either way
   * the wide attributes are closed: an `addContext()` after this is ignored.
   */
  judgeOwned(event: object, owner: EventWithSpan, scope: SliScope): (Verdict | undefined)[] {
    if (scope === null ? this.requestScopeUserCode : this.anyUserCode(scope)) {
      owner.sealAttributes(true);
      Object.freeze(event);
    } else {
      owner.sealAttributes(false);
    }
    return this.judgeAll(event, scope, undefined, owner.sampleSpan(), true);
  }

  private anyUserCode(scope: readonly number[]): boolean {
    for (let i = 0; i < scope.length; i++) if (this.userCode[scope[i]!] === true) return true;
    return false;
  }

  private judgeOne(index: number, event: unknown, now: number): Verdict {
    let verdict: Verdict;
    try {
      verdict = this.judges[index]!(event, now);
    } catch (error) {
      this.counters.countClassifierError(index);
      const name = this.slis[index]!.name;
      warnOnce(
        `classifier:${name}`,
        `The classifier of SLI "${name}" failed; the event counts as not eligible (counted in slokit.sli.classifier_errors): ${error instanceof Error ? error.message : String(error)}`,
      );
      return INELIGIBLE;
    }
    this.counters.count(index, verdict);
    this.slo.add(index, verdict, now);
    return verdict;
  }

  record(sli: Sli<unknown> | string, event: unknown, options: RecordOptions | undefined): Verdict {
    try {
      const index = this.indexOf(sli, 'record');
      if (index === undefined) return INELIGIBLE;
      const at = options?.at === undefined ? this.clock.now() : Number(options.at);
      const scope = [index];
      // Inside a request or tracked work, the verdict also lands on that event's span.
      const target = currentEvent();
      const span = target instanceof EventWithSpan ? target.sampleSpan() : undefined;
      const verdict = this.judgeAll(event, scope, at, span)[index]!;
      if (target instanceof EventWithSpan) target.addVerdict(index, verdict);
      return verdict;
    } catch (error) {
      warnOnce('record.failed', `kit.record() failed and was ignored: ${String(error)}`);
      return INELIGIBLE;
    }
  }

  track<T>(
    sli: Sli<unknown> | string,
    fn: () => T | PromiseLike<T>,
    options: TrackOptions | undefined,
  ): Promise<Awaited<T>> {
    if (typeof fn !== 'function') {
      throw new SlokitDefinitionError(
        'SLOKIT_E_OPTION',
        `kit.track: expected a function to run; got ${describeValue(fn)}`,
      );
    }
    const index = this.indexOf(sli, 'track');
    const name = options?.name ?? (typeof sli === 'object' && sli !== null ? sli.name : String(sli));
    const work = new TrackedWork(this, index, name, options);
    return work.run(fn);
  }

  private indexOf(sli: Sli<unknown> | string, where: string): number | undefined {
    const name = typeof sli === 'string' ? sli : (sli as Sli<unknown> | undefined)?.name;
    const index = name === undefined ? undefined : this.indexByName.get(name);
    if (index === undefined || (typeof sli !== 'string' && this.slis[index] !== sli)) {
      warnOnce(
        `${where}.unknown:${String(name)}`,
        `kit.${where}(): ${typeof sli === 'string' ? `"${sli}"` : describeValue(sli)} is not one of this kit's SLIs (${this.slis.map((s) => s.name).join(', ')}); the event was not counted`,
      );
      return undefined;
    }
    return index;
  }

  /** `kit.explain()`: compares the reservoir's bad and good events of one SLI. */
  explain(sli: Sli<unknown> | string, options: ExplainOptions | undefined): Explanation {
    const index = this.indexFor(sli, 'kit.explain');
    const resolved = this.compareOptions(index, options);
    const name = this.slis[index]!.name;
    const reservoir = this.reservoir;
    if (reservoir === undefined) return compareEvents(name, [], [], resolved);
    const now = this.clock.now();
    return compareEvents(
      name,
      reservoir.sample(index, 'bad', now),
      reservoir.sample(index, 'good', now),
      resolved,
    );
  }

  /** What an alert of SLI `index` carries: the top 3 findings, the trace ids of 5 recent bad events. */
  private insight(index: number): { findings: readonly Finding[]; badTraceIds: readonly string[] } {
    const reservoir = this.reservoir;
    if (reservoir === undefined) return { findings: [], badTraceIds: [] };
    const findings = this.explain(this.slis[index]!.name, { limit: 3 }).findings;
    const badTraceIds: string[] = [];
    for (const event of reservoir.recent(index, 'bad', this.options.reservoir!.recent)) {
      if (event.traceId !== undefined && !badTraceIds.includes(event.traceId))
        badTraceIds.push(event.traceId);
      if (badTraceIds.length === 5) break;
    }
    return { findings, badTraceIds };
  }

  /** The comparison options for SLI `index`: the user's, plus the dimensions the SLI judges by. */
  private compareOptions(index: number, options: ExplainOptions | undefined): ExplainOptions {
    let resolved: ExplainOptions;
    try {
      resolved = resolveCompareOptions(options);
    } catch (error) {
      throw new SlokitDefinitionError('SLOKIT_E_OPTION', `kit.explain: ${(error as Error).message}`);
    }
    const thresholds = this.slis[index]!.thresholds;
    if (thresholds === undefined) return resolved;
    const exclude = [...(resolved.exclude ?? [])];
    if (thresholds.status.rules.length > 0) exclude.push(DIMENSION_STATUS);
    if (thresholds.latency !== undefined) exclude.push(DIMENSION_DURATION);
    return { ...resolved, exclude };
  }

  /** `kit.recentEvents()`. */
  recentEvents(sli: Sli<unknown> | string, options: RecentEventsOptions | undefined): SampledEvent[] {
    const index = this.indexFor(sli, 'kit.recentEvents');
    const outcome = options?.outcome;
    if (outcome !== undefined && outcome !== 'good' && outcome !== 'bad') {
      throw new SlokitDefinitionError(
        'SLOKIT_E_OPTION',
        `kit.recentEvents: outcome: expected 'good' or 'bad'; got ${describeValue(outcome)}`,
      );
    }
    const limit = options?.limit ?? 10;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_OPTION',
        `kit.recentEvents: limit: expected a whole number of at least 0; got ${describeValue(limit)}`,
      );
    }
    return this.reservoir === undefined ? [] : this.reservoir.recent(index, outcome, limit);
  }

  onShutdown(hook: () => void | Promise<void>): void {
    this.shutdownHooks.push(hook);
  }

  shutdown(): Promise<void> {
    return (this.stopped ??= (async () => {
      this.counters.unbind();
      await this.slo.shutdown();
      for (const hook of this.shutdownHooks) {
        try {
          await hook();
        } catch (error) {
          warnOnce('shutdown.hook', `A slokit shutdown step failed: ${String(error)}`);
        }
      }
    })());
  }
}

// The attributes of an event nothing was added to: most requests. Frozen, so sharing it is safe.
const NO_ATTRIBUTES: WideValues = Object.freeze({});

/** An event in progress that owns a wide event and a span: the target of `addContext`. */
export abstract class EventWithSpan implements ContextTarget {
  // Made on the first attribute: most requests never get one.
  private bag: WideAttributes | undefined = undefined;
  private extraVerdicts: (Verdict | undefined)[] | undefined = undefined;

  constructor(protected readonly runtime: KitRuntime) {}

  private sealed = false;

  /** The event's span, for the reservoir's trace and span ids (`undefined` when none). */
  sampleSpan(): Span | undefined {
    return undefined;
  }

  /** The event's attribute bag, made when first needed (closed if the event was judged already). */
  get wide(): WideAttributes {
    let bag = this.bag;
    if (bag === undefined) {
      bag = this.bag = this.runtime.newAttributes();
      if (this.sealed) bag.close();
    }
    return bag;
  }

  /**
   * Closes the attributes once the event is being judged (later additions are ignored), frozen
   * when user code (a classifier, a match predicate) will see them.
   */
  sealAttributes(freeze: boolean): void {
    this.sealed = true;
    const bag = this.bag;
    if (bag === undefined) return;
    if (freeze) bag.freeze();
    else bag.close();
  }

  /** The event's attributes so far (a shared empty object when there are none). */
  protected get wideValues(): WideValues {
    return this.bag === undefined ? NO_ATTRIBUTES : this.bag.values;
  }

  addAttributes(attributes: Readonly<Record<string, unknown>>): void {
    this.wide.add(attributes);
  }

  /** Whether {@link exclude} was called: the event is then judged against no SLI. */
  protected excluded = false;

  exclude(): void {
    this.excluded = true;
  }

  /** A verdict of a `kit.record()` made while this event ran; written onto this event's span. */
  addVerdict(index: number, verdict: Verdict): void {
    (this.extraVerdicts ??= new Array<Verdict | undefined>(this.runtime.slis.length))[index] = verdict;
  }

  /** Merges the event's own verdicts with those recorded while it ran. */
  protected allVerdicts(own: (Verdict | undefined)[]): (Verdict | undefined)[] {
    const extra = this.extraVerdicts;
    if (extra !== undefined)
      for (let i = 0; i < extra.length; i++) if (own[i] === undefined) own[i] = extra[i];
    return own;
  }
}

class TrackedWork extends EventWithSpan {
  private readonly start = performance.now();
  private span: Span | undefined = undefined;

  override sampleSpan(): Span | undefined {
    return this.span;
  }

  constructor(
    runtime: KitRuntime,
    private readonly index: number | undefined,
    private readonly name: string,
    private readonly options: TrackOptions | undefined,
  ) {
    super(runtime);
    if (options?.attributes !== undefined) this.wide.add(options.attributes);
  }

  async run<T>(fn: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    const rt = this.runtime;
    const attributes: Attributes = { [ATTR_SLOKIT_WORK]: this.name };
    const scope = rt.options.spans
      ? startWorkSpan(rt.tracer, this.name, this.options?.kind ?? SpanKind.INTERNAL, attributes)
      : undefined;
    this.span = scope?.span;
    try {
      const result = await runWithEvent(this, scope?.ctx, fn, rt.options.asyncContext);
      this.finish(scope, undefined);
      return result;
    } catch (error) {
      this.finish(scope, error === undefined ? new Error('undefined was thrown') : error);
      throw error;
    }
  }

  private finish(scope: ReturnType<typeof startWorkSpan> | undefined, error: unknown): void {
    try {
      const event: WorkEvent = {
        name: this.name,
        durationMs: performance.now() - this.start,
        error,
        attributes: this.wideValues,
      };
      const rt = this.runtime;
      const verdicts = this.allVerdicts(
        this.index === undefined || this.excluded
          ? new Array<Verdict | undefined>(rt.slis.length)
          : rt.judgeOwned(event, this, [this.index]),
      );
      if (scope !== undefined) {
        const span = scope.span;
        if (span.isRecording()) {
          span.setAttributes(this.wideValues as Attributes);
          setVerdicts(span, rt.keys, verdicts);
          recordFailure(span, error, undefined);
        }
        span.end();
      }
    } catch (failure) {
      warnOnce('track.finish', `kit.track() could not record the work and ignored it: ${String(failure)}`);
    }
  }
}
