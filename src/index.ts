// The root entry of slokit. Explicit named exports only; types apart.

export { defineSli, isSli } from './sli/define.js';
export { classify, explainVerdict } from './sli/classify.js';
export { createSlokit } from './runtime/kit.js';
export { addContext } from './context/add-context.js';
export { formatExplanation } from './explain/format.js';
export { parseDuration, formatDuration } from './sli/duration.js';
export { parseObjective, formatObjective } from './sli/objective.js';
export { analyzeRisks } from './risk/analyze.js';
export {
  burnRate,
  budgetRemaining,
  budgetRemainingEvents,
  budgetMinutes,
  errorBudget,
  timeToExhaustionMs,
} from './budget/math.js';
export { alertTable, tierCanFire, WORKBOOK_TIERS, BURN_RATE_WINDOWS_MS } from './budget/alert-table.js';
export { DEFAULT_MIN_EVENTS, DEFAULT_RESOLVE_HOLD_MS } from './budget/alerts.js';
export {
  SlokitError,
  SlokitDefinitionError,
  SlokitClassifierError,
  SlokitRiskError,
  SlokitFleetError,
  ERROR_CODES,
} from './errors.js';

export type { Duration, DurationUnit } from './sli/duration.js';
export type {
  Slokit,
  TrackOptions,
  RecordOptions,
  ExplainOptions,
  RecentEventsOptions,
} from './runtime/kit.js';
export type { ReservoirOptions } from './runtime/reservoir.js';
export type { Explanation, Finding, SampledEvent } from './explain/types.js';
export type { SlokitOptions, Clock, QueryCapture } from './runtime/options.js';
export type { SlokitLogger } from './runtime/diag.js';
export type { BudgetOptions, KitStatus } from './runtime/slo.js';
export type { VerdictExplanation } from './sli/classify.js';
export type { BurnTier, BurnTierSpec } from './budget/alert-table.js';
export type {
  AlertState,
  AlertStates,
  AlertTransition,
  BurnEvaluation,
  SeverityEvaluation,
  Severity,
  TierEvaluation,
} from './budget/alerts.js';
export type { AlertStatus, SliStatus } from './budget/status.js';
export type {
  BurnDown,
  BurnDownPoint,
  FastifyLikeReply,
  FastifyLikeRequest,
  SliState,
  StatusDocument,
  StatusEvent,
  StatusFleet,
  StatusFleetError,
  StatusFleetSli,
  StatusHandler,
  StatusHandlerOptions,
  StatusInstance,
  StatusPageSli,
  TraceUrl,
} from './status/types.js';
export type { FleetFailure, SlokitErrorCode } from './errors.js';
export type {
  AnalyzedMitigation,
  AnalyzedRisk,
  Fraction,
  Frequency,
  FrequencyUnit,
  MitigationSpec,
  RiskAnalysis,
  RiskAnalysisInput,
  RiskDuration,
  RiskFigures,
  RiskShare,
  RiskSpec,
  RiskTotals,
} from './risk/types.js';
export type {
  AttributeValue,
  Attributes,
  BadReason,
  Classifier,
  ClassifierSliSpec,
  ClassifyOptions,
  Freshness,
  FreshnessSliSpec,
  HttpEvent,
  HttpMatch,
  LatencyThreshold,
  NormalizedMatch,
  NormalizedThresholds,
  Objective,
  Outcome,
  Sli,
  SliSpec,
  StatusRule,
  ThresholdSliSpec,
  Thresholds,
  TimestampKeys,
  Verdict,
  WorkEvent,
  EventSource,
  EventsField,
} from './sli/types.js';
