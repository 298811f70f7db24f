// The review page's script, served as is from the plugin's dist (no bundler: it imports
// nothing). It renders the listing from the JSON API, sends edits as POSTs with the session
// token, and listens to the server's events to show progress and fetch the listing again.

// The listing's shape is core's: a type-only import, gone from the script tsc writes.
import type {
  ReviewCandidate as Candidate,
  ReviewListing as Listing,
  ReviewPost as Post,
} from '@headerforge/core/adapter';

const API = '/__headerforge/api/';
const MAX_CANDIDATES = 8;
const token = document.querySelector<HTMLMetaElement>('meta[name="headerforge-token"]')?.content;
const main = document.querySelector('#posts') as HTMLElement;
const filter = document.querySelector('#filter') as HTMLInputElement;
const status = document.querySelector('#status') as HTMLElement;
const notice = document.querySelector('#notice') as HTMLElement;
const count = document.querySelector('#count') as HTMLElement;

/** Rendered cards by content path, with the data each was rendered from. */
const cards = new Map<string, { element: HTMLElement; data: string }>();
/** Posts with an edit under way (saved, image not landed yet). */
const busy = new Set<string>();
let listing: Listing = { mode: 'generate', posts: [] };
let current: string | undefined;

type Child = Node | string | false | undefined;

function h(tag: string, attributes: Record<string, string | boolean> = {}, ...children: Child[]) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

const imageUrl = (post: string, candidate: Candidate) =>
  `${API}image?${new URLSearchParams({ post, n: String(candidate.number), v: candidate.key })}`;

const usd = (value: number) => `$${value.toFixed(value < 0.1 ? 3 : 2)}`;

const SOURCES: Record<string, string> = {
  cache: 'cached',
  remote: 'from the remote cache',
  generated: 'generated',
  reused: 'generated',
  placeholder: 'placeholder',
  pending: 'not made yet',
  failed: 'failed',
};

async function load(): Promise<void> {
  const response = await fetch(`${API}posts`, { cache: 'no-store' });
  const answer = (await response.json()) as Listing & { error?: Listing['error'] };
  // A first run that failed (a post's frontmatter is invalid) answers with its error alone:
  // shown in place of the posts until a later answer lists them.
  listing = response.ok
    ? answer
    : {
        mode: listing.mode,
        posts: [],
        error: answer.error ?? { message: `${response.status} ${response.statusText}` },
      };
  for (const post of listing.posts) {
    if (busy.has(post.file) && !waiting(post)) busy.delete(post.file);
  }
  render();
}

/** The post's image is still being made: its pick is missing, or offline art while generating. */
function waiting(post: Post): boolean {
  if (post.source === 'failed') return false;
  const picked = post.candidates.find((candidate) => candidate.picked);
  if (!picked || picked.state === 'missing') return listing.mode !== 'cache-only';
  return listing.mode === 'generate' && picked.state !== 'cached';
}

function render(): void {
  main.setAttribute('aria-busy', 'false');
  notice.hidden = !listing.notice;
  notice.textContent = listing.notice ?? '';
  if (listing.error) {
    main.replaceChildren(
      h('p', { class: 'error' }, listing.error.message, h('small', {}, listing.error.hint ?? '')),
    );
    cards.clear();
    return;
  }
  const seen = new Set<string>();
  let previous: HTMLElement | undefined;
  for (const post of listing.posts) {
    seen.add(post.file);
    const data = JSON.stringify([post, busy.has(post.file)]);
    let card = cards.get(post.file);
    // A card being edited keeps its editor: it is rendered again once the edit ends.
    if (!card || (card.data !== data && !card.element.querySelector('textarea'))) {
      const element = renderPost(post);
      if (card) card.element.replaceWith(element);
      card = { element, data };
      cards.set(post.file, card);
    }
    const expected = previous ? previous.nextElementSibling : main.firstElementChild;
    if (expected !== card.element) {
      if (previous) previous.after(card.element);
      else main.prepend(card.element);
    }
    previous = card.element;
  }
  for (const [file, card] of cards) {
    if (seen.has(file)) continue;
    card.element.remove();
    cards.delete(file);
  }
  if (listing.posts.length === 0)
    main.replaceChildren(h('p', { class: 'empty-list' }, 'No posts with a header yet.'));
  applyFilter();
  markCurrent();
}

