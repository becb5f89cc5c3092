import type { Attributes, BatchObservableResult, Meter, MeterProvider, Observable } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import {
  ATTR_DROPPED_WHAT,
  ATTR_SLI_NAME,
  ATTR_SLI_OUTCOME,
  ATTR_SLI_REASON,
  CLASSIFIER_ERRORS_METRIC,
  DROPPED_METRIC,
  DROPPED_UNIT,
  SLI_EVENTS_METRIC,
  SLI_EVENTS_UNIT,
} from '../conventions.js';
import { DROP_KINDS } from '../context/attributes.js';
import type { DropCounts } from '../context/attributes.js';
import type { BadReason, Sli, Verdict } from '../sli/types.js';
import { BAD_REASONS } from '../sli/verdicts.js';
import { warnOnce } from '../runtime/diag.js';

const REASON_INDEX: Readonly<Record<BadReason, number>> = {
  error: 0,
  status: 1,
  aborted: 2,
  latency: 3,
  custom: 4,
};
const REASONS = BAD_REASONS.length;

/** The bad reasons an SLI can produce; their series are exported at zero from start-up. */
function possibleReasons(sli: Sli<unknown>): readonly BadReason[] {
  if (sli.kind === 'classifier') return ['custom'];
  if (sli.kind === 'freshness') return ['error', 'latency'];
  return sli.thresholds?.latency === undefined
    ? ['error', 'status']
    : ['error', 'status', 'aborted', 'latency'];
}

/**
 * The SLI counters. The request path only increments numbers in typed arrays; the OTel metrics
 * (`slokit.sli.events`, `slokit.sli.classifier_errors`, `slokit.dropped`) are observable counters
 * read at collection time with attribute objects built once here. Both outcome series of every
 * SLI are reported from the start (at 0), so an error ratio is never "absent".
 */
export class SliCounters {
  private readonly good: Float64Array;
  private readonly bad: Float64Array;
  private readonly classifierErrors: Float64Array;
  private readonly goodAttributes: readonly Attributes[];
  private readonly badAttributes: readonly (readonly Attributes[])[];
  private readonly startReasons: readonly (readonly boolean[])[];
  private readonly nameAttributes: readonly Attributes[];
  private unregister: (() => void) | undefined;

  constructor(
    private readonly slis: readonly Sli<unknown>[],
    private readonly drops: DropCounts,
  ) {
    const n = slis.length;
    this.good = new Float64Array(n);
    this.bad = new Float64Array(n * REASONS);
    this.classifierErrors = new Float64Array(n);
    this.goodAttributes = slis.map((s) =>
      Object.freeze({ [ATTR_SLI_NAME]: s.name, [ATTR_SLI_OUTCOME]: 'good' }),
    );
    this.badAttributes = slis.map((s) =>
      BAD_REASONS.map((reason) =>
        Object.freeze({ [ATTR_SLI_NAME]: s.name, [ATTR_SLI_OUTCOME]: 'bad', [ATTR_SLI_REASON]: reason }),
      ),
    );
    this.startReasons = slis.map((s) => {
      const possible = possibleReasons(s);
      return BAD_REASONS.map((reason) => possible.includes(reason));
    });
    this.nameAttributes = slis.map((s) => Object.freeze({ [ATTR_SLI_NAME]: s.name }));
  }

  /** Counts one verdict of SLI number `index`. Ineligible verdicts are counted nowhere. */
  count(index: number, verdict: Verdict): void {
    if (verdict.outcome === 'good') this.good[index]!++;
    else if (verdict.outcome === 'bad') this.bad[index * REASONS + REASON_INDEX[verdict.reason]]!++;
  }

  /** Counts a classifier (or match predicate) that threw for SLI number `index`. */
  countClassifierError(index: number): void {
    this.classifierErrors[index]!++;
  }

  /** Good and bad totals of SLI number `index` since start-up. */
  totals(index: number): { good: number; bad: number; badByReason: Record<BadReason, number> } {
    const badByReason = {} as Record<BadReason, number>;
    let bad = 0;
    for (const reason of BAD_REASONS) {
      const value = this.bad[index * REASONS + REASON_INDEX[reason]]!;
      badByReason[reason] = value;
      bad += value;
    }
    return { good: this.good[index]!, bad, badByReason };
  }

