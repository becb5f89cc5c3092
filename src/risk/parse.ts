// Validation of a risk catalogue. Everything is checked before anything is computed, and every
// problem is a SlokitRiskError naming the risk and the field. Durations and objectives go through
// slokit's one duration parser and one objective parser; only fractions and frequencies are read
// here, because nothing else in slokit has them.

import { SlokitError, SlokitRiskError, describeValue } from '../errors.js';
import type { SlokitErrorCode } from '../errors.js';
import { parseDuration } from '../sli/duration.js';
import { formatObjective, parseObjective } from '../sli/objective.js';
import type { FrequencyUnit } from './types.js';

/** Days in a year: 365.25, the average calendar year, so that leap years are counted too. */
export const DAYS_PER_YEAR = 365.25;

/** Minutes in a year of 365.25 days: 365.25 × 24 × 60 = 525,960. */
export const MINUTES_PER_YEAR = 525_960;

const MS_PER_MINUTE = 60_000;
const MS_PER_YEAR = MINUTES_PER_YEAR * MS_PER_MINUTE;

/** The default `maxShare`: a single risk above a quarter of the budget is flagged. */
export const DEFAULT_MAX_SHARE = 0.25;

/**
 * Incidents per year for one incident per unit. A year is 365.25 days (so a week is 365.25 / 7 =
 * 52.18 per year, the same as an ETTF of 7 days); a month is a twelfth of a year and a quarter a
 * fourth, so `"1/month"` is exactly 12 incidents a year.
 */
const PER_YEAR: Readonly<Record<FrequencyUnit, number>> = {
  day: DAYS_PER_YEAR,
  week: DAYS_PER_YEAR / 7,
  month: 12,
  quarter: 4,
  year: 1,
};

const FREQUENCY_RE = /^(\d+(?:\.\d+)?|\.\d+)\/(day|week|month|quarter|year)$/;
const PERCENT_RE = /^(\d+(?:\.\d+)?|\.\d+)%$/;
// Control characters (newlines, tabs, escapes) would break the table and the Markdown.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

const INPUT_KEYS = new Set(['objective', 'objectives', 'maxShare', 'risks']);
const RISK_KEYS = new Set([
  'name',
  'description',
  'ettd',
  'ettr',
  'impact',
  'frequency',
  'ettf',
  'mitigations',
]);
const MITIGATION_KEYS = new Set(['name', 'description', 'ettd', 'ettr', 'impact', 'frequency', 'ettf']);
const CHANGES = ['ettd', 'ettr', 'impact', 'frequency', 'ettf'] as const;

/** A risk (or a risk with one mitigation applied) in numbers, before any objective. */
export interface RiskParameters {
  readonly name: string;
  readonly description: string | undefined;
  readonly ettdMinutes: number;
  readonly ettrMinutes: number;
  readonly impact: number;
  readonly incidentsPerYear: number;
}

/** A validated risk with its validated mitigations. */
export interface ParsedRisk extends RiskParameters {
  readonly mitigations: readonly RiskParameters[];
}

/** The validated input of `analyzeRisks`. */
export interface ParsedRiskInput {
  readonly objectives: readonly number[];
  readonly maxShare: number;
  readonly risks: readonly ParsedRisk[];
}

// Where a problem is: the risk's name for SlokitRiskError.risk, a prefix for the message, and the
// path of the field inside the risk.
interface Place {
  readonly risk: string | undefined;
  readonly label: string;
  readonly path: string;
}

function fail(code: SlokitErrorCode, place: Place, field: string, detail: string): never {
  const path = place.path === '' ? field : field === '' ? place.path : `${place.path}.${field}`;
  const label = [place.label, field].filter((part) => part !== '').join(': ');
  throw new SlokitRiskError(code, place.risk, path, `${label}: ${detail}`);
}

/** Runs slokit's own parsers and re-throws their errors as SlokitRiskError, keeping code and message. */
function within<T>(place: Place, field: string, parse: (label: string) => T): T {
  const label = [place.label, field].filter((part) => part !== '').join(': ');
  try {
    return parse(label);
  } catch (error) {
    if (!(error instanceof SlokitError)) throw error;
    const path = place.path === '' ? field : `${place.path}.${field}`;
    const message = error.message.endsWith(` [${error.code}]`)
      ? error.message.slice(0, -(error.code.length + 3))
      : error.message;
    throw new SlokitRiskError(error.code, place.risk, path, message, { cause: error });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, place: Place): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) {
      fail('SLOKIT_E_RISK_FIELD', place, key, `unknown key; expected one of ${[...allowed].join(', ')}`);
    }
  }
}

/** `99.5` → `0.995` without binary noise (99.5 / 100 would be fine, 14.000000000000002 / 100 not). */
function percentToFraction(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}

