import { AlertTracker, DEFAULT_MIN_EVENTS, evaluateBurn, validateAlertOptions } from '../budget/alerts.js';
import type { AlertTransition, BurnEvaluation, BurnTransition } from '../budget/alerts.js';
import { WORKBOOK_TIERS, alertTable } from '../budget/alert-table.js';
import type { BurnTierSpec } from '../budget/alert-table.js';
import { tierWords } from '../doc/words.js';
import type { TierWords } from '../doc/words.js';
import { computeStatus } from '../budget/status.js';
import type { Finding } from '../explain/types.js';
import type { SliStatus } from '../budget/status.js';
import { MINUTE_MS, SliWindows } from '../budget/windows.js';
import { SlokitDefinitionError, describeValue } from '../errors.js';
import { parseDuration } from '../sli/duration.js';
import type { Duration } from '../sli/duration.js';
import type { Sli, Verdict } from '../sli/types.js';
import { warnOnce } from './diag.js';
import type { Clock } from './options.js';
import { createSnapshot, loadState, removeStaleTempFiles, saveState } from './state-file.js';

/** Budget and alerting options of `createSlokit`. */
export interface BudgetOptions {
  /** How the in-process burn-rate alerts are evaluated. */
  readonly alerting?: {
    /** Fewest eligible events in a tier's long window for it to fire. Default 100. */
    readonly minEvents?: number;
    /** How long a condition must stay false before an alert resolves (no flapping). Default `'5m'`. */
    readonly resolveHold?: Duration;
    /** The burn-rate tiers. Default: the SRE Workbook's four (2%/1h, 5%/6h page; 10%/1d, 10%/3d ticket). */
    readonly tiers?: readonly BurnTierSpec[];
  };
  /**
   * Called when an in-process alert starts firing and when it resolves. Runs off the request path
   * (on a one-minute timer; with an injected clock, when an event arrives in a new minute of it and
   * in `status()`); a throw is caught and logged.
   */
  readonly onAlert?: (transition: AlertTransition) => void;
  /**
   * A file to keep the SLI windows in across restarts: restored when the kit is created, saved
   * atomically every `stateSaveInterval` and on `shutdown()`. A corrupt, foreign or old-version file
   * is set aside (renamed) with a warning; it never stops the kit.
   */
  readonly stateFile?: string;
  /** How often the state file is saved. Default `'1m'`. */
  readonly stateSaveInterval?: Duration;
}

/** The findings and trace ids an `onAlert` transition carries. */
export interface AlertInsight {
  readonly findings: readonly Finding[];
  readonly badTraceIds: readonly string[];
}

const NO_INSIGHT: AlertInsight = Object.freeze({ findings: [], badTraceIds: [] });

/** What `kit.status()` returns: this instance's view of each SLI. */
export interface KitStatus {
  /**
   * Always `'instance'`: the counts are this process's own events (since it started, or since the
   * period its state file covers). Fleet-wide figures come from Prometheus, through the rules
   * `slokit rules` generates.
   */
  readonly scope: 'instance';
  /** When this status was computed (epoch ms, the kit's clock). */
  readonly at: number;
  /** One entry per SLI, in the kit's order. */
  readonly slis: readonly SliStatus[];
}

export const BUDGET_OPTION_KEYS: ReadonlySet<string> = new Set([
  'alerting',
  'onAlert',
  'stateFile',
  'stateSaveInterval',
]);

interface ResolvedBudgetOptions {
  readonly minEvents: number | undefined;
  readonly resolveHoldMs: number | undefined;
  readonly tiers: readonly BurnTierSpec[] | undefined;
  readonly onAlert: ((transition: AlertTransition) => void) | undefined;
  readonly stateFile: string | undefined;
  readonly saveEveryMs: number;
}

function fail(field: string, message: string): never {
  throw new SlokitDefinitionError('SLOKIT_E_OPTION', `createSlokit: ${field}: ${message}`);
}