  /** Classifier errors of SLI number `index` since start-up. */
  classifierErrorCount(index: number): number {
    return this.classifierErrors[index]!;
  }

  /**
   * Registers the observable counters with a meter provider (and drops a previous registration),
   * so a kit created before the app's MeterProvider can be bound to it later.
   */
  bind(provider: MeterProvider, version: string): void {
    this.unbind();
    const meter: Meter = provider.getMeter('slokit', version);
    const events = meter.createObservableCounter(SLI_EVENTS_METRIC, {
      description: 'Events judged against each SLI, by outcome (good/bad) and, for bad events, reason.',
      unit: SLI_EVENTS_UNIT,
      valueType: ValueType.INT,
    });
    const classifierErrors = meter.createObservableCounter(CLASSIFIER_ERRORS_METRIC, {
      description: 'Events whose SLI classifier or match predicate threw; they count as not eligible.',
      unit: SLI_EVENTS_UNIT,
      valueType: ValueType.INT,
    });
    const dropped = meter.createObservableCounter(DROPPED_METRIC, {
      description: 'Data slokit dropped or cut to stay within its limits, by kind.',
      unit: DROPPED_UNIT,
      valueType: ValueType.INT,
    });
    const observables: Observable[] = [events, classifierErrors, dropped];
    const callback = (result: BatchObservableResult): void => {
      for (let i = 0; i < this.slis.length; i++) {
        result.observe(events, this.good[i]!, this.goodAttributes[i]);
        const started = this.startReasons[i]!;
        for (let r = 0; r < REASONS; r++) {
          const value = this.bad[i * REASONS + r]!;
          if (value > 0 || started[r] === true) result.observe(events, value, this.badAttributes[i]![r]);
        }
        result.observe(classifierErrors, this.classifierErrors[i]!, this.nameAttributes[i]);
      }
      for (const what of DROP_KINDS) result.observe(dropped, this.drops[what], DROP_ATTRIBUTES[what]);
    };
    meter.addBatchObservableCallback(callback, observables);
    const names = this.slis.map((s) => s.name);
    claimNames(provider, names);
    this.unregister = () => {
      meter.removeBatchObservableCallback(callback, observables);
      releaseNames(provider, names);
    };
  }

  /** Stops reporting to the bound meter provider. */
  unbind(): void {
    this.unregister?.();
    this.unregister = undefined;
  }
}

const DROP_ATTRIBUTES = Object.freeze(
  Object.fromEntries(DROP_KINDS.map((what) => [what, Object.freeze({ [ATTR_DROPPED_WHAT]: what })])),
) as Readonly<Record<string, Attributes>>;

// Which SLI names each meter provider already receives from a kit, process-wide (shared by the ESM
// and CJS builds). Two kits reporting one SLI name to one provider write the same series, and the
// last observation wins, so the counts would silently be one kit's: say so.
const CLAIMED: WeakMap<MeterProvider, Map<string, number>> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('slokit.counters.claimed')
] ??= new WeakMap<MeterProvider, Map<string, number>>()) as WeakMap<MeterProvider, Map<string, number>>;

function claimNames(provider: MeterProvider, names: readonly string[]): void {
  let claimed = CLAIMED.get(provider);
  if (claimed === undefined) CLAIMED.set(provider, (claimed = new Map<string, number>()));
  for (const name of names) {
    const kits = claimed.get(name) ?? 0;
    if (kits > 0) {
      warnOnce(
        `counters.duplicate:${name}`,
        `Two kits report the SLI "${name}" to the same meter provider; their counts overwrite each other in slokit.sli.events. Create one kit per service (or shut the old one down), or give the SLIs different names.`,
      );
    }
    claimed.set(name, kits + 1);
  }
}

function releaseNames(provider: MeterProvider, names: readonly string[]): void {
  const claimed = CLAIMED.get(provider);
  if (claimed === undefined) return;
  for (const name of names) {
    const kits = (claimed.get(name) ?? 1) - 1;
    if (kits > 0) claimed.set(name, kits);
    else claimed.delete(name);
  }
}
