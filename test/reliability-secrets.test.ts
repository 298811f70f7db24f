import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { buildHeaders, failuresError, type HeadersEvent } from '@headerforge/core';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHeaderforge } from './support/cli.js';
import { copyFixture, listFiles } from './support/fixtures.js';
import { type RawAnswer, raw, reviewToken, reviewWrite } from './support/review.js';

// Both fixtures built with a sentinel key, the way users build them (the vite and astro
// commands, the key in the site's .env), then every file they wrote and every line they
// printed is searched for it, as are the errors of builds whose server echoes the key.
const SENTINEL = 'sk-or-v1-SENTINEL-reliability-secrets-0123456789abcdef';
// A leak may be partial (an excerpt cut short, a key split over lines): its middle too.
const NEEDLES = [SENTINEL, 'SENTINEL-reliability'];
const repo = join(import.meta.dirname, '..');
const bins = {
  vite: join(repo, 'node_modules', 'vite', 'bin', 'vite.js'),
  astro: join(repo, 'node_modules', 'astro', 'bin', 'astro.mjs'),
};
const FIXTURES = ['vite-blog', 'astro-blog'] as const;
// Written by a build: the site, both caches (sidecars included), Astro's generated types.
const OUTPUTS = ['dist', '.headerforge', 'node_modules/.cache/headerforge', '.astro'];

let fake: FakeOpenRouter;
const sites = new Map<string, Awaited<ReturnType<typeof copyFixture>>>();
/** Everything printed: build logs, command output, serialised errors. */
const printed: Array<{ what: string; text: string }> = [];

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: SENTINEL });
  for (const name of FIXTURES) {
    sites.set(
      name,
      await copyFixture(name, {
        env: { OPENROUTER_API_KEY: SENTINEL, OPENROUTER_BASE_URL: fake.baseURL },
      }),
    );
  }
});
afterAll(async () => {
  await fake.close();
  for (const site of sites.values()) await site.remove();
  console.log(
    `[reliability] secrets: vite-blog and astro-blog built with a sentinel key (and against a server echoing it) · searched ${searched.files} files (dist, caches, sidecars, .astro) and ${searched.texts} printed texts (build logs, --json outputs, error views) · hits ${searched.hits}`,
  );
});

/** `vite build` or `astro build` in the site's folder; the key only in its .env. */
function buildCommand(name: (typeof FIXTURES)[number]): Promise<{ code: number; output: string }> {
  const dir = sites.get(name)?.dir as string;
  const {
    OPENROUTER_API_KEY: _key,
    OPENROUTER_BASE_URL: _url,
    NODE_ENV: _env,
    ...inherited
  } = process.env;
  const bin = name === 'vite-blog' ? bins.vite : bins.astro;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, 'build'],
      { cwd: dir, env: inherited, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        printed.push({ what: `${name} build (exit ${code})`, text: `${stdout}\n${stderr}` });
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

/** Every view of an error a user or a logger may print or store. */
function errorViews(error: unknown): string[] {
  const views = [
    String(error),
    JSON.stringify(error) ?? '',
    inspect(error, { depth: 10, showHidden: true }),
  ];
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    const { message, stack, hint } = current as { message?: string; stack?: string; hint?: string };
    views.push(message ?? '', stack ?? '', hint ?? '');
    current = (current as { cause?: unknown }).cause;
  }
  return views;
}

/** What was searched, for the printed figures. */
const searched = { files: 0, texts: 0, hits: 0 };

/** The files below `dir` holding a piece of the key, and how many files were read. */
async function leaksIn(dir: string): Promise<{ read: number; found: string[] }> {
  const files = await listFiles(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const file of files) {
    const bytes = await readFile(join(dir, file));
    if (NEEDLES.some((needle) => bytes.includes(needle))) found.push(file);
  }
  return { read: files.length, found };
}

/** Expects no piece of the key in a printed text: a log, a command's output, an error view. */
function expectNoKey(text: string, what: string): void {
  searched.texts += 1;
  const hit = NEEDLES.some((needle) => text.includes(needle));
  if (hit) searched.hits += 1;
  expect(hit, `${what}: ${text.slice(0, 300)}`).toBe(false);
}

/** The builds of beforeAll: each fixture once normally, once against an echoing server. */
const builds: Array<{ name: string; code: number; output: string; auth: string[] }> = [];

/** Asks a new prompt of `post` (so the next build must request it). */
async function editPrompt(name: (typeof FIXTURES)[number], post: string): Promise<void> {
  const file = join(sites.get(name)?.dir as string, post);
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(/lighthouse at dusk/i, 'lighthouse at dawn'));
}

