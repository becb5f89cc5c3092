import { SlokitDefinitionError, describeValue } from '../errors.js';
import type { StatusRule } from './types.js';

/** The lowest and highest status codes a rule may name (RFC 9110 §15: three digits, 1xx–5xx). */
const MIN_STATUS = 100;
const MAX_STATUS = 599;

/**
 * The default status rule of a threshold SLI: every status is good but 5xx and 429.
 * 429 counts against the service because a service that sheds load has failed its user; teams whose
 * 429s enforce per-client quotas set `status: '<500'` instead.
 */
export const DEFAULT_STATUS_RULES: readonly string[] = Object.freeze(['100-428', '430-499']);
export const DEFAULT_STATUS_TEXT = 'not 5xx or 429';

/** A compiled status rule: `table[status] === 1` when the status is good. */
export interface CompiledStatusRule {
  readonly rules: readonly string[];
  readonly text: string;
  readonly table: Uint8Array;
}

const CLASS_RE = /^([1-5])xx$/i;
const COMPARE_RE = /^(<=|>=|<|>)\s*(\d{3})$/;
const RANGE_RE = /^(\d{3})\s*-\s*(\d{3})$/;
const EXACT_RE = /^\d{3}$/;

/**
 * Compiles a status rule into a lookup table over 100–599. Statuses outside that range are never
 * good.
 *
 * @throws SlokitDefinitionError `SLOKIT_E_STATUS_RULE`
 */
export function compileStatusRule(input: StatusRule | undefined, field = 'good.status'): CompiledStatusRule {
  if (input === undefined) return compileRules(DEFAULT_STATUS_RULES, DEFAULT_STATUS_TEXT, field);
  const list = Array.isArray(input) ? (input as readonly (string | number)[]) : [input as string | number];
  if (list.length === 0) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_STATUS_RULE',
      `${field}: expected at least one status rule such as "2xx", "<500" or "200-299"; got an empty list`,
    );
  }
  const rules = list.map((rule) => (typeof rule === 'number' ? String(rule) : rule));
  return compileRules(rules, undefined, field);
}

/** `text` defaults to the rules as normalised (`' 2XX'` reads `2xx`), joined with "or". */
function compileRules(
  rules: readonly unknown[],
  text: string | undefined,
  field: string,
): CompiledStatusRule {
  const table = new Uint8Array(MAX_STATUS + 1);
  const normalized: string[] = [];
  for (const rule of rules) {
    const [from, to, spelled] = parseRule(rule, field);
    for (let code = from; code <= to; code++) table[code] = 1;
    normalized.push(spelled);
  }
  return { rules: Object.freeze(normalized), text: text ?? normalized.join(' or '), table };
}

function parseRule(rule: unknown, field: string): [number, number, string] {
  if (typeof rule !== 'string') return fail(rule, field);
  const spelled = rule.trim();
  let match: RegExpExecArray | null;
  if ((match = CLASS_RE.exec(spelled)) !== null) {
    const hundreds = Number(match[1]) * 100;
    return [hundreds, hundreds + 99, `${match[1]}xx`];
  }
  if ((match = COMPARE_RE.exec(spelled)) !== null) {
    const op = match[1];
    const code = checkCode(Number(match[2]), rule, field);
    if (op === '<') return [MIN_STATUS, code - 1, `<${code}`];
    if (op === '<=') return [MIN_STATUS, code, `<=${code}`];
    if (op === '>') return [code + 1, MAX_STATUS, `>${code}`];
    return [code, MAX_STATUS, `>=${code}`];
  }
  if ((match = RANGE_RE.exec(spelled)) !== null) {
    const from = checkCode(Number(match[1]), rule, field);
    const to = checkCode(Number(match[2]), rule, field);
    if (from > to) {
      throw new SlokitDefinitionError(
        'SLOKIT_E_STATUS_RULE',
        `${field}: the range ${JSON.stringify(spelled)} runs backwards; expected the lower code first, e.g. "200-299"`,
      );
    }
    return [from, to, `${from}-${to}`];
  }
  if (EXACT_RE.test(spelled)) {
    const code = checkCode(Number(spelled), rule, field);
    return [code, code, String(code)];
  }
  return fail(rule, field);
}

function checkCode(code: number, rule: unknown, field: string): number {
  if (code < MIN_STATUS || code > MAX_STATUS) {
    throw new SlokitDefinitionError(
      'SLOKIT_E_STATUS_RULE',
      `${field}: ${describeValue(rule)} names status ${code}; expected codes from ${MIN_STATUS} to ${MAX_STATUS}`,
    );
  }
  return code;
}

function fail(rule: unknown, field: string): never {
  throw new SlokitDefinitionError(
    'SLOKIT_E_STATUS_RULE',
    `${field}: expected a status rule such as "2xx", "<500", "<=499", ">=200", "200-299" or 204; got ${describeValue(rule)}`,
  );
}