/**
 * Reads a fraction given as a number (`0.05`) or a percentage string (`"5%"`), in [0, 1] or, without
 * `allowZero`, in (0, 1]. A number above 1 and at most 100 gets a hint, because `5` almost always
 * means 5%.
 */
function parseFraction(
  input: unknown,
  code: SlokitErrorCode,
  place: Place,
  field: string,
  allowZero: boolean,
): number {
  const range = allowZero ? 'between 0 and 1' : 'above 0 and at most 1';
  const percentRange = allowZero ? '0% to 100%' : 'above 0%, at most 100%';
  let value: number;
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input > 1 && input <= 100) {
      fail(
        code,
        place,
        field,
        `expected a fraction ${range} or a percentage string; got the number ${input}. Did you mean ${percentToFraction(input)} or "${input}%"?`,
      );
    }
    value = input;
  } else if (typeof input === 'string' && PERCENT_RE.test(input)) {
    value = percentToFraction(Number(PERCENT_RE.exec(input)![1]));
  } else {
    fail(
      code,
      place,
      field,
      `expected a fraction ${range} (0.05) or a percentage string ("5%", ${percentRange}); got ${describeValue(input)}`,
    );
  }
  if (!(allowZero ? value >= 0 : value > 0) || !(value <= 1)) {
    fail(code, place, field, `expected a fraction ${range} (${percentRange}); got ${describeValue(input)}`);
  }
  return value;
}

/** Reads `"1/week"`-style frequencies into incidents per year. */
function parseFrequency(input: unknown, place: Place, field: string): number {
  const expected =
    'expected incidents per period such as "1/week", "12/year", "2/month", "3/day", "1/quarter" or "0.5/year"';
  if (typeof input === 'number') {
    fail(
      'SLOKIT_E_RISK_FREQUENCY',
      place,
      field,
      `${expected}; got the number ${input}. Write the period: "${input}/year", or give an estimated time to failure as ettf: "30d"`,
    );
  }
  const match = typeof input === 'string' ? FREQUENCY_RE.exec(input) : null;
  if (match === null) {
    fail('SLOKIT_E_RISK_FREQUENCY', place, field, `${expected}; got ${describeValue(input)}`);
  }
  const count = Number(match[1]);
  const perYear = count * PER_YEAR[match[2] as FrequencyUnit];
  if (count === 0) {
    fail(
      'SLOKIT_E_RISK_FREQUENCY',
      place,
      field,
      `a frequency of zero means the risk never happens; remove the risk or give how often it does happen; got ${describeValue(input)}`,
    );
  }
  if (!Number.isFinite(perYear)) {
    fail('SLOKIT_E_RISK_FREQUENCY', place, field, `${describeValue(input)} is too large to be a frequency`);
  }
  return perYear;
}

/**
 * A bare number where a duration belongs has no unit; the hint names the unit these estimates are
 * usually given in (minutes for ETTD and ETTR, days for ETTF) rather than milliseconds.
 */
function failUnitless(input: number | string, place: Place, field: string, unit: 'm' | 'd'): never {
  const usual = unit === 'm' ? 'minutes' : 'days';
  const others = unit === 'm' ? `"${input}s" or "${input}h"` : `"${input}h" or "${input}w"`;
  const got = typeof input === 'number' ? `the number ${input}` : `"${input}"`;
  fail(
    'SLOKIT_E_DURATION',
    place,
    field,
    `expected a duration with its unit; got ${got}. ${field.toUpperCase()} is usually given in ${usual}: did you mean "${input}${unit}" (or ${others})?`,
  );
}

/** A positive number, or a string of one, where a duration belongs. */
function isUnitless(input: unknown): input is number | string {
  if (typeof input === 'number') return Number.isFinite(input) && input > 0;
  return typeof input === 'string' && /^(\d+(\.\d+)?|\.\d+)$/.test(input) && Number(input) > 0;
}

/** Reads an ETTF (a duration, greater than zero) into incidents per year. */
function parseEttf(input: unknown, place: Place, field: string): number {
  if (isUnitless(input)) failUnitless(input, place, field, 'd');
  const ms = within(place, field, (label) => parseDuration(input, label));
  if (ms === 0) {
    fail(
      'SLOKIT_E_RISK_FREQUENCY',
      place,
      field,
      `an estimated time to failure of zero would mean incidents without pause; expected a positive duration such as "7d" or "90d"; got ${describeValue(input)}`,
    );
  }
  return MS_PER_YEAR / ms;
}

/** ETTD and ETTR: slokit durations in minutes; `0` may be written without a unit. */
function parseMinutes(input: unknown, place: Place, field: string): number {
  if (input === 0) return 0;
  if (isUnitless(input)) failUnitless(input, place, field, 'm');
  return within(place, field, (label) => parseDuration(input, label)) / MS_PER_MINUTE;
}