const postOf = (name: (typeof FIXTURES)[number]) =>
  name === 'vite-blog' ? 'posts/hello-world.md' : 'src/content/blog/lighthouse.md';

describe('a sentinel API key', () => {
  beforeAll(async () => {
    for (const name of FIXTURES) {
      fake.reset();
      const { code, output } = await buildCommand(name);
      builds.push({
        name,
        code,
        output,
        auth: fake.generations().map((r) => r.headers.authorization ?? ''),
      });
    }
    // Then a server that puts the key in its error message, for a post that needs a request.
    for (const name of FIXTURES) {
      await editPrompt(name, postOf(name));
      fake.reset();
      fake.inject(
        { kind: 'status', status: 400, message: `Invalid key Bearer ${SENTINEL} for this route` },
        { always: true },
      );
      const { code, output } = await buildCommand(name);
      builds.push({
        name: `${name}, echoed`,
        code,
        output,
        auth: fake.generations().map((r) => r.headers.authorization ?? ''),
      });
    }
  }, 300_000);

  it('is found by the search when it is there (the search itself works)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hf-needle-'));
    await writeFile(join(dir, 'leak.txt'), `key=${SENTINEL.slice(0, 30)}`);
    expect((await leaksIn(dir)).found).toEqual(['leak.txt']);
    await rm(dir, { recursive: true });
  });

  it('reaches OpenRouter from both fixtures’ .env files, and only there', () => {
    for (const build of builds) {
      expect(build.auth.length, build.name).toBeGreaterThan(0);
      expect(new Set(build.auth), build.name).toEqual(new Set([`Bearer ${SENTINEL}`]));
    }
    expect(builds.map((build) => [build.name, build.code === 0])).toEqual([
      ['vite-blog', true],
      ['astro-blog', true],
      ['vite-blog, echoed', false],
      ['astro-blog, echoed', false],
    ]);
  });

  it('echoed by a server: the failed build names the post and shows the key redacted', () => {
    for (const build of builds.slice(2)) {
      const name = build.name.replace(', echoed', '') as (typeof FIXTURES)[number];
      expect(build.output, build.name).toContain(postOf(name));
      expect(build.output, build.name).toContain('Invalid key Bearer [redacted]');
    }
  });

  it('never appears in dist, either cache, any sidecar or any build log', async () => {
    // Sidecars written by both transports are among those searched.
    const transports = new Set<string>();
    for (const name of FIXTURES) {
      const cache = join(sites.get(name)?.dir as string, '.headerforge');
      for (const file of await listFiles(cache)) {
        if (!/^[0-9a-f]{2}\/[0-9a-f]{64}\.json$/.test(file)) continue;
        const sidecar = JSON.parse(await readFile(join(cache, file), 'utf8')) as {
          transport?: string;
        };
        if (sidecar.transport) transports.add(sidecar.transport);
      }
    }
    expect([...transports].sort()).toContain('images');
    for (const name of FIXTURES) {
      for (const dir of OUTPUTS) {
        const { read, found } = await leaksIn(join(sites.get(name)?.dir as string, dir));
        searched.files += read;
        searched.hits += found.length;
        expect(found, `${name}/${dir}`).toEqual([]);
      }
    }
    expect(printed).toHaveLength(4);
    for (const { what, text } of printed) expectNoKey(text, what);
  });

  it('never appears in the --json output of any command', { timeout: 120_000 }, async () => {
    fake.reset();
    const commands = [
      ['generate', '--json'],
      ['generate', '--dry-run', '--json'],
      ['status', '--json'],
      ['doctor', '--json'],
      ['prune', '--dry-run', '--json'],
    ];
    for (const name of FIXTURES) {
      for (const args of commands) {
        const run = await runHeaderforge([...args, '--root', sites.get(name)?.dir as string], {
          OPENROUTER_BASE_URL: fake.baseURL,
        });
        const text = `${run.stdout}\n${run.stderr}`;
        expect(() => JSON.parse(run.stdout), `${name}: ${args.join(' ')}\n${text}`).not.toThrow();
        expectNoKey(text, `${name}: headerforge ${args.join(' ')}`);
      }
      // The commands that write: the post's file is put back after them.
      const dir = sites.get(name)?.dir as string;
      const post = join(dir, postOf(name));
      const before = await readFile(post, 'utf8');
      const sheet = join(dir, 'sheet-under-test.html');
      for (const args of [
        ['compact', '--dry-run', '--json'],
        ['compact', '--json'],
        ['pick', postOf(name), '1', '--json'],
        ['reroll', postOf(name), '--candidates', '2', '--json'],
        ['sheet', '--out', sheet, '--json'],
      ]) {
        const run = await runHeaderforge([...args, '--root', dir], {
          OPENROUTER_BASE_URL: fake.baseURL,
        });
        const text = `${run.stdout}\n${run.stderr}`;
        expect(run.code, `${name}: ${args.join(' ')}\n${text}`).toBe(0);
        expect(() => JSON.parse(run.stdout), `${name}: ${args.join(' ')}\n${text}`).not.toThrow();
        expectNoKey(text, `${name}: headerforge ${args.join(' ')}`);
      }
      // The contact sheet: a page of every candidate, written beside the site.
      expectNoKey(await readFile(sheet, 'utf8'), `${name}: the contact sheet`);
      await rm(sheet);
      await writeFile(post, before);
    }
    const models = await runHeaderforge(['models', '--json'], {
      OPENROUTER_BASE_URL: fake.baseURL,
      OPENROUTER_API_KEY: SENTINEL,
    });
    expect(models.code).toBe(0);
    expectNoKey(`${models.stdout}\n${models.stderr}`, 'headerforge models --json');
  });

  it('never appears in the review page: its HTML, its script, or any answer it makes', {
    timeout: 120_000,
  }, async () => {
    const dir = sites.get('vite-blog')?.dir as string;
    const server = await createServer({
      root: dir,
      configFile: join(dir, 'vite.config.js'),
      logLevel: 'silent',
      server: { port: 0, host: '127.0.0.1' },
    });
    try {
      await server.listen();
      const base = server.resolvedUrls?.local[0] as string;
      const token = await reviewToken(base);
      const answers: Array<[string, RawAnswer]> = [];
      const get = async (path: string) => answers.push([path, await raw(base, 'GET', path)]);
      await get('/__headerforge/');
      await get('/__headerforge/client.js');
      await get('/__headerforge/api/posts');
      const listing = JSON.parse(answers.at(-1)?.[1].body ?? '{}') as {
        posts?: Array<{ file: string }>;
      };
      const post = listing.posts?.[0]?.file ?? 'posts/hello-world.md';
      await get(`/__headerforge/api/image?post=${encodeURIComponent(post)}&n=1`);
      await get('/__headerforge/api/nothing-here');
      answers.push([
        'a write without the token',
        await reviewWrite(base, 'pick', { post, candidate: 1 }, {}),
      ]);
      answers.push([
        'a write outside the root',
        await reviewWrite(
          base,
          'pick',
          { post: '../outside.md', candidate: 1 },
          {
            'x-headerforge-token': token,
          },
        ),
      ]);
      answers.push(['the event stream', await eventStreamStart(base)]);
      for (const [path, answer] of answers) expectNoKey(answer.body, `review page: ${path}`);
      expect(answers.filter(([, answer]) => answer.status === 200).length).toBeGreaterThan(3);
    } finally {
      await server.close();
    }
  });

  it('never appears in an error object, however it is printed or serialised', async () => {
    const dir = sites.get('vite-blog')?.dir as string;
    const events: HeadersEvent[] = [];
    const echoes = [
      { kind: 'status', status: 502, message: `upstream saw Bearer ${SENTINEL}` },
      { kind: 'error_in_200', code: 400, message: `bad request from ${SENTINEL}` },
      { kind: 'no_images', text: `I will not draw for ${SENTINEL}` },
    ] as const;
    const errors: unknown[] = [];
    for (const scenario of echoes) {
      fake.reset();
      fake.inject(scenario, { always: true });
      const result = await buildHeaders({
        root: dir,
        options: { include: ['posts/*.md'], style: `Another style ${scenario.kind}` },
        env: { OPENROUTER_API_KEY: SENTINEL, OPENROUTER_BASE_URL: fake.baseURL },
        client: { retryBaseDelayMs: 5 },
        onEvent: (event) => events.push(event),
      });
      expect(result.failures.length).toBeGreaterThan(0);
      errors.push(failuresError(result), ...result.failures);
    }
    errors.push(...events.flatMap((event) => ('error' in event ? [event.error] : [])));
    expect(errors.length).toBeGreaterThan(echoes.length * 2);
    for (const error of errors) for (const view of errorViews(error)) expectNoKey(view, 'an error');
    expectNoKey(JSON.stringify(events), 'the build events');
  });
});

/** The first second of the review page's event stream. */
async function eventStreamStart(base: string): Promise<RawAnswer> {
  const controller = new AbortController();
  const response = await fetch(new URL('/__headerforge/api/events', base), {
    signal: controller.signal,
  });
  let body = '';
  const reader = response.body?.getReader();
  const stop = setTimeout(() => controller.abort(), 1000);
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      body += new TextDecoder().decode(chunk.value);
    }
  } catch {
    // Aborted after a second: what arrived is what is searched.
  } finally {
    clearTimeout(stop);
  }
  return { status: response.status, body };
}