/** Validates the budget options of `createSlokit`; mistakes throw here. */
export function resolveBudgetOptions(options: Record<string, unknown>): ResolvedBudgetOptions {
  const alerting = options.alerting;
  if (
    alerting !== undefined &&
    (typeof alerting !== 'object' || alerting === null || Array.isArray(alerting))
  ) {
    fail('alerting', `expected { minEvents?, resolveHold?, tiers? }; got ${describeValue(alerting)}`);
  }
  const a = (alerting ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(a)) {
    if (!['minEvents', 'resolveHold', 'tiers'].includes(key))
      fail(`alerting.${key}`, 'unknown option; expected minEvents, resolveHold, tiers');
  }
  const resolveHoldMs =
    a.resolveHold === undefined
      ? undefined
      : parseDuration(a.resolveHold, 'createSlokit: alerting.resolveHold');
  const tiers = a.tiers as readonly BurnTierSpec[] | undefined;
  const minEvents = a.minEvents as number | undefined;
  validateAlertOptions({ minEvents, resolveHoldMs, tiers });
  const onAlert = options.onAlert;
  if (onAlert !== undefined && typeof onAlert !== 'function')
    fail('onAlert', `expected a function; got ${describeValue(onAlert)}`);
  const stateFile = options.stateFile;
  if (stateFile !== undefined && (typeof stateFile !== 'string' || stateFile === '')) {
    fail('stateFile', `expected a file path; got ${describeValue(stateFile)}`);
  }
  const saveEveryMs = parseDuration(options.stateSaveInterval ?? '1m', 'createSlokit: stateSaveInterval');
  if (saveEveryMs < 1_000)
    fail('stateSaveInterval', `expected at least "1s"; got ${describeValue(options.stateSaveInterval)}`);
  return {
    minEvents,
    resolveHoldMs,
    tiers,
    onAlert: onAlert as ((transition: AlertTransition) => void) | undefined,
    stateFile,
    saveEveryMs,
  };
}

/**
 * The kit's error-budget machinery: per-SLI windows fed by every verdict, burn-rate alerts with
 * `onAlert`, `status()`, and the optional state file. The request path only adds to the windows
 * (O(1), no allocation); evaluation runs on a timer, off the request path.
 */
export class SloRuntime {
  private readonly windows: SliWindows[];
  private readonly tracker: AlertTracker;
  /** Per SLI, the words of each tier (keyed `severity windows`), made once for `onAlert`. */
  private readonly words: ReadonlyMap<string, TierWords>[];
  private lastMinute = Number.NaN;
  /** What `onAlert` transitions say about where to look; set by the kit (its reservoir). */
  private insight: ((index: number) => AlertInsight) | undefined = undefined;
  private evaluating = false;
  private timers: NodeJS.Timeout[] = [];

  /** The alerting options the tiers are judged with (for the status page's fleet view). */
  get alerting(): {
    readonly minEvents: number | undefined;
    readonly tiers: readonly BurnTierSpec[] | undefined;
  } {
    return { minEvents: this.options.minEvents, tiers: this.options.tiers };
  }

  constructor(
    private readonly slis: readonly Sli<unknown>[],
    private readonly clock: Clock,
    /** Whether the clock was injected: then alerts are evaluated as the clock's minutes pass. */
    private readonly injectedClock: boolean,
    private readonly options: ResolvedBudgetOptions,
  ) {
    this.tracker = new AlertTracker(
      options.resolveHoldMs === undefined ? {} : { resolveHoldMs: options.resolveHoldMs },
    );
    this.words = slis.map((sli) => {
      const byTier = new Map<string, TierWords>();
      if (options.onAlert === undefined) return byTier;
      for (const tier of alertTable(sli.windowMs, options.tiers ?? WORKBOOK_TIERS)) {
        const words = tierWords(sli, tier, { minEvents: options.minEvents ?? DEFAULT_MIN_EVENTS });
        byTier.set(`${words.severity} ${words.windows}`, words);
      }
      return byTier;
    });
    const restored = options.stateFile === undefined ? undefined : this.restore(options.stateFile);
    const now = clock.now();
    this.windows = slis.map((sli) => {
      const windows = restored?.get(sli.name) ?? new SliWindows(sli.windowMs);
      windows.observeFrom(now);
      return windows;
    });
  }

  /** Sets where `onAlert` transitions get their findings and trace ids from. */
  setInsight(insight: (index: number) => AlertInsight): void {
    this.insight = insight;
  }

  /** Starts the evaluation and save timers (unref'd: they never keep the process alive). */
  start(): void {
    if (!this.injectedClock && this.options.onAlert !== undefined) {
      this.timers.push(setInterval(() => this.evaluate(this.clock.now()), MINUTE_MS).unref());
    }
    if (this.options.stateFile !== undefined) {
      this.timers.push(setInterval(() => void this.save(), this.options.saveEveryMs).unref());
    }
  }

  /** Adds one verdict of SLI `index` to its windows. Called on the request path: O(1). */
  add(index: number, verdict: Verdict, nowMs: number): void {
    if (verdict.outcome === 'good') this.windows[index]!.add(nowMs, 1, 0);
    else if (verdict.outcome === 'bad') this.windows[index]!.add(nowMs, 0, 1);
  }

