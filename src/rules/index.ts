// slokit/rules: Prometheus rules, Sloth specs, Pyrra resources and OpenSLO documents generated from
// the same SLIs the process judges its events with. Pure generators returning plain objects; YAML
// only in toYaml. Explicit named exports only; types apart.

export { toPrometheusRules } from './prometheus.js';
export { toSlothSpec } from './sloth.js';
export { toPyrraSlos } from './pyrra.js';
export { toOpenSlo } from './openslo.js';
export { toYaml } from './yaml.js';
export { toSloDocument } from '../doc/document.js';
export { renderSloDocument } from '../doc/markdown.js';
export { DEFAULT_MIN_EVENTS } from '../budget/alerts.js';
export { WORKBOOK_TIERS } from '../budget/alert-table.js';

export type { RulesOptions, RulesWarning } from './plan.js';
export type {
  PrometheusAlertingRule,
  PrometheusRecordingRule,
  PrometheusRuleFile,
  PrometheusRuleGroup,
  PrometheusRulesOptions,
} from './prometheus.js';
export type { SlothAlert, SlothSlo, SlothSpec, SlothSpecOptions } from './sloth.js';
export type { PyrraSlo, PyrraSlosOptions } from './pyrra.js';
export type {
  OpenSloDocument,
  OpenSloMetricSource,
  OpenSloOptions,
  OpenSloService,
  OpenSloSli,
  OpenSloSlo,
} from './openslo.js';
export type { ToYamlOptions } from './yaml.js';
export type {
  ErrorBudgetPolicy,
  PolicyRule,
  SloDocument,
  SloDocumentBudget,
  SloDocumentOptions,
  SloDocumentSli,
} from '../doc/document.js';
export type { RenderSloDocumentOptions } from '../doc/markdown.js';
export type { TierWords } from '../doc/words.js';
export type { BurnTierSpec } from '../budget/alert-table.js';