function parseName(input: unknown, place: Place): string {
  if (typeof input !== 'string' || input.trim() === '' || CONTROL_RE.test(input)) {
    fail(
      'SLOKIT_E_RISK_NAME',
      place,
      'name',
      `expected a non-empty name on one line, e.g. "bad deploy"; got ${describeValue(input)}`,
    );
  }
  return input;
}

function parseDescription(input: unknown, place: Place): string | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'string') {
    fail('SLOKIT_E_RISK_FIELD', place, 'description', `expected a string; got ${describeValue(input)}`);
  }
  return input;
}

/** Incidents per year from at most one of `frequency` and `ettf`; `undefined` when neither is given. */
function parseHowOften(spec: Record<string, unknown>, place: Place): number | undefined {
  const hasFrequency = spec.frequency !== undefined;
  const hasEttf = spec.ettf !== undefined;
  if (hasFrequency && hasEttf) {
    fail(
      'SLOKIT_E_RISK_FREQUENCY',
      place,
      'frequency',
      'give either frequency ("1/week") or ettf ("7d"), not both',
    );
  }
  if (hasFrequency) return parseFrequency(spec.frequency, place, 'frequency');
  if (hasEttf) return parseEttf(spec.ettf, place, 'ettf');
  return undefined;
}

function parseMitigation(
  input: unknown,
  risk: RiskParameters,
  riskPlace: Place,
  index: number,
): RiskParameters {
  const basePlace: Place = {
    risk: risk.name,
    label: `${riskPlace.label}: mitigations[${index}]`,
    path: `mitigations[${index}]`,
  };
  if (!isRecord(input)) {
    fail(
      'SLOKIT_E_RISK_FIELD',
      basePlace,
      '',
      `expected a mitigation object { name, ettd?, ettr?, impact?, frequency? | ettf? }; got ${describeValue(input)}`,
    );
  }
  const name = parseName(input.name, basePlace);
  const place: Place = { ...basePlace, label: `${riskPlace.label}, mitigation ${JSON.stringify(name)}` };
  checkKeys(input, MITIGATION_KEYS, place);
  if (!CHANGES.some((key) => input[key] !== undefined)) {
    fail(
      'SLOKIT_E_RISK_MITIGATION',
      place,
      '',
      'a mitigation must change at least one of ettd, ettr, impact, frequency or ettf',
    );
  }
  const description = parseDescription(input.description, place);
  const ettdMinutes = input.ettd === undefined ? risk.ettdMinutes : parseMinutes(input.ettd, place, 'ettd');
  const ettrMinutes = input.ettr === undefined ? risk.ettrMinutes : parseMinutes(input.ettr, place, 'ettr');
  const impact =
    input.impact === undefined
      ? risk.impact
      : parseFraction(input.impact, 'SLOKIT_E_RISK_IMPACT', place, 'impact', true);
  const incidentsPerYear = parseHowOften(input, place) ?? risk.incidentsPerYear;
  return checkFinite({ name, description, ettdMinutes, ettrMinutes, impact, incidentsPerYear }, place);
}

/** Each estimate is finite, but their product may not be: reject rather than print Infinity. */
function checkFinite(risk: RiskParameters, place: Place): RiskParameters {
  const badMinutesPerYear = (risk.ettdMinutes + risk.ettrMinutes) * risk.impact * risk.incidentsPerYear;
  if (!Number.isFinite(badMinutesPerYear)) {
    fail(
      'SLOKIT_E_RISK_FIELD',
      place,
      '',
      'the estimates are too large: their bad minutes per year are not a finite number',
    );
  }
  return risk;
}

