/**
 * Renders the SLO document as Markdown (GitHub-flavoured tables). Pure and deterministic. Text that
 * comes from the SLIs (descriptions, owners, rationales) is escaped, so that it reads as written and
 * cannot inject markup or HTML into a rendered page.
 */
import type { PolicyRule, SloDocument, SloDocumentSli } from './document.js';
import { durationWords, exactPercent, windowWords } from './numbers.js';
import { EXAMPLE_BURN_RATE } from './words.js';

/** Options of {@link renderSloDocument}. */
export interface RenderSloDocumentOptions {
  /** Lines for an HTML comment at the top, e.g. the command that regenerates the file. */
  readonly header?: string;
}

/**
 * The SLO document as Markdown, ending with a newline.
 *
 * @example
 * import { renderSloDocument, toSloDocument } from 'slokit/rules';
 * import { slis } from './slis.js';
 *
 * process.stdout.write(renderSloDocument(toSloDocument(slis, { service: 'shop' })));
 */
export function renderSloDocument(doc: SloDocument, options: RenderSloDocumentOptions = {}): string {
  const out: string[] = [];
  if (options.header !== undefined) {
    // "-->" would end the comment early.
    out.push(`<!--\n${options.header.replace(/-->/g, '-- >')}\n-->`, '');
  }
  const service = md(doc.service);
  out.push(`# SLO document: ${service}`, '');
  out.push(
    `The service level objectives of ${service}, generated from the SLIs declared in its code${doc.source === undefined ? '' : ` (\`${code(doc.source)}\`)`}, ` +
      'so that this document says exactly what the service measures and alerts on. It follows the ' +
      "example SLO document and error-budget policy of Google's _The Site Reliability Workbook_ " +
      '(appendices A and B).',
    '',
  );
  out.push(
    table(
      ['', ''],
      [
        ['Service', service],
        ['Owners', doc.owners.length === 0 ? '(none declared)' : doc.owners.map(md).join(', ')],
        ['SLIs', String(doc.slis.length)],
      ],
    ),
    '',
  );

  out.push('## Service overview', '');
  out.push(
    `${service} judges each of its events against ${doc.slis.length === 1 ? 'one SLI' : `${doc.slis.length} SLIs`} as it happens ` +
      '(with slokit) and exports the good and bad counts; Prometheus sums the counts of every instance ' +
      'and evaluates the error budgets and the burn-rate alerts below, generated from the same SLIs ' +
      '(`slokit rules`).',
    '',
  );

  out.push('## SLIs and SLOs', '');
  out.push(
    table(
      ['SLI', 'What is measured', 'Objective', 'Window', 'Owner'],
      doc.slis.map((sli) => [
        `[${sli.name}](#${anchor(sli.name)})`,
        md(sli.measures),
        exactPercent(sli.objective),
        windowWords(sli.windowMs),
        sli.owner === undefined ? '(none)' : md(sli.owner),
      ]),
    ),
    '',
  );

  for (const sli of doc.slis) out.push(...sliSection(sli));

  const { policy } = doc;
  out.push('## Error-budget policy', '');
  out.push('### Goals', '', ...policy.goals.map((goal) => `- ${goal}`), '');
  out.push('### Non-goals', '', ...policy.nonGoals.map((goal) => `- ${goal}`), '');
  const rules = (section: PolicyRule['section']): string =>
    table(
      ['When', 'Then'],
      policy.rules
        .filter((rule) => rule.section === section)
        .map((rule) => [cell(rule.when), cell(rule.then)]),
    );
  out.push('### SLO miss policy', '', rules('slo-miss'), '');
  out.push(
    `The deploy gate, run by the release pipeline before it ships (exit code 1 when an SLI has less than ${exactPercent(policy.freezeUnder)} of its budget left, 3 when Prometheus cannot answer):`,
    '',
    '```sh',
    policy.gate,
    '```',
    '',
  );
  out.push('### Outage policy', '', rules('outage'), '');
  out.push('### Escalation policy', '', policy.escalation, '');

  out.push('## Clarifications and caveats', '', ...doc.caveats.map((caveat) => `- ${caveat}`));
  return `${out.join('\n')}\n`;
}

function sliSection(sli: SloDocumentSli): string[] {
  const out: string[] = [`## ${sli.name}`, ''];
  if (sli.description !== undefined) out.push(sentence(md(sli.description)), '');
  out.push(`- **SLI:** ${md(sli.measures)}.`);
  out.push(`- **SLO:** ${sli.slo}.`);
  out.push(
    `- **Owner:** ${sli.owner === undefined ? '(none declared: give the SLI an `owner`)' : md(sli.owner)}`,
  );
  out.push(
    `- **Runbook:** ${sli.runbook === undefined ? '(none declared: give the SLI a `runbook`)' : link(sli.runbook)}`,
  );
  out.push('');
  out.push('### Rationale', '');
  out.push(
    sli.rationale === undefined
      ? '(None declared: give the SLI a `rationale` that says why this objective and threshold.)'
      : md(sli.rationale),
    '',
  );
  out.push('### Error budget', '', sli.budget.text, '');
  out.push('### Alerts', '');
  out.push(
    table(
      [
        'Alert',
        'Fires when',
        'When it fires',
        'Full outage fires it after',
        `A ${EXAMPLE_BURN_RATE}× burn fires it after`,
      ],
      sli.alerts.map((tier) => [
        tier.title,
        tier.condition,
        tier.meaning,
        durationWords(tier.fullOutageDetectionMs),
        tier.exampleBurnDetectionMs === null
          ? `never (${EXAMPLE_BURN_RATE}× is not above its factor)`
          : durationWords(tier.exampleBurnDetectionMs),
      ]),
    ),
    '',
  );
  out.push(
    'Pages go to the on-call engineer at any hour; tickets are handled in working hours. Each alert is `SlokitErrorBudgetBurn` with labels ' +
      `\`slokit_sli_name="${sli.name}"\`, \`severity\`, \`long_window\`${sli.owner === undefined ? ' and `short_window`' : ', `short_window` and `owner`'}.`,
    '',
  );
  return out;
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * User text as Markdown that reads as written: CommonMark backslash escapes for the characters that
 * start markup or HTML, and line breaks folded into spaces (table cells are one line).
 */
function md(text: string): string {
  return text.replace(/[\\`*[\]<>|&]/g, (c) => `\\${c}`).replace(/\s*[\r\n]+\s*/g, ' ');
}

/** slokit's own sentences in a table cell, code spans kept: only the cell separator is escaped. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Text for inside a code span. */
function code(text: string): string {
  return text.replace(/`/g, "'");
}

/** A runbook URL as a link when it is a plain http(s) URL, otherwise as escaped text. */
function link(url: string): string {
  return /^https?:\/\/[^\s<>()[\]]+$/.test(url) ? `<${url}>` : md(url);
}

/** GitHub's heading anchors: lower case, punctuation other than "-" and "_" dropped. */
function anchor(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_ -]/g, '')
    .replace(/ /g, '-');
}