  /** Adds synthetic counts (the testing traffic driver). */
  addCounts(index: number, good: number, bad: number, atMs: number): void {
    this.windows[index]!.add(atMs, good, bad);
    this.afterEvents(atMs);
  }

  /** With an injected clock, evaluates once each time the clock enters a new minute. */
  afterEvents(nowMs: number): void {
    if (!this.injectedClock || this.options.onAlert === undefined) return;
    const minute = Math.floor(nowMs / MINUTE_MS);
    if (minute !== this.lastMinute) this.evaluate(nowMs);
  }

  /** Evaluates every SLI's alerts at `nowMs` and reports transitions through `onAlert`. */
  evaluate(nowMs: number): BurnEvaluation[] {
    this.lastMinute = Math.floor(nowMs / MINUTE_MS);
    const evaluations = this.slis.map((sli, i) =>
      evaluateBurn(this.windows[i]!, sli.objective, sli.windowMs, nowMs, {
        minEvents: this.options.minEvents,
        tiers: this.options.tiers,
      }),
    );
    // A transition handler that records an event must not re-enter the evaluation.
    if (this.evaluating) return evaluations;
    this.evaluating = true;
    try {
      for (let i = 0; i < this.slis.length; i++) {
        for (const transition of this.tracker.update(this.slis[i]!.name, evaluations[i]!))
          this.notify(i, transition);
      }
    } finally {
      this.evaluating = false;
    }
    return evaluations;
  }

  private notify(index: number, transition: BurnTransition): void {
    const onAlert = this.options.onAlert;
    if (onAlert === undefined) return;
    const sli = this.slis[index]!;
    // The tracker's window pair is always one of the table's, so its words are there.
    const words = this.words[index]!.get(`${transition.severity} ${transition.windows}`)!;
    let insight: AlertInsight = NO_INSIGHT;
    try {
      if (this.insight !== undefined) insight = this.insight(index);
    } catch (error) {
      warnOnce('onAlert.explain', `slokit could not explain the alert of "${sli.name}": ${String(error)}`);
    }
    const full: AlertTransition = {
      ...transition,
      summary: words.summary,
      description: words.description,
      runbook: sli.runbook,
      owner: sli.owner,
      findings: insight.findings,
      badTraceIds: insight.badTraceIds,
    };
    try {
      onAlert(full);
    } catch (error) {
      warnOnce('onAlert.threw', `The onAlert callback threw and was ignored: ${String(error)}`);
    }
  }

  /** This instance's view of every SLI at the clock's current time. */
  status(): KitStatus {
    const now = this.clock.now();
    const evaluations = this.evaluate(now);
    return {
      scope: 'instance',
      at: now,
      slis: this.slis.map((sli, i) =>
        computeStatus(sli, this.windows[i]!, now, {
          minEvents: this.options.minEvents,
          tiers: this.options.tiers,
          alerts: this.tracker.state(sli.name),
          evaluation: evaluations[i],
        }),
      ),
    };
  }

  /**
   * The windows of SLI `index`, for reading (the status page draws its burn-down chart from them).
   * Nothing outside this class adds to them.
   */
  windowsOf(index: number): SliWindows {
    return this.windows[index]!;
  }

  private restore(file: string): ReadonlyMap<string, SliWindows> {
    // File ages are on the wall clock, whatever clock the kit was given.
    const removed = removeStaleTempFiles(file, Date.now());
    if (removed > 0) {
      warnOnce(
        `state.temp:${file}`,
        `slokit removed ${removed} temporary ${removed === 1 ? 'file' : 'files'} of interrupted saves of ${file} (a crash during a save leaves one; the state file itself is always whole)`,
      );
    }
    const result = loadState(file, this.slis, { now: () => this.clock.now() });
    if ('warning' in result && result.warning !== undefined) warnOnce(`state.load:${file}`, result.warning);
    return result.windows;
  }

  /** Saves the windows to the state file; failures are logged once a minute, never thrown. */
  async save(): Promise<void> {
    const file = this.options.stateFile;
    if (file === undefined) return;
    try {
      await saveState(
        file,
        createSnapshot(
          this.slis.map((sli, i) => [sli.name, this.windows[i]!] as const),
          this.clock.now(),
        ),
      );
    } catch (error) {
      warnOnce('stateFile.save', `slokit could not save its state file ${file}: ${String(error)}`);
    }
  }

  /** Stops the timers and saves the state file one last time. */
  async shutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.save();
  }
}