function renderPost(post: Post): HTMLElement {
  const picked = post.candidates.find((candidate) => candidate.picked) ?? post.candidates[0];
  const title = post.title ?? post.file;
  const shot = h(
    'div',
    { class: 'shot' },
    picked && picked.state !== 'missing' && picked.state !== 'corrupt'
      ? h('img', {
          src: imageUrl(post.file, picked),
          alt: post.alt,
          loading: 'lazy',
          decoding: 'async',
        })
      : h(
          'span',
          { class: 'empty' },
          picked?.state === 'corrupt' ? 'corrupt entry' : 'not made yet',
        ),
    h(
      'span',
      { class: `badge ${post.source === 'failed' ? 'failed' : ''}` },
      picked?.state === 'placeholder' ? 'placeholder' : (SOURCES[post.source] ?? post.source),
    ),
    busy.has(post.file) || waiting(post) ? h('span', { class: 'busy' }, 'generating…') : undefined,
  );
  const cost = post.candidates.reduce((sum, candidate) => sum + (candidate.costUsd ?? 0), 0);
  const meta = h(
    'dl',
    { class: 'meta' },
    h('dt', {}, 'Model'),
    h('dd', {}, post.model),
    h('dt', {}, 'Size'),
    h('dd', {}, `${post.size} · ${post.aspectRatio}`),
    post.seed !== undefined && h('dt', {}, 'Seed'),
    post.seed !== undefined && h('dd', {}, `seed ${post.seed}`),
    h('dt', {}, 'Cost'),
    h('dd', {}, cost > 0 ? usd(cost) : '$0'),
  );
  const candidates = h(
    'div',
    { class: 'candidates', role: 'group', 'aria-label': 'Candidates' },
    ...(post.candidates.length > 1
      ? post.candidates.map((candidate) =>
          h(
            'button',
            {
              type: 'button',
              'aria-label': `Pick candidate ${candidate.number}`,
              'aria-pressed': String(candidate.picked),
              'data-candidate': String(candidate.number),
              title: candidate.state === 'missing' ? 'not made yet' : candidate.state,
            },
            candidate.state === 'cached' || candidate.state === 'placeholder'
              ? h('img', { src: imageUrl(post.file, candidate), alt: '', loading: 'lazy' })
              : undefined,
            h('span', {}, String(candidate.number)),
          ),
        )
      : []),
  );
  const rounds = h(
    'select',
    { 'aria-label': 'Candidates to re-roll', name: 'candidates' },
    h('option', { value: '' }, 'same count'),
    ...Array.from({ length: MAX_CANDIDATES }, (_, index) =>
      h('option', { value: String(index + 1) }, `${index + 1} new`),
    ),
  );
  const actions = h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', 'data-action': 'reroll' }, 'Re-roll'),
    rounds,
    !post.auto && h('button', { type: 'button', 'data-action': 'edit-prompt' }, 'Edit prompt'),
    !post.auto && h('button', { type: 'button', 'data-action': 'edit-alt' }, 'Set alt text'),
  );
  const error =
    post.error &&
    h(
      'p',
      { class: 'error', role: 'alert' },
      post.error.message,
      h('small', {}, post.error.hint ?? ''),
    );
  return h(
    'article',
    { 'data-post': post.file, tabindex: '-1', 'aria-label': title },
    shot,
    h(
      'div',
      { class: 'body' },
      h('h2', {}, title),
      h('span', { class: 'file' }, post.file),
      h('p', { class: 'prompt', 'data-field': 'prompt' }, post.prompt),
      h('p', { class: 'alt', 'data-field': 'alt' }, `Alt: ${post.alt}`),
      meta,
      error,
      candidates,
      actions,
    ),
  );
}

