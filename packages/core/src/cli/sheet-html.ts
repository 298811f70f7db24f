import { escapeAttribute } from '../adapter/html-attribute.js';
import { usd } from './table.js';

/** One candidate image of a post, as the sheet shows it. */
export interface SheetCandidate {
  /** From 1, as `header.pick` counts. */
  number: number;
  picked: boolean;
  state: 'cached' | 'placeholder' | 'missing' | 'corrupt';
  /** The original's pixel size. */
  width?: number;
  height?: number;
  costUsd?: number | null;
  /** A downscaled copy, as a data URL, so the page loads nothing. */
  thumbnail?: { src: string; width: number; height: number };
  /** Why a corrupt entry cannot be shown. */
  problem?: string;
}

export interface SheetPost {
  /** Content path, relative to the site root. */
  file: string;
  title?: string;
  /** The prompt as the post wrote it. */
  prompt: string;
  alt: string;
  model: string;
  /** `16:9`: empty slots keep the shape of the image they stand for. */
  aspectRatio: string;
  candidates: SheetCandidate[];
}

export interface SheetTotals {
  posts: number;
  /** Candidate slots, whether made or not. */
  images: number;
  notGenerated: number;
  placeholders: number;
  corrupt: number;
  /** What the cached images cost, each image once. */
  costUsd: number;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** `3 posts, 5 images (2 not generated)`: the counts, as the page and the command say them. */
export function describeTotals(totals: SheetTotals): string {
  const gaps = [
    totals.notGenerated ? `${totals.notGenerated} not generated` : '',
    totals.placeholders ? plural(totals.placeholders, 'placeholder') : '',
    totals.corrupt ? `${totals.corrupt} corrupt` : '',
  ].filter(Boolean);
  return `${plural(totals.posts, 'post')}, ${plural(totals.images, 'image')}${gaps.length ? ` (${gaps.join(', ')})` : ''}`;
}

// Titles, prompts and paths are the site's content: every one goes through this.
const text = escapeAttribute;

/**
 * The contact sheet: one self-contained page (styles inline, images as data URLs, and a
 * policy that lets it load nothing else), so it opens from a CI artefact as it is.
 */
export function renderSheet(posts: readonly SheetPost[], totals: SheetTotals): string {
  const summary = `${describeTotals(totals)} · ${usd(totals.costUsd)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>headerforge sheet · ${text(summary)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top">
<h1>Header images</h1>
<p class="summary">${text(summary)}</p>
</header>
<main>
${posts.length ? posts.map(renderPost).join('\n') : '<p class="empty">No post with a header matches.</p>'}
</main>
</body>
</html>
`;
}

function renderPost(post: SheetPost): string {
  const [w, h] = post.aspectRatio.split(':');
  return `<section class="post" data-post="${text(post.file)}" style="--ratio: ${Number(w) || 16} / ${Number(h) || 9}">
<h2>${text(post.title ?? post.file)}</h2>
<dl class="facts">
<dt>file</dt><dd><code>${text(post.file)}</code></dd>
<dt>prompt</dt><dd class="prompt">${text(post.prompt)}</dd>
<dt>model</dt><dd><code>${text(post.model)}</code></dd>
</dl>
<ol class="candidates">
${post.candidates.map((candidate) => renderCandidate(post, candidate)).join('\n')}
</ol>
</section>`;
}

function renderCandidate(post: SheetPost, candidate: SheetCandidate): string {
  const { number, picked, thumbnail } = candidate;
  const badges = [
    picked ? '<span class="badge picked">picked</span>' : '',
    candidate.state === 'placeholder' ? '<span class="badge placeholder">placeholder</span>' : '',
  ].join('');
  const picture = thumbnail
    ? `<img src="${thumbnail.src}" width="${thumbnail.width}" height="${thumbnail.height}" alt="${text(`${post.alt} (candidate ${number})`)}">`
    : `<div class="slot">${
        candidate.state === 'corrupt'
          ? `corrupt cache entry<small>${text(candidate.problem ?? '')}</small>`
          : 'not generated yet'
      }</div>`;
  const facts = [
    candidate.width && candidate.height ? `${candidate.width}×${candidate.height}` : '',
    candidate.state === 'cached' ? usd(candidate.costUsd) : '',
  ].filter(Boolean);
  return `<li class="candidate ${candidate.state}${picked ? ' is-picked' : ''}" data-candidate="${number}"${picked ? ' aria-current="true"' : ''}>
<figure>
${picture}
<figcaption><span class="number">#${number}</span>${badges}<span class="meta">${text(facts.join(' · '))}</span></figcaption>
</figure>
</li>`;
}

const STYLE = `
:root { --bg: #f7f7f5; --card: #fff; --fg: #1b1b1f; --muted: #5f6168; --line: #dcdcd8;
  --slot: #ececea; --accent: #0b63ce; --warn: #a15c00; font-family: system-ui, sans-serif; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #121316; --card: #1c1d22; --fg: #ececf0; --muted: #a0a2ab; --line: #33353c;
    --slot: #26282e; --accent: #6aa8ff; --warn: #f0b35a; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.45; }
.top, main { max-width: 1200px; margin: 0 auto; padding: 1.25rem; }
.top { padding-bottom: 0; }
h1 { margin: 0; font-size: 1.4rem; }
.summary { margin: .25rem 0 0; color: var(--muted); }
.post { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
  padding: 1rem 1.25rem 1.25rem; margin-bottom: 1.25rem; }
h2 { margin: 0 0 .5rem; font-size: 1.15rem; overflow-wrap: anywhere; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .75rem; margin: 0 0 1rem;
  font-size: .9rem; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
.candidates { list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 240px), 1fr)); }
.candidate figure { margin: 0; }
.candidate img, .slot { display: block; width: 100%; height: auto; aspect-ratio: var(--ratio);
  object-fit: cover; border-radius: 6px; outline: 1px solid var(--line); }
.candidate.is-picked img, .candidate.is-picked .slot { outline: 3px solid var(--accent);
  outline-offset: 2px; }
.slot { display: flex; flex-direction: column; align-items: center; justify-content: center;
  gap: .25rem; padding: .75rem; text-align: center; color: var(--muted); background: var(--slot);
  border: 2px dashed var(--line); outline: none; }
.slot small { font-size: .75rem; overflow-wrap: anywhere; }
figcaption { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem; margin-top: .5rem;
  font-size: .85rem; }
.number { font-weight: 600; }
.badge { border-radius: 999px; padding: 0 .5rem; font-size: .75rem; font-weight: 600;
  border: 1px solid currentColor; }
.badge.picked { color: var(--accent); }
.badge.placeholder { color: var(--warn); }
figcaption .meta { margin-left: auto; color: var(--muted); }
.empty { color: var(--muted); }
`;
