import { escapeAttribute } from '@headerforge/core/adapter';

/**
 * The review page's shell: the client script (`client.ts`) fills it from the JSON API. The
 * session token rides in a meta tag, which only a same-origin script can read.
 */
export function reviewPage({ token }: { token: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="headerforge-token" content="${escapeAttribute(token)}">
<meta name="color-scheme" content="light dark">
<title>headerforge · review</title>
<style>${STYLE}</style>
<script type="module" src="/__headerforge/client.js"></script>
</head>
<body>
<header class="bar">
  <h1>headerforge <span>review</span></h1>
  <input id="filter" type="search" placeholder="Filter by path, title or prompt" aria-label="Filter posts" autocomplete="off">
  <span id="count" aria-live="polite"></span>
  <button type="button" id="theme" aria-label="Theme: system">◐</button>
  <button type="button" id="help-toggle" aria-expanded="false" aria-controls="help">Shortcuts</button>
</header>
<section id="help" hidden aria-label="Keyboard shortcuts">
  <dl>
    <dt><kbd>j</kbd> / <kbd>↓</kbd></dt><dd>next post</dd>
    <dt><kbd>k</kbd> / <kbd>↑</kbd></dt><dd>previous post</dd>
    <dt><kbd>1</kbd>–<kbd>8</kbd></dt><dd>pick that candidate</dd>
    <dt><kbd>r</kbd></dt><dd>re-roll the post</dd>
    <dt><kbd>e</kbd></dt><dd>edit the prompt</dd>
    <dt><kbd>/</kbd></dt><dd>filter</dd>
  </dl>
</section>
<p id="notice" role="note" hidden></p>
<p id="status" role="status" aria-live="polite"></p>
<main id="posts" aria-busy="true"></main>
</body>
</html>
`;
}

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f6f4; --card: #fff; --fg: #1c1d1f; --muted: #66686d;
  --line: #dcdcd8; --accent: #3557d8; --accent-fg: #fff; --warn: #a45a00; --bad: #b3261e;
  --ok: #1d7a46; font: 15px/1.45 system-ui, sans-serif; }
:root[data-theme="dark"] { color-scheme: dark; --bg: #141517; --card: #1e2023; --fg: #e7e7e4;
  --muted: #a0a3a8; --line: #34373c; --accent: #8aa4ff; --accent-fg: #10131a; --warn: #f0b25a;
  --bad: #ff8a80; --ok: #6fd49a; }
@media (prefers-color-scheme: dark) { :root:not([data-theme="light"]) { color-scheme: dark;
  --bg: #141517; --card: #1e2023; --fg: #e7e7e4; --muted: #a0a3a8; --line: #34373c;
  --accent: #8aa4ff; --accent-fg: #10131a; --warn: #f0b25a; --bad: #ff8a80; --ok: #6fd49a; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--fg); }
button, input, textarea, select { font: inherit; color: inherit; }
button { border: 1px solid var(--line); background: var(--card); border-radius: 6px; padding: .3em .75em; cursor: pointer; }
button:hover { border-color: var(--accent); }
button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.bar { position: sticky; top: 0; z-index: 2; display: flex; gap: .75rem; align-items: center;
  padding: .6rem 1.25rem; background: var(--card); border-bottom: 1px solid var(--line); }
.bar h1 { font-size: 1.05rem; margin: 0 .5rem 0 0; white-space: nowrap; }
.bar h1 span { color: var(--muted); font-weight: 400; }
#filter { flex: 1; max-width: 32rem; padding: .35em .6em; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); }
#count { color: var(--muted); font-size: .9em; margin-right: auto; }
#help { padding: .5rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--card); }
#help dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
#help dd { margin: 0; color: var(--muted); }
kbd { font: .85em ui-monospace, monospace; border: 1px solid var(--line); border-radius: 4px; padding: 0 .3em; }
#notice { margin: 1rem 1.25rem 0; padding: .6rem .9rem; border-radius: 6px; border: 1px solid var(--warn); color: var(--warn); }
#status { position: fixed; bottom: 0; left: 0; right: 0; z-index: 2; margin: 0; padding: .3rem 1.25rem;
  background: var(--card); border-top: 1px solid var(--line); color: var(--muted); font: .8rem ui-monospace, monospace; }
#status:empty { display: none; }
#posts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 380px), 1fr));
  gap: 1rem; padding: 1rem 1.25rem 3rem; }
article { background: var(--card); border: 1px solid var(--line); border-radius: 10px; overflow: hidden;
  display: flex; flex-direction: column; content-visibility: auto; contain-intrinsic-size: auto 520px; }
article.current { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
article:focus { outline: none; }
.shot { aspect-ratio: 16 / 9; background: var(--line); position: relative; }
.shot img { width: 100%; height: 100%; object-fit: cover; display: block; }
.shot .empty { position: absolute; inset: 0; display: grid; place-items: center; color: var(--muted); }
.badge { position: absolute; top: .5rem; left: .5rem; font-size: .75rem; padding: .1em .5em; border-radius: 99px;
  background: rgb(0 0 0 / .65); color: #fff; }
.badge.failed { background: var(--bad); }
.busy { position: absolute; top: .5rem; right: .5rem; font-size: .75rem; padding: .1em .5em; border-radius: 99px;
  background: var(--accent); color: var(--accent-fg); }
.body { padding: .75rem .9rem .9rem; display: flex; flex-direction: column; gap: .5rem; }
.body h2 { font-size: 1rem; margin: 0; }
.file { font: .8rem ui-monospace, monospace; color: var(--muted); }
.meta { display: flex; flex-wrap: wrap; gap: .25rem .9rem; font-size: .82rem; color: var(--muted); margin: 0; }
.meta dt { display: none; }
.meta dd { margin: 0; }
.prompt { margin: 0; white-space: pre-wrap; }
.alt { margin: 0; font-size: .85rem; color: var(--muted); }
.candidates { display: flex; gap: .35rem; flex-wrap: wrap; }
.candidates button { padding: 0; width: 64px; aspect-ratio: 16/9; overflow: hidden; position: relative; border-width: 2px; }
.candidates button img { width: 100%; height: 100%; object-fit: cover; display: block; }
.candidates button span { position: absolute; bottom: 0; right: 0; font-size: .7rem; padding: 0 .3em; background: rgb(0 0 0 / .6); color: #fff; }
.candidates button[aria-pressed="true"] { border-color: var(--accent); }
.actions { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; }
.actions select { border: 1px solid var(--line); border-radius: 6px; background: var(--card); padding: .25em; }
textarea { width: 100%; min-height: 4.5em; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); padding: .4em; }
.error { color: var(--bad); font-size: .88rem; margin: 0; white-space: pre-wrap; }
.error small { display: block; color: var(--muted); }
.empty-list { color: var(--muted); padding: 2rem; }
`;