async function post(action: string, body: Record<string, unknown>): Promise<boolean> {
  const file = body.post as string;
  busy.add(file);
  status.textContent = `${file}: ${action}…`;
  const response = await fetch(`${API}${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-headerforge-token': token ?? '' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { error?: { message: string; hint?: string } };
  if (!response.ok) {
    busy.delete(file);
    status.textContent = `${answer.error?.message ?? response.statusText} ${answer.error?.hint ?? ''}`;
    await load();
    return false;
  }
  status.textContent = `${file}: saved`;
  await load();
  return true;
}

function openEditor(card: HTMLElement, field: 'prompt' | 'alt'): void {
  const file = card.dataset.post as string;
  const data = listing.posts.find((one) => one.file === file);
  const shown = card.querySelector(`[data-field="${field}"]`);
  if (!data || !shown || card.querySelector('textarea')) return;
  const label = field === 'prompt' ? 'Prompt' : 'Alt text';
  const text = h('textarea', { 'aria-label': label }) as HTMLTextAreaElement;
  text.value = field === 'prompt' ? data.prompt : data.alt;
  const save = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      'aria-label': field === 'prompt' ? 'Save' : 'Save alt text',
    },
    'Save',
  );
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const editor = h('div', { class: 'editor' }, text, h('div', { class: 'actions' }, save, cancel));
  shown.replaceWith(editor);
  const close = () => {
    editor.remove();
    // Rendered again from the listing, with its text as saved.
    const rendered = cards.get(file);
    if (rendered) rendered.data = '';
    render();
  };
  save.addEventListener('click', async () => {
    if (await post(field, { post: file, text: text.value })) close();
  });
  cancel.addEventListener('click', close);
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
    if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) save.click();
  });
  text.focus();
}

function reroll(card: HTMLElement): void {
  const select = card.querySelector<HTMLSelectElement>('select[name="candidates"]');
  const candidates = select?.value ? Number(select.value) : undefined;
  void post('reroll', { post: card.dataset.post, ...(candidates ? { candidates } : {}) });
}

function pick(card: HTMLElement, candidate: number): void {
  const file = card.dataset.post as string;
  const data = listing.posts.find((one) => one.file === file);
  if (!data || candidate > data.candidates.length) return;
  void post('pick', { post: file, candidate });
}

main.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const card = target.closest<HTMLElement>('article[data-post]');
  if (!card) return;
  setCurrent(card.dataset.post, false);
  const button = target.closest<HTMLButtonElement>('button');
  if (!button) return;
  if (button.dataset.candidate) pick(card, Number(button.dataset.candidate));
  else if (button.dataset.action === 'reroll') reroll(card);
  else if (button.dataset.action === 'edit-prompt') openEditor(card, 'prompt');
  else if (button.dataset.action === 'edit-alt') openEditor(card, 'alt');
});

function visibleCards(): HTMLElement[] {
  return [...cards.values()].map((card) => card.element).filter((element) => !element.hidden);
}

function setCurrent(file: string | undefined, focus: boolean): void {
  current = file;
  markCurrent();
  const card = file ? cards.get(file)?.element : undefined;
  if (card && focus) {
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: 'nearest' });
  }
}

function markCurrent(): void {
  for (const [file, card] of cards) card.element.classList.toggle('current', file === current);
}

function step(by: number): void {
  const visible = visibleCards();
  if (visible.length === 0) return;
  const at = visible.findIndex((card) => card.dataset.post === current);
  const next = visible[Math.min(Math.max(at + by, 0), visible.length - 1)];
  setCurrent(next?.dataset.post, true);
}

document.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement;
  if (event.metaKey || event.ctrlKey || event.altKey) return;
  if (target.matches('input, textarea, select')) {
    if (target === filter && event.key === 'Escape') filter.blur();
    return;
  }
  const card = current ? cards.get(current)?.element : undefined;
  if (event.key === 'j' || event.key === 'ArrowDown') step(1);
  else if (event.key === 'k' || event.key === 'ArrowUp') step(-1);
  else if (event.key === '/') filter.focus();
  else if (card && /^[1-8]$/.test(event.key)) pick(card, Number(event.key));
  else if (card && event.key === 'r') reroll(card);
  else if (card && event.key === 'e') openEditor(card, 'prompt');
  else return;
  event.preventDefault();
});

function applyFilter(): void {
  const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const post of listing.posts) {
    const card = cards.get(post.file)?.element;
    if (!card) continue;
    const text = `${post.file} ${post.title ?? ''} ${post.prompt}`.toLowerCase();
    card.hidden = !words.every((word) => text.includes(word));
    if (!card.hidden) shown++;
  }
  count.textContent = `${shown} of ${listing.posts.length} posts`;
}
filter.addEventListener('input', applyFilter);

const THEMES = ['system', 'light', 'dark'] as const;
const themeButton = document.querySelector('#theme') as HTMLButtonElement;
function setTheme(theme: string): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  themeButton.setAttribute('aria-label', `Theme: ${theme}`);
  themeButton.title = `Theme: ${theme}`;
  localStorage.setItem('headerforge-theme', theme);
}
themeButton.addEventListener('click', () => {
  const now = localStorage.getItem('headerforge-theme') ?? 'system';
  const index = THEMES.indexOf(now as (typeof THEMES)[number]);
  setTheme(THEMES[(index + 1) % THEMES.length] as string);
});
setTheme(localStorage.getItem('headerforge-theme') ?? 'system');

const help = document.querySelector('#help') as HTMLElement;
const helpToggle = document.querySelector('#help-toggle') as HTMLButtonElement;
helpToggle.addEventListener('click', () => {
  help.hidden = !help.hidden;
  helpToggle.setAttribute('aria-expanded', String(!help.hidden));
});

let loading = false;
let again = false;
/** Events come in bursts (a batch of headers landing): one fetch at a time, and one more after it. */
function reload(): void {
  if (loading) {
    again = true;
    return;
  }
  loading = true;
  load().finally(() => {
    loading = false;
    if (again) {
      again = false;
      reload();
    }
  });
}

const events = new EventSource(`${API}events`);
events.addEventListener('message', (message) => {
  const event = JSON.parse(message.data as string) as {
    type: string;
    message?: string;
    files?: string[];
  };
  if (event.type === 'progress') status.textContent = event.message ?? '';
  if (event.type === 'failed') {
    status.textContent = event.message ?? '';
    for (const file of event.files ?? []) busy.delete(file);
  }
  if (event.type === 'changed' || event.type === 'failed') reload();
});
events.addEventListener('open', reload);

await load();
