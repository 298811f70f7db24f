import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFiles } from './support/fixtures.js';

// The published shape, outside the monorepo: the three packages packed with `npm pack`, and
// the two example sites copied to a temp folder (no workspace to fall back on) and installed
// from those tarballs, with every other dependency from the registry (npm's cache, filled by
// the monorepo's own install, at the monorepo's versions). Each site is built by its own
// astro or vite in a child process: offline, against the fake OpenRouter server, and again.
const run = promisify(execFile);
const repo = join(import.meta.dirname, '..');
const KEY = 'sk-or-v1-test-sentinel-install-0123456789';
const INSTALL_MS = 600_000;
const BUILD_MS = 300_000;

const PACKAGES = {
  '@headerforge/core': 'packages/core',
  '@headerforge/vite': 'packages/vite-plugin',
  '@headerforge/astro': 'packages/astro-integration',
} as const;
type PackageName = keyof typeof PACKAGES;

let work: string;
let fake: FakeOpenRouter;
const tarballs = new Map<PackageName, string>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'headerforge-install-'));
  fake = await startFakeOpenRouter({ apiKey: KEY });
  await mkdir(join(work, 'tarballs'));
  for (const [name, dir] of Object.entries(PACKAGES) as Array<[PackageName, string]>) {
    const { stdout } = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', join(work, 'tarballs')],
      { cwd: join(repo, dir), env: userEnv() },
    );
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    tarballs.set(name, join(work, 'tarballs', packed?.filename as string));
  }
}, INSTALL_MS);
afterAll(async () => {
  await fake?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The version the monorepo installed, so that npm finds it in its cache. */
async function monorepoVersion(name: string): Promise<string> {
  const manifest = await readFile(join(repo, 'node_modules', name, 'package.json'), 'utf8');
  return (JSON.parse(manifest) as { version: string }).version;
}

/**
 * A copy of `fixtures/<fixture>` installed by npm: our packages (`ours`, each needed directly
 * or through another) from the tarballs; the fixture's other dependencies and peers, and
 * `theirs`, at the monorepo's versions.
 */
async function installSite(fixture: string, ours: PackageName[], theirs: string[]) {
  const dir = join(work, fixture);
  await cp(join(repo, 'fixtures', fixture), dir, {
    recursive: true,
    filter: (source) =>
      !/[\\/](node_modules|dist|\.headerforge|\.astro|\.env)([\\/]|$)/.test(
        relative(join(repo, 'fixtures'), source),
      ),
  });
  const {
    dependencies: own = {},
    peerDependencies: peers = {},
    ...manifest
  } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  const dependencies: Record<string, string> = {};
  for (const name of new Set([...Object.keys({ ...own, ...peers }), ...theirs])) {
    if (!name.startsWith('@headerforge/')) dependencies[name] = await monorepoVersion(name);
  }
  for (const name of ours) dependencies[name] = `file:${tarballs.get(name)}`;
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ ...manifest, dependencies }, null, 2)}\n`,
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: userEnv(),
    maxBuffer: 32 * 2 ** 20,
  });
  return dir;
}

/**
 * The environment a user's shell would have: nothing of vitest's, nor of the `npm test`
 * that started it (npm reads npm_config_* as its own settings), no key unless given.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(VITEST|NODE_ENV$|npm_|OPENROUTER_|HEADERFORGE_|AWS_|REDIS_)/i.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ASTRO_TELEMETRY_DISABLED: '1', ...extra };
}

/** Runs the site's own `bin` (astro or vite) with `build`; its output, stdout and stderr. */
async function build(dir: string, bin: string, env: Record<string, string> = {}) {
  await rm(join(dir, 'dist'), { recursive: true, force: true });
  const { stdout, stderr } = await run(process.execPath, [join(dir, bin), 'build'], {
    cwd: dir,
    env: userEnv(env),
    maxBuffer: 32 * 2 ** 20,
  });
  return `${stdout}\n${stderr}`;
}

/** The site resolves our packages from its own node_modules, installed from the tarballs. */
async function expectInstalledFromTarballs(dir: string, names: PackageName[]) {
  for (const name of names) {
    const installed = join(dir, 'node_modules', name);
    const files = await listFiles(installed);
    expect(files, name).toContain('package.json');
    expect(files.some((file) => file.endsWith('.tsbuildinfo') || file.includes('.test.'))).toBe(
      false,
    );
    expect(relative(dir, await realpath(installed)).startsWith('..'), name).toBe(false);
  }
  // ioredis and aws4fetch are optional peers: a site without a remote installs neither.
  const top = await readdir(join(dir, 'node_modules'));
  expect(top).not.toContain('ioredis');
  expect(top).not.toContain('aws4fetch');
}

async function imageSizes(dir: string, files: string[]): Promise<string[]> {
  const sizes: string[] = [];
  for (const file of files) {
    const meta = await sharp(join(dir, file)).metadata();
    sizes.push(`${meta.format} ${meta.width}x${meta.height}`);
  }
  return sizes.sort();
}

const writeEnv = (dir: string, env: Record<string, string>) =>
  writeFile(
    join(dir, '.env'),
    Object.entries(env)
      .map(([name, value]) => `${name}=${value}\n`)
      .join(''),
  );

describe('fixtures/astro-blog installed from the tarballs', () => {
  let site: string;
  const posts: string[] = [];
  const astro = 'node_modules/astro/bin/astro.mjs';
  /** Each post's page shows an image that the build wrote to dist/_astro. */
  const expectHeaderOnEveryPost = async () => {
    expect(posts.length).toBeGreaterThan(0);
    const written = await listFiles(join(site, 'dist', '_astro'));
    for (const slug of posts) {
      const html = await readFile(join(site, 'dist', 'blog', slug, 'index.html'), 'utf8');
      const src = /<img [^>]*src="\/_astro\/([^"]+)"/.exec(html)?.[1];
      expect(src, slug).toBeDefined();
      expect(written, slug).toContain(src);
    }
  };

  beforeAll(async () => {
    site = await installSite(
      'astro-blog',
      ['@headerforge/astro', '@headerforge/vite', '@headerforge/core'],
      ['astro', '@astrojs/mdx'],
    );
    for (const file of await readdir(join(site, 'src', 'content', 'blog'))) {
      posts.push(file.replace(/\.mdx?$/, ''));
    }
  }, INSTALL_MS);

  it('has the packages from the tarballs and neither optional peer', async () => {
    await expectInstalledFromTarballs(site, [
      '@headerforge/astro',
      '@headerforge/vite',
      '@headerforge/core',
    ]);
  });

  it('builds offline, with no key: placeholder headers on every post', {
    timeout: BUILD_MS,
  }, async () => {
    const output = await build(site, astro, { HEADERFORGE_MODE: 'placeholder' });
    expect(output).toMatch(
      /\d+ headers · 0 generated · 0 cached · [1-9]\d* placeholders · 0 failed/,
    );
    await expectHeaderOnEveryPost();
    expect(fake.requests).toHaveLength(0);
  });

  it('builds against the fake server (an S3 remote without aws4fetch is one warning line)', {
    timeout: BUILD_MS,
  }, async () => {
    fake.reset();
    await writeEnv(site, { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL });
    const output = await build(site, astro, {
      HEADERFORGE_REMOTE: 's3://headerforge-install?endpoint=http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'install-test',
      AWS_SECRET_ACCESS_KEY: 'install-test-secret',
    });
    const missing = output.split('\n').filter((line) => line.includes('npm install aws4fetch'));
    expect(missing).toHaveLength(1);
    expect(missing[0]).toContain('the aws4fetch package is not installed');
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    // Every image fell back from the remote to generation.
    expect(output).toMatch(
      /\d+ headers · [1-9]\d* generated · 0 cached · [1-9]\d* remote fallbacks · 0 failed/,
    );
    expect(fake.generations().length).toBeGreaterThanOrEqual(posts.length);
    await expectHeaderOnEveryPost();
  });

  it('a second build makes no request', { timeout: BUILD_MS }, async () => {
    fake.reset();
    const output = await build(site, astro);
    expect(output).toMatch(/\d+ headers · 0 generated · [1-9]\d* cached · 0 failed/);
    expect(fake.requests).toHaveLength(0);
  });

  // Astro hands Vite every dependency that peers on astro to transform as the site's own
  // source, unless its package.json says `"astro": { "external": true }`. The content config
  // imports `@headerforge/astro` (for its loader): without the field, each build transformed
  // and ran a second copy of the integration's modules.
  it("runs headerforge's installed packages as Node loads them, none through Vite", {
    timeout: BUILD_MS,
  }, async () => {
    const output = await build(site, astro, { DEBUG: 'vite:transform' });
    const transformed = output.split('\n').filter((line) => line.includes('vite:transform'));
    // The log is on: the site's own content config went through Vite.
    expect(transformed.some((line) => line.includes('content.config.ts'))).toBe(true);
    expect(transformed.filter((line) => line.includes('@headerforge/'))).toEqual([]);
    expect(output).toMatch(/\d+ headers · 0 generated · [1-9]\d* cached · 0 failed/);
  });
});

describe('fixtures/vite-blog installed from the tarballs', () => {
  let site: string;
  const vite = 'node_modules/vite/bin/vite.js';
  const headerImages = async () => {
    const files = (await listFiles(join(site, 'dist'))).filter((file) => file.endsWith('.png'));
    return imageSizes(join(site, 'dist'), files);
  };

  beforeAll(async () => {
    site = await installSite('vite-blog', ['@headerforge/vite', '@headerforge/core'], ['vite']);
  }, INSTALL_MS);

  it('has the packages from the tarballs and neither optional peer', async () => {
    await expectInstalledFromTarballs(site, ['@headerforge/vite', '@headerforge/core']);
  });

  it('builds offline, with no key: placeholder headers', { timeout: BUILD_MS }, async () => {
    const output = await build(site, vite, { HEADERFORGE_MODE: 'placeholder' });
    expect(output).toMatch(/\d+ headers · 0 generated · 0 cached · 2 placeholders · 0 failed/);
    expect(await headerImages()).toEqual(['png 1344x756', 'png 1344x756']);
    expect(fake.requests).toHaveLength(0);
  });

  it('builds against the fake server (a Redis remote without ioredis is one warning line)', {
    timeout: BUILD_MS,
  }, async () => {
    fake.reset();
    await writeEnv(site, { OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL });
    const output = await build(site, vite, {
      HEADERFORGE_REMOTE: 'redis://127.0.0.1:9/0?prefix=install',
    });
    const missing = output.split('\n').filter((line) => line.includes('npm install ioredis'));
    expect(missing).toHaveLength(1);
    expect(missing[0]).toContain('the ioredis package is not installed');
    expect(output).not.toMatch(/\n\s+at /);
    expect(fake.generations()).toHaveLength(2);
    expect(await headerImages()).toEqual(['png 1344x756', 'png 1344x756']);
    const bundle = (await listFiles(join(site, 'dist'))).filter((file) => file.endsWith('.js'));
    const code = (
      await Promise.all(bundle.map((file) => readFile(join(site, 'dist', file), 'utf8')))
    ).join('\n');
    expect(code).toMatch(/assets\/[^"']+\.png/);
  });

  it('a second build makes no request', { timeout: BUILD_MS }, async () => {
    fake.reset();
    await build(site, vite);
    expect(fake.requests).toHaveLength(0);
    expect(await headerImages()).toEqual(['png 1344x756', 'png 1344x756']);
  });

  it('an S3 remote with neither aws4fetch nor an access key names both in one warning line', {
    timeout: BUILD_MS,
  }, async () => {
    // An empty local cache, so that the build asks the remote (then generates, against the fake).
    await rm(join(site, '.headerforge'), { recursive: true, force: true });
    fake.reset();
    const output = await build(site, vite, {
      HEADERFORGE_REMOTE: 's3://headerforge-install?endpoint=http://127.0.0.1:9',
    });
    const warned = output.split('\n').filter((line) => line.includes('npm install aws4fetch'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('the aws4fetch package is not installed');
    expect(warned[0]).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set');
    expect(output).not.toMatch(/\n\s+at /);
    expect(fake.generations()).toHaveLength(2);
  });
});
