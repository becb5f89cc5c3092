// Reads the fenced code blocks of a Markdown page and the `<!-- doc-test: ... -->` comments that say
// how each is checked. The conventions are written down for contributors in CONTRIBUTING.md
// ("Code blocks in the docs"); this module is their one implementation.

/** How a code block is checked, by its info string (the word after the opening fence). */
export const LANGUAGES = {
  /** Type-checked against the package, then run (unless a directive says otherwise). */
  code: ['ts', 'js'],
  /** Parsed: a block that is not valid JSON / YAML fails. */
  data: ['json', 'jsonc', 'yaml'],
  /** Shown as written, never run: commands, program output, queries, configuration of other tools. */
  plain: ['sh', 'text', 'promql', 'diff', 'html', 'dockerfile', 'ini', 'md'],
} as const;

/** What the `<!-- doc-test: ... -->` comment above a code block says. */
export interface Directives {
  /** `file PATH`: the block is this file of the page's sandbox; later blocks import it (`./slis.js`). */
  readonly file: string | undefined;
  /**
   * `node` (the default for `ts`/`js`): run as an ES module, must finish without throwing;
   * `vitest` (`vitest`): a test file, run by vitest, every test must pass;
   * `none` (`no-run` or `type-errors`): type-checked only.
   */
  readonly run: 'node' | 'vitest' | 'none';
  /** `throws CODE`: the block must throw (or reject with) a `SlokitError` of this code. */
  readonly throws: string | undefined;
  /** `type-errors`: the block must have type errors on exactly the lines marked `// error`. */
  readonly typeErrors: boolean;
}

/** One code block of a page, or a hidden file (a `doc-test: file` comment with no block below). */
export interface DocBlock {
  /** The page, relative to the repository: `README.md`, `docs/cli.md`. */
  readonly page: string;
  /** Line (1-based) of the opening fence, or of the comment for a hidden file. */
  readonly line: number;
  /** The info string's first word, `''` when there is none. */
  readonly lang: string;
  /** The block's text, without the fences and the fence's indentation. */
  readonly code: string;
  /** Line (1-based) of the block's first line of code. */
  readonly codeLine: number;
  /** Hidden code the reader does not see, compiled and run before the block (the comment's body). */
  readonly prelude: string;
  /** Line (1-based) of the prelude's first line. */
  readonly preludeLine: number;
  /** A hidden file: the whole file is the comment's body. */
  readonly hidden: boolean;
  readonly directives: Directives;
}

/** A page's blocks, and what is wrong with its markup (each problem names page and line). */
export interface ParsedPage {
  readonly blocks: readonly DocBlock[];
  readonly problems: readonly string[];
}

const FENCE_RE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const COMMENT_START = '<!-- doc-test:';
const CODE_RE = /^SLOKIT_E_[A-Z0-9_]+$/;

interface PendingComment {
  readonly line: number;
  readonly words: readonly string[];
  readonly body: string;
  readonly bodyLine: number;
}

