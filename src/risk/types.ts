import type { Duration } from '../sli/duration.js';
import type { Objective } from '../sli/types.js';

/**
 * A fraction in [0, 1] or a percentage string: `0.05` or `"5%"`. Used for a risk's impact and for
 * the analysis' `maxShare`.
 */
export type Fraction = number | `${number}%`;

/** The periods a {@link Frequency} may count incidents per. A year is 365.25 days, a month a twelfth of it. */
export type FrequencyUnit = 'day' | 'week' | 'month' | 'quarter' | 'year';

/** How often a risk happens: a positive number of incidents per period, e.g. `"1/week"`, `"12/year"`, `"0.5/year"`. */
export type Frequency = `${number}/${FrequencyUnit}`;

/**
 * A risk's durations. A duration string as everywhere in slokit (`"3m"`, `"1.5h"`), `"0"`, or the
 * number `0` (zero needs no unit; YAML reads `ettd: 0` as a number).
 */
export type RiskDuration = Duration | 0;

/**
 * What a mitigation changes about a risk: at least one of the fields. The rest are the risk's own.
 * `frequency` and `ettf` replace the risk's frequency whichever form the risk used; give at most one.
 */
export interface MitigationSpec {
  /** Unique within its risk, e.g. `"canary releases"`. */
  readonly name: string;
  readonly description?: string;
  readonly ettd?: RiskDuration;
  readonly ettr?: RiskDuration;
  readonly impact?: Fraction;
  readonly frequency?: Frequency;
  readonly ettf?: Duration;
}

interface RiskSpecBase {
  /** Unique within the catalogue, e.g. `"bad deploy"`. A single line of text. */
  readonly name: string;
  readonly description?: string;
  /** Estimated time to detect: from the start of the incident until someone (or something) knows. */
  readonly ettd: RiskDuration;
  /** Estimated time to repair: from detection until users are served well again. */
  readonly ettr: RiskDuration;
  /** The fraction of users (or requests) affected while the incident lasts: `1`, `0.05` or `"5%"`. */
  readonly impact: Fraction;
  /** Alternatives, each compared with the risk as it is (not with each other). */
  readonly mitigations?: readonly MitigationSpec[];
}

/**
 * One failure mode of the catalogue. Give how often it happens either as a `frequency`
 * (`"1/week"`) or as an estimated time to failure, `ettf` (`"7d"`: one incident every 7 days).
 */
export type RiskSpec = RiskSpecBase &
  (
    | { readonly frequency: Frequency; readonly ettf?: never }
    | { readonly ettf: Duration; readonly frequency?: never }
  );

interface RiskAnalysisOptions {
  /**
   * A single risk is flagged when it alone would take more than this share of a year's error budget.
   * Default `0.25` (25%).
   */
  readonly maxShare?: Fraction;
  /** The risk catalogue; at least one risk, names unique. */
  readonly risks: readonly RiskSpec[];
}

/**
 * The input of {@link analyzeRisks}: the risks, and the objective to measure them against, or several
 * objectives to compare side by side (e.g. `["99.5%", "99.9%", "99.95%"]`).
 */
export type RiskAnalysisInput = RiskAnalysisOptions &
  (
    | { readonly objective: Objective; readonly objectives?: never }
    | { readonly objectives: readonly Objective[]; readonly objective?: never }
  );

/** A risk's (or a mitigation's) share of one objective's yearly error budget. */
export interface RiskShare {
  /** The objective, as a fraction (`0.999`). */
  readonly objective: number;
  /** Bad minutes per year ÷ the objective's budget minutes per year. May exceed 1. */
  readonly share: number;
  /** `share > maxShare`. */
  readonly flagged: boolean;
}

/** The figures of one risk, or of a risk with one mitigation applied. Durations in minutes. */
export interface RiskFigures {
  readonly name: string;
  readonly description?: string;
  /** Estimated time to detect, in minutes. */
  readonly ettdMinutes: number;
  /** Estimated time to repair, in minutes. */
  readonly ettrMinutes: number;
  /** Fraction of users affected, in [0, 1]. */
  readonly impact: number;
  /** Expected incidents per year (365.25 days). */
  readonly incidentsPerYear: number;
  /** Estimated time to failure: mean days between incidents, 365.25 ÷ incidents per year. */
  readonly ettfDays: number;
  /** (ETTD + ETTR) × impact: user-weighted minutes of bad service per incident. */
  readonly badMinutesPerIncident: number;
  /** Bad minutes per incident × incidents per year. */
  readonly badMinutesPerYear: number;
  /** One entry per objective, in the order of {@link RiskAnalysis.objectives}. */
  readonly shares: readonly RiskShare[];
  /** Flagged for at least one objective. */
  readonly flagged: boolean;
}

/** A mitigation's effect: the risk's figures with the mitigation applied, and what it saves. */
export interface AnalyzedMitigation extends RiskFigures {
  /** The risk's bad minutes per year minus the mitigated ones (negative if the change makes it worse). */
  readonly savedMinutesPerYear: number;
}

/** One analysed risk. */
export interface AnalyzedRisk extends RiskFigures {
  /** In the order they were given. */
  readonly mitigations: readonly AnalyzedMitigation[];
}

/** The catalogue's totals against one objective. */
export interface RiskTotals {
  readonly objective: number;
  /** (1 − objective) × 525,960: a year's error budget in (user-weighted) bad minutes. */
  readonly budgetMinutesPerYear: number;
  /** The sum of every risk's bad minutes per year (mitigations not applied). */
  readonly badMinutesPerYear: number;
  /** The sum of every risk's share: bad minutes per year ÷ budget minutes per year. */
  readonly share: number;
  /** Budget minus the risks' bad minutes: what is left for the unknown. Negative when over budget. */
  readonly unallocatedMinutesPerYear: number;
  /** 1 − share. Negative when over budget. */
  readonly unallocatedShare: number;
  /** How many risks are flagged for this objective. */
  readonly flaggedRisks: number;
}

/** The result of {@link analyzeRisks}: plain, JSON-serialisable data. Nothing is rounded. */
export interface RiskAnalysis {
  /** The objectives as fractions, in the order given. */
  readonly objectives: readonly number[];
  /** The flagging threshold as a fraction. */
  readonly maxShare: number;
  /** Minutes in a year of 365.25 days: 525,960. */
  readonly minutesPerYear: number;
  /** Sorted by share (bad minutes per year), largest first; ties by name. */
  readonly risks: readonly AnalyzedRisk[];
  /** One entry per objective, in the order of {@link RiskAnalysis.objectives}. */
  readonly totals: readonly RiskTotals[];
  /** At least one risk is flagged for at least one objective (what `--fail-on-exceed` checks). */
  readonly flagged: boolean;
}
