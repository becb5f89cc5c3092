/**
 * The page's only stylesheet and script, inline and constant: the handler allows exactly these two
 * by their SHA-256 hashes in its Content-Security-Policy, so nothing else (no injected markup, no
 * inline handler, no `style` attribute) can run or style the page.
 */

/** The stylesheet: light and dark by `prefers-color-scheme`, one column that fits a phone. */
export const STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--card:#f6f8fa;
--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--link:#0969da;--on-bad:#fff;--on-warn:#fff;--chart:#0969da;
--font:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;
--card:#161b22;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--link:#4493f8;--on-bad:#0d1117;--on-warn:#0d1117;
--chart:#4493f8}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 var(--font)}
.wrap{max-width:64rem;margin:0 auto;padding:1rem}
a{color:var(--link)}
a:focus-visible,summary:focus-visible,input:focus-visible,.scroll:focus-visible{outline:2px solid var(--link);outline-offset:2px}
h1{font-size:1.4rem;margin:0 0 .25rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:0;overflow-wrap:anywhere}
h3{font-size:1rem;margin:1.25rem 0 .5rem}
p{margin:.4rem 0}
code,.mono{font-family:var(--mono);font-size:.9em}
.muted,.note{color:var(--muted)}
.note{font-size:.9rem}
.v{overflow-wrap:anywhere;unicode-bidi:isolate}
header.page{border-bottom:1px solid var(--line);margin-bottom:1rem;padding-bottom:.75rem}
.meta{display:flex;flex-wrap:wrap;gap:.25rem 1rem;font-size:.9rem;color:var(--muted)}
.controls{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;font-size:.9rem;margin-top:.5rem}
.controls label{display:inline-flex;gap:.35rem;align-items:center}
.banner{border:1px solid var(--line);border-left:6px solid var(--ok);border-radius:6px;padding:.6rem .8rem;
margin:0 0 1rem;background:var(--card);font-weight:600}
.banner.state-page,.banner.state-spent{border-left-color:var(--bad)}
.banner.state-ticket,.banner.state-burning{border-left-color:var(--warn)}
.banner.state-no-data{border-left-color:var(--muted)}
.badge{display:inline-block;border-radius:999px;padding:0 .55rem;font-size:.75rem;font-weight:700;
letter-spacing:.03em;text-transform:uppercase;vertical-align:middle;border:1px solid currentColor;white-space:nowrap}
.badge.state-page{background:var(--bad);border-color:var(--bad);color:var(--on-bad)}
.badge.state-ticket{background:var(--warn);border-color:var(--warn);color:var(--on-warn)}
.badge.state-spent{color:var(--bad)}
.badge.state-burning{color:var(--warn)}
.badge.state-ok{color:var(--ok)}
.badge.state-no-data{color:var(--muted)}
section.sli{border:1px solid var(--line);border-radius:8px;padding:.9rem;margin:0 0 1.25rem}
.sli-head{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.alerts{list-style:none;padding:0;margin:.6rem 0;display:grid;gap:.35rem}
.alerts li{border-radius:6px;padding:.35rem .6rem;background:var(--card);border:1px solid var(--line)}
.alerts li.firing{border-color:var(--bad);border-left:6px solid var(--bad)}
.alerts li.firing.ticket{border-color:var(--warn);border-left-color:var(--warn)}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.5rem;margin:.75rem 0}
.figures div{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.4rem .6rem}
.figures dt{font-size:.8rem;color:var(--muted)}
.figures dd{margin:0;font-size:1.15rem;font-weight:600;font-variant-numeric:tabular-nums}
.figures dd small{font-size:.8rem;font-weight:400;color:var(--muted)}
.bad-text{color:var(--bad)}
.warn-text{color:var(--warn)}
.ok-text{color:var(--ok)}
figure{margin:.75rem 0}
figcaption{font-size:.85rem;color:var(--muted)}
.chart{display:grid;grid-template-columns:auto 1fr;gap:0 .4rem;align-items:stretch}
.chart .y{display:flex;flex-direction:column;justify-content:space-between;font-size:.75rem;color:var(--muted);
text-align:right;font-variant-numeric:tabular-nums;line-height:1}
.chart .x{grid-column:2;display:flex;justify-content:space-between;font-size:.75rem;color:var(--muted)}
.chart svg{display:block;width:100%;height:9rem;border:1px solid var(--line);border-radius:4px;background:var(--card)}
.chart .grid{stroke:var(--line);stroke-width:1}
.chart .zero{stroke:var(--muted);stroke-width:1;stroke-dasharray:4 3}
.chart .line{fill:none;stroke:var(--chart);stroke-width:2}
.chart .area{fill:var(--chart);opacity:.12}
.chart .over{fill:var(--bad);opacity:.15}
.scroll{overflow-x:auto;margin:.5rem 0;position:relative}
table{border-collapse:collapse;width:100%;font-size:.9rem;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
thead th{font-size:.8rem;color:var(--muted);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
tr.above td.rate,td.above{color:var(--bad);font-weight:600}
.bar{display:block;width:7rem;height:.8rem}
.bar .track{fill:var(--line)}
.bar .fill{fill:var(--chart)}
.bar .fill.hot{fill:var(--bad)}
.bar .mark{stroke:var(--fg);stroke-width:2}
details{margin:.5rem 0}
summary{cursor:pointer}
dl.attrs{display:grid;grid-template-columns:minmax(6rem,max-content) 1fr;gap:.1rem .75rem;margin:.4rem 0;font-size:.85rem}
dl.attrs dt{color:var(--muted);overflow-wrap:anywhere}
dl.attrs dd{margin:0;font-family:var(--mono);overflow-wrap:anywhere}
.findings li{margin:.2rem 0}
footer{border-top:1px solid var(--line);margin-top:1.5rem;padding-top:.75rem;font-size:.85rem;color:var(--muted)}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media (max-width:40rem){body{font-size:14px}.note{font-size:.8rem}.wrap{padding:.6rem}section.sli{padding:.6rem}
th,td{padding:.25rem .35rem}.bar{width:4.5rem}}
@media (prefers-reduced-motion:reduce){*{scroll-behavior:auto}}
`;

/**
 * The refresh: every `data-refresh` seconds, while the tab is visible and the box is ticked, fetch
 * this same URL and swap the header's figures, its note on the fleet and `<main>` in place: the scroll position and open
 * `<details>` stay. Postponed while the reader is selecting text or has moved the keyboard focus
 * into the content (swapping it would lose their place). Without JavaScript the page is complete; it just does not update itself.
 */
export const SCRIPT = `
(() => {
  'use strict';
  const seconds = Number(document.documentElement.dataset.refresh);
  const control = document.getElementById('refresh');
  if (!(seconds > 0) || control === null) return;
  const box = control.querySelector('input');
  const note = document.getElementById('refresh-note');
  const key = 'slokit.status.refresh';
  try { if (sessionStorage.getItem(key) === 'off') box.checked = false; } catch {}
  box.addEventListener('change', () => {
    try { sessionStorage.setItem(key, box.checked ? 'on' : 'off'); } catch {}
  });
  control.hidden = false;
  const busy = () => {
    const selection = window.getSelection();
    if (selection !== null && !selection.isCollapsed) return true;
    const main = document.querySelector('main');
    const focused = document.activeElement;
    return main !== null && focused !== null && focused !== main && main.contains(focused) && focused.matches(':focus-visible');
  };
  const swap = async () => {
    const response = await fetch(location.href, {
      headers: { accept: 'text/html' }, cache: 'no-store', credentials: 'same-origin',
    });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const next = new DOMParser().parseFromString(await response.text(), 'text/html');
    const open = Array.from(document.querySelectorAll('details[open][id]'), (d) => d.id);
    for (const id of ['updated', 'fleet', 'content']) {
      const current = document.getElementById(id);
      const fresh = next.getElementById(id);
      if (current !== null && fresh !== null) current.replaceWith(document.adoptNode(fresh));
    }
    for (const id of open) document.getElementById(id)?.setAttribute('open', '');
    document.title = next.title;
    const icon = next.querySelector('link[rel="icon"]');
    const currentIcon = document.querySelector('link[rel="icon"]');
    if (icon !== null && currentIcon !== null) currentIcon.setAttribute('href', icon.getAttribute('href'));
    note.textContent = '';
  };
  const tick = () => {
    const due = box.checked && !document.hidden && !busy();
    (due ? swap() : Promise.resolve())
      .catch((error) => { note.textContent = 'Could not update (' + error.message + '); showing older figures.'; })
      .finally(() => setTimeout(tick, seconds * 1000));
  };
  setTimeout(tick, seconds * 1000);
})();
`;