function parseRisk(input: unknown, index: number, seen: Map<string, number>): ParsedRisk {
  const indexPlace: Place = { risk: `risks[${index}]`, label: `risks[${index}]`, path: '' };
  if (!isRecord(input)) {
    fail(
      'SLOKIT_E_RISK_FIELD',
      indexPlace,
      '',
      `expected a risk object { name, ettd, ettr, impact, frequency | ettf, mitigations? }; got ${describeValue(input)}`,
    );
  }
  const name = parseName(input.name, indexPlace);
  const place: Place = { risk: name, label: `risk ${JSON.stringify(name)}`, path: '' };
  const earlier = seen.get(name);
  if (earlier !== undefined) {
    fail(
      'SLOKIT_E_RISK_NAME',
      place,
      'name',
      `risks[${index}] has the same name as risks[${earlier}]; names must be unique`,
    );
  }
  seen.set(name, index);
  checkKeys(input, RISK_KEYS, place);
  const risk: RiskParameters = checkFinite(
    {
      name,
      description: parseDescription(input.description, place),
      ettdMinutes: parseMinutes(input.ettd, place, 'ettd'),
      ettrMinutes: parseMinutes(input.ettr, place, 'ettr'),
      impact: parseFraction(input.impact, 'SLOKIT_E_RISK_IMPACT', place, 'impact', true),
      incidentsPerYear:
        parseHowOften(input, place) ??
        fail(
          'SLOKIT_E_RISK_FREQUENCY',
          place,
          'frequency',
          'missing: give how often the risk happens as frequency ("1/week", "12/year") or as an estimated time to failure, ettf ("7d")',
        ),
    },
    place,
  );
  const mitigations: RiskParameters[] = [];
  if (input.mitigations !== undefined) {
    if (!Array.isArray(input.mitigations)) {
      fail(
        'SLOKIT_E_RISK_FIELD',
        place,
        'mitigations',
        `expected a list of mitigations; got ${describeValue(input.mitigations)}`,
      );
    }
    const names = new Set<string>();
    (input.mitigations as unknown[]).forEach((spec, i) => {
      const mitigation = parseMitigation(spec, risk, place, i);
      if (names.has(mitigation.name)) {
        fail(
          'SLOKIT_E_RISK_NAME',
          place,
          `mitigations[${i}].name`,
          `the mitigation name ${JSON.stringify(mitigation.name)} is used twice; names must be unique within a risk`,
        );
      }
      names.add(mitigation.name);
      mitigations.push(mitigation);
    });
  }
  return { ...risk, mitigations };
}

const TOP: Place = { risk: undefined, label: 'risk analysis', path: '' };

function parseObjectives(input: Record<string, unknown>): number[] {
  if (input.objective !== undefined && input.objectives !== undefined) {
    fail('SLOKIT_E_OBJECTIVE', TOP, 'objective', 'give either objective or objectives, not both');
  }
  if (input.objective !== undefined) {
    return [within(TOP, 'objective', (label) => parseObjective(input.objective, label))];
  }
  if (input.objectives === undefined) {
    fail(
      'SLOKIT_E_OBJECTIVE',
      TOP,
      'objective',
      'missing: give the objective to measure the risks against, e.g. objective: "99.9%", or several as objectives: ["99.9%", "99.95%"]',
    );
  }
  if (!Array.isArray(input.objectives) || input.objectives.length === 0) {
    fail(
      'SLOKIT_E_OBJECTIVE',
      TOP,
      'objectives',
      `expected a non-empty list of objectives such as ["99.9%", "99.95%"]; got ${describeValue(input.objectives)}`,
    );
  }
  const objectives: number[] = [];
  (input.objectives as unknown[]).forEach((spec, i) => {
    const objective = within(TOP, `objectives[${i}]`, (label) => parseObjective(spec, label));
    if (objectives.includes(objective)) {
      fail('SLOKIT_E_OBJECTIVE', TOP, `objectives[${i}]`, `${formatObjective(objective)} is listed twice`);
    }
    objectives.push(objective);
  });
  return objectives;
}

/** Validates the whole input of `analyzeRisks`; throws the first problem found as a SlokitRiskError. */
export function parseRiskInput(input: unknown): ParsedRiskInput {
  if (!isRecord(input)) {
    fail(
      'SLOKIT_E_RISK_FIELD',
      TOP,
      '',
      `expected an object { objective | objectives, maxShare?, risks }; got ${describeValue(input)}`,
    );
  }
  checkKeys(input, INPUT_KEYS, TOP);
  const objectives = parseObjectives(input);
  const maxShare = input.maxShare === undefined ? DEFAULT_MAX_SHARE : parseMaxShare(input.maxShare);
  if (!Array.isArray(input.risks) || input.risks.length === 0) {
    fail(
      'SLOKIT_E_RISK_FIELD',
      TOP,
      'risks',
      `expected a non-empty list of risks { name, ettd, ettr, impact, frequency | ettf }; got ${describeValue(input.risks)}`,
    );
  }
  const seen = new Map<string, number>();
  const risks = (input.risks as unknown[]).map((risk, index) => parseRisk(risk, index, seen));
  return { objectives, maxShare, risks };
}

/**
 * Reads a `maxShare`: a fraction in (0, 1] or a percentage string (`"25%"`).
 *
 * @param flag - the command-line flag it came from, named in the error instead of `maxShare`.
 * @throws SlokitRiskError `SLOKIT_E_RISK_MAX_SHARE`
 */
export function parseMaxShare(input: unknown, flag?: string): number {
  return flag === undefined
    ? parseFraction(input, 'SLOKIT_E_RISK_MAX_SHARE', TOP, 'maxShare', false)
    : parseFraction(input, 'SLOKIT_E_RISK_MAX_SHARE', { risk: undefined, label: '', path: '' }, flag, false);
}
