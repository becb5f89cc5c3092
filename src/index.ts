// The root entry of slokit. Explicit named exports only; types apart.

export { defineSli, isSli } from './sli/define.js';
export { classify, explainVerdict } from './sli/classify.js';
export { parseDuration, formatDuration } from './sli/duration.js';
export { parseObjective, formatObjective } from './sli/objective.js';
export {
  SlokitError,
  SlokitDefinitionError,
  SlokitClassifierError,
  ERROR_CODES,
} from './errors.js';

export type { Duration, DurationUnit } from './sli/duration.js';
export type { VerdictExplanation } from './sli/classify.js';
export type { SlokitErrorCode } from './errors.js';
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
} from './sli/types.js';
