/**
 * HTML that is escaped unless said otherwise: the `html` tag escapes every interpolated value
 * (text and attribute values alike, so attributes must be quoted) except values that are
 * themselves `html` fragments. A value from an event, an SLI or an attribute can therefore only
 * reach the page as text.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Escapes text for HTML content and for quoted attribute values: `& < > " '`. Lone surrogates
 * (which UTF-8 cannot carry) become U+FFFD, as the encoder would make them anyway.
 *
 * @example
 * escapeHtml('<img src=x onerror="alert(1)">'); // '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A fragment of HTML that is already safe: made only by {@link html} and {@link trustedHtml}. */
export class Html {
  /** @internal */
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: escaped text, numbers, fragments, lists of them; `null`, `undefined` and `false` add nothing. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * The tag: `` html`<td>${value}</td>` `` escapes `value`.
 *
 * @example
 * html`<a href="${url}">${label}</a>`.value;
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Markup written by slokit itself (the stylesheet, the script), never from data. */
export function trustedHtml(markup: string): Html {
  return new Html(markup);
}

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * The URL if it may become a link: an absolute `http:`/`https:` URL, or a root-relative path
 * (`/jaeger/trace/...`, not `//host`). Anything else (`javascript:`, `data:`, relative paths,
 * unparseable text) gives `undefined`, so the caller shows text instead of a link.
 *
 * @example
 * linkable('https://jaeger.example/trace/4bf92f'); // 'https://jaeger.example/trace/4bf92f'
 * linkable('javascript:alert(1)'); // undefined
 */
export function linkable(url: string): string | undefined {
  if (typeof url !== 'string' || url === '' || url.length > 8192) return undefined;
  if (url.startsWith('/')) {
    if (url.startsWith('//') || url.startsWith('/\\')) return undefined;
    return /\s/.test(url) || hasControl(url) ? undefined : url;
  }
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