/** Parses a page's text into its code blocks. */
export function parsePage(page: string, text: string): ParsedPage {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  const problems: string[] = [];
  const at = (line: number): string => `${page}:${line}`;
  let pending: PendingComment | undefined;

  const flushHidden = (): void => {
    if (pending === undefined) return;
    const comment = pending;
    pending = undefined;
    const directives = parseDirectives(comment.words, at(comment.line), problems);
    if (directives === undefined) return;
    if (directives.file === undefined) {
      problems.push(
        `${at(comment.line)}: a doc-test comment must sit right above a code fence (blank lines between are fine), or name a hidden file ("doc-test: file helpers.ts")`,
      );
      return;
    }
    if (comment.body.trim() === '') {
      problems.push(`${at(comment.line)}: the hidden file ${directives.file} is empty`);
      return;
    }
    blocks.push({
      page,
      line: comment.line,
      lang: /\.m?js$/.test(directives.file) ? 'js' : 'ts',
      code: comment.body,
      codeLine: comment.bodyLine,
      prelude: '',
      preludeLine: comment.bodyLine,
      hidden: true,
      directives,
    });
  };

  for (let i = 0; i < lines.length; i++) {
    const lineText = lines[i]!;
    const fence = FENCE_RE.exec(lineText);
    if (fence !== null) {
      const [, indent, marker, info] = fence as unknown as [string, string, string, string];
      const close = lines.findIndex(
        (l, j) =>
          j > i && l.trim().startsWith(marker[0]!.repeat(marker.length)) && /^[`~]+\s*$/.test(l.trim()),
      );
      if (close === -1) {
        problems.push(`${at(i + 1)}: the code fence is never closed`);
        break;
      }
      const body = lines
        .slice(i + 1, close)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
        .join('\n');
      const lang = info.trim().split(/\s+/, 1)[0]!;
      // The comment applies to this fence when only blank lines lie between them (Prettier puts
      // one there).
      const comment = pending;
      pending = undefined;
      checkBlock(page, i + 1, lang, body, comment, blocks, problems);
      i = close;
      continue;
    }
    const trimmed = lineText.trim();
    if (trimmed.startsWith(COMMENT_START)) {
      flushHidden();
      let end = i;
      while (end < lines.length && !lines[end]!.includes('-->')) end++;
      if (end === lines.length) {
        problems.push(`${at(i + 1)}: the doc-test comment is never closed with -->`);
        break;
      }
      const indent = /^\s*/.exec(lineText)![0];
      const first = trimmed.slice(COMMENT_START.length);
      const oneLine = end === i;
      const head = oneLine ? first.slice(0, first.indexOf('-->')) : first;
      const bodyLines = oneLine
        ? []
        : lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      if (!oneLine && lines[end]!.trim() !== '-->') {
        problems.push(`${at(end + 1)}: put the closing --> of a doc-test comment on a line of its own`);
      }
      pending = {
        line: i + 1,
        words: head.trim().split(/\s+/).filter(Boolean),
        body: bodyLines.join('\n'),
        bodyLine: i + 2,
      };
      i = end;
      continue;
    }
    if (pending !== undefined && trimmed !== '') flushHidden();
  }
  flushHidden();
  return { blocks, problems };
}

function checkBlock(
  page: string,
  line: number,
  lang: string,
  code: string,
  comment: PendingComment | undefined,
  blocks: DocBlock[],
  problems: string[],
): void {
  const at = `${page}:${line}`;
  const known = [...LANGUAGES.code, ...LANGUAGES.data, ...LANGUAGES.plain] as readonly string[];
  if (lang === '') {
    problems.push(
      `${at}: a code block needs a language: ts or js (checked and run), json, jsonc or yaml (parsed), or ${LANGUAGES.plain.join(', ')} (shown as written; "text" for program output)`,
    );
    return;
  }
  if (!known.includes(lang)) {
    problems.push(
      `${at}: unknown code block language "${lang}"; use one of ${known.join(', ')} (see CONTRIBUTING.md, "Code blocks in the docs")`,
    );
    return;
  }
  let directives: Directives = { file: undefined, run: 'node', throws: undefined, typeErrors: false };
  if (comment !== undefined) {
    if (!(LANGUAGES.code as readonly string[]).includes(lang)) {
      problems.push(`${at}: doc-test directives apply to ts and js blocks only, not to "${lang}"`);
      return;
    }
    const parsed = parseDirectives(comment.words, `${page}:${comment.line}`, problems);
    if (parsed === undefined) return;
    directives = parsed;
  }
  blocks.push({
    page,
    line,
    lang,
    code,
    codeLine: line + 1,
    prelude: comment?.body ?? '',
    preludeLine: comment?.bodyLine ?? line,
    hidden: false,
    directives,
  });
}

function parseDirectives(words: readonly string[], at: string, problems: string[]): Directives | undefined {
  let file: string | undefined;
  let run: Directives['run'] = 'node';
  let throws: string | undefined;
  let typeErrors = false;
  const fail = (message: string): undefined => {
    problems.push(`${at}: ${message}`);
    return undefined;
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    switch (word) {
      case 'file': {
        const name = words[++i];
        if (name === undefined || !/^[\w-]+(\/[\w-]+)*(\.test)?\.(ts|mts|mjs|js)$/.test(name)) {
          return fail(
            `"file" needs a relative path such as slis.ts or src/slis.ts; got ${name ?? 'nothing'}`,
          );
        }
        file = name;
        break;
      }
      case 'no-run':
        run = 'none';
        break;
      case 'vitest':
        run = 'vitest';
        break;
      case 'type-errors':
        typeErrors = true;
        run = 'none';
        break;
      case 'throws': {
        const code = words[++i];
        if (code === undefined || !CODE_RE.test(code)) {
          return fail(`"throws" needs an error code such as SLOKIT_E_OBJECTIVE; got ${code ?? 'nothing'}`);
        }
        throws = code;
        break;
      }
      default:
        return fail(
          `unknown doc-test directive "${word}"; expected file PATH, no-run, vitest, throws CODE or type-errors`,
        );
    }
  }
  const modes = [run === 'vitest', throws !== undefined, typeErrors, run === 'none' && !typeErrors];
  if (modes.filter(Boolean).length > 1) {
    return fail('use one of no-run, vitest, throws CODE and type-errors, not several');
  }
  if (run === 'vitest' && file !== undefined && !file.includes('.test.')) {
    return fail(`a vitest block's file must be named *.test.ts; got ${file}`);
  }
  return { file, run, throws, typeErrors };
}
