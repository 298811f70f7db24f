// Scale (issue 16, item 6): the same warm figures at 1,000 and 10,000 posts, and how each
// grows; and the peak RSS of a cold generation of 200 images at 4K.
//
// Filling a 10,000-post cache through the pipeline would derive 10,000 images (an hour on
// two cores), so only `SOURCES` posts are generated and derived for real; every other post
// gets a clone of one of them: its own entry under the real key of its own prompt, image
// bytes made unique by a PNG text chunk (same pixels, its own sha256, so its own derived
// key), its own derived set (the source set's files hard-linked, its manifest under the
// new key) and its own title card (the source's card hard-linked under the key of the post's
// own title: the lookup stats a card, it never reads one). A warm build then does for each post exactly what it does on a real site. Before
// anything is timed, one warm lookup proves it: every post cached, no request, no sharp call.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { buildHeaders } from '@headerforge/core';
import sharp from 'sharp';
import {
  cardFile,
  cardKey,
  derivativeKey,
  fileStem,
  generationKey,
} from '../packages/core/dist/internal/index.js';
import { writeSites } from './astro-site.mjs';
import { startFakeProcess } from './fake-process.mjs';
import { median } from './median.mjs';

const run = promisify(execFile);
const here = import.meta.dirname;
const repo = join(here, '..');
const headerforgeBin = join(repo, 'packages/core/dist/cli/bin.js');
const countSharp = pathToFileURL(join(here, 'count-sharp.mjs')).href;
const KEY = 'sk-or-v1-bench';
/** Posts generated and derived for real; the others are their clones. */
const SOURCES = 50;
const REPEATS = 3;

export async function scale({ sizes = [1000, 10000], cold = true, log = console.log } = {}) {
  const fake = await startFakeProcess({ apiKey: KEY });
  const { NODE_ENV: _, HEADERFORGE_REMOTE: __, ...inherited } = process.env;
  const env = { ...inherited, OPENROUTER_API_KEY: KEY, OPENROUTER_BASE_URL: fake.baseURL };
  try {
    const out = { sources: SOURCES, repeats: REPEATS, sites: {} };
    for (const posts of sizes) {
      const root = await scaleSite(posts, env, log);
      out.sites[posts] = await measureSite(root, posts, env, log);
      log(`scale ${posts}:`, out.sites[posts]);
    }
    if (!cold) return out;
    await fake.reset();
    out.cold4K = await cold4K(fake, log);
    if ((await fake.generations()) !== out.cold4K.generated)
      throw new Error('scale: the cold 4K run made more requests than images');
    return out;
  } finally {
    await fake.close();
  }
}

async function measureSite(root, posts, env, log) {
  // The first lookup hashes every original and records the warm index: what the first
  // build after a clone does. It also proves the cache: all cached, nothing made.
  const first = await lookup(root, env);
  if (first.cached !== posts || first.generated !== 0 || first.sharpCalls !== 0)
    throw new Error(
      `scale ${posts}: the cache is not warm (${first.cached} cached, ${first.generated} generated, ${first.sharpCalls} sharp calls)`,
    );
  log(`scale ${posts}: timing the warm lookup, status and doctor --quick…`);
  const lookups = [];
  for (let i = 0; i < REPEATS; i++) lookups.push(await lookup(root, env));
  if (lookups.some((l) => l.cached !== posts || l.sharpCalls !== 0 || l.generated !== 0))
    throw new Error(`scale ${posts}: a warm lookup did more than look up`);
  const cli = async (args) => {
    const times = [];
    for (let i = 0; i < REPEATS; i++) {
      const started = performance.now();
      await run(process.execPath, [headerforgeBin, ...args], {
        cwd: root,
        env,
        maxBuffer: 256 * 2 ** 20,
      });
      times.push(performance.now() - started);
    }
    return { ms: Math.round(median(times)), allMs: times.map(Math.round) };
  };
  const lookupMs = median(lookups.map((l) => l.totalMs));
  return {
    posts,
    warm: {
      totalMs: Math.round(lookupMs),
      perThousandMs: Math.round((lookupMs * 1000) / posts),
      scanMs: Math.round(median(lookups.map((l) => l.scanMs))),
      lookupMs: Math.round(median(lookups.map((l) => l.lookupMs))),
      allMs: lookups.map((l) => Math.round(l.totalMs)),
    },
    peakRssMiB: Math.max(...lookups.map((l) => l.peakRssMiB)),
    rssRuns: lookups.map((l) => l.peakRssMiB),
    status: await cli(['status']),
    doctorQuick: await cli(['doctor', '--quick']),
  };
}

async function lookup(root, env) {
  const scratch = await mkdtemp(join(tmpdir(), 'hf-bench-scale-'));
  try {
    const counts = join(scratch, 'sharp.json');
    const { stdout } = await run(
      process.execPath,
      [`--import=${countSharp}`, join(here, 'lookup-child.mjs'), root],
      { env: { ...env, HEADERFORGE_BENCH_SHARP_COUNT: counts }, maxBuffer: 2 ** 20 },
    );
    const result = JSON.parse(stdout);
    result.sharpCalls = JSON.parse(await readFile(counts, 'utf8')).ours;
    return result;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * `.tmp/bench-scale/<posts>/headerforge`, a warm site of `posts` posts, reused while the
 * inputs that decide its files are unchanged (this file, the site writer, the key and
 * layout modules, sharp's version).
 */
async function scaleSite(posts, env, log) {
  const dir = join(repo, '.tmp', 'bench-scale', String(posts));
  const root = join(dir, 'headerforge');
  const inputs = await inputsHash(posts);
  const stampFile = join(dir, 'inputs.sha256');
  if ((await readFile(stampFile, 'utf8').catch(() => '')) === inputs) {
    log(`scale ${posts}: reusing ${dir}`);
    return root;
  }
  log(`scale ${posts}: writing the site and its cache (${SOURCES} real images, cloned)…`);
  const started = performance.now();
  await writeSites(dir, posts);
  // The plain twin is the warm figure's; this one has no use for it.
  await rm(join(dir, 'plain'), { recursive: true, force: true });
  const sources = await realSources(env);
  await cloneCache(root, posts, sources);
  await copyFile(
    join(sourcesRoot, '.headerforge/.gitignore'),
    join(root, '.headerforge/.gitignore'),
  );
  await writeFile(stampFile, inputs);
  log(`scale ${posts}: site ready in ${Math.round((performance.now() - started) / 1000)} s`);
  return root;
}

async function inputsHash(posts) {
  const hash = createHash('sha256').update(`${posts} ${SOURCES} ${sharp.versions.sharp}\n`);
  const files = [
    join(here, 'scale.mjs'),
    join(here, 'astro-site.mjs'),
    ...[
      'cache/keys.js',
      'cache/layout.js',
      'cache/sidecar.js',
      'derive/key.js',
      'derive/card-key.js',
      'derive/card-store.js',
      'derive/manifest.js',
      // tsc's output, one file per module (dist/ is bundled: see scripts/bundle.mjs).
    ].map((f) => join(repo, 'packages/core/build', f)),
  ];
  for (const file of files) hash.update(await readFile(file));
  return hash.digest('hex');
}

/** `SOURCES` posts generated and derived through the real pipeline, as the lookup derives. */
const sourcesRoot = join(repo, '.tmp', 'bench-scale', 'sources', 'headerforge');

async function realSources(env) {
  const root = sourcesRoot;
  await writeSites(dirname(root), SOURCES);
  // Kept as received (PNG), so that each clone can differ by a text chunk (`withTextChunk`).
  // How the originals are stored changes neither the keys nor the lookup, which reads no image.
  const result = await buildHeaders({ root, env, options: { original: 'as-received' } });
  if (result.failures.length > 0 || result.headers.length !== SOURCES)
    throw new Error(`scale: ${result.failures.length} of the ${SOURCES} source images failed`);
  return Promise.all(
    result.headers.map(async (header) => {
      const sidecar = JSON.parse(
        await readFile(header.original.file.replace(/\.png$/, '.json'), 'utf8'),
      );
      const spec = {
        aspectRatio: header.job.aspectRatio,
        focus: header.job.focus,
        widths: result.options.widths,
        formats: result.options.formats,
        og: result.options.og,
        variants: true,
      };
      // The clones' keys are made the way the pipeline makes them: checked on the sources.
      if (generationKey(input(sidecar)) !== header.key)
        throw new Error('scale: a source sidecar does not give its own generation key');
      if (derivativeKey(sidecar.sha256, spec) !== header.derived.key)
        throw new Error('scale: a source set does not have the derived key its spec gives');
      const setDir = dirname(header.derived.master.file);
      // The site's posts have titles: each gets a title card (the default social card).
      if (!header.cards?.length) throw new Error('scale: a source post has no title card');
      return {
        cards: header.cards,
        focus: header.job.focus,
        cardSettings: result.options.og,
        sidecar,
        bytes: await readFile(header.original.file),
        spec,
        setDir,
        manifest: JSON.parse(await readFile(join(setDir, 'manifest.json'), 'utf8')),
      };
    }),
  );
}

const input = (sidecar) => ({
  provider: sidecar.provider,
  prompt: sidecar.prompt,
  model: sidecar.model,
  aspectRatio: sidecar.aspectRatio,
  imageSize: sidecar.imageSize,
  seed: sidecar.seed ?? undefined,
});

/** Every post of the site at `root` gets its own entry and derived set, cloned from a source. */
async function cloneCache(root, posts, sources) {
  const cacheDir = join(root, '.headerforge');
  const derivedDir = join(root, 'node_modules/.cache/headerforge/derived');
  const cardsDir = join(root, 'node_modules/.cache/headerforge/cards');
  const sitePrompts = await promptsOf(root, posts);
  for (let i = 0; i < posts; i++) {
    const source = sources[i % sources.length];
    const { file, prompt, title } = sitePrompts[i];
    const key = generationKey(input({ ...source.sidecar, prompt }));
    const bytes = withTextChunk(source.bytes, `headerforge-bench ${file}`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const shard = join(cacheDir, key.slice(0, 2));
    await mkdir(shard, { recursive: true });
    await writeFile(join(shard, `${key}.png`), bytes);
    const sidecar = {
      ...source.sidecar,
      key,
      prompt,
      file: `${key}.png`,
      sha256,
      bytes: bytes.length,
      generationId: `bench-clone-${i}`,
      sources: [file],
    };
    await writeFile(join(shard, `${key}.json`), `${JSON.stringify(sidecar, null, 2)}\n`);
    const derivedKey = derivativeKey(sha256, source.spec);
    const setDir = join(derivedDir, derivedKey.slice(0, 2), derivedKey);
    await mkdir(setDir, { recursive: true });
    const manifest = { ...source.manifest, key: derivedKey };
    for (const entry of [manifest.master, ...manifest.variants, manifest.og].filter(Boolean))
      await link(join(source.setDir, entry.file), join(setDir, entry.file));
    await writeFile(join(setDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    for (const card of source.cards) {
      const size = { width: card.width, height: card.height };
      const key = cardKey({
        originalSha256: sha256,
        focus: source.focus,
        size,
        title,
        placeholder: false,
        settings: source.cardSettings,
      });
      const clone = cardFile(cardsDir, { key, size, stem: fileStem(file) });
      await mkdir(dirname(clone), { recursive: true });
      await link(card.file, clone);
    }
  }
}

/** Each post's file, prompt and title, as `astro-site.mjs` wrote them (read back, not restated). */
async function promptsOf(root, posts) {
  const out = [];
  for (let i = 1; i <= posts; i++) {
    const file = `src/content/blog/post-${String(i).padStart(4, '0')}.md`;
    const text = await readFile(join(root, file), 'utf8');
    const prompt = /^header: "(.*)"$/m.exec(text)?.[1];
    const title = /^title: (.*)$/m.exec(text)?.[1]?.trim();
    if (!prompt || !title) throw new Error(`scale: no header prompt or title in ${file}`);
    out.push({ file, prompt, title });
  }
  return out;
}

/** The PNG with a tEXt chunk after IHDR: the same pixels, other bytes. */
function withTextChunk(png, text) {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4;
  const body = Buffer.concat([Buffer.from('tEXt'), Buffer.from(`Comment\0${text}`, 'latin1')]);
  const chunk = Buffer.alloc(4 + body.length + 4);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), 4 + body.length);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/** A cold generation of 200 images at 4K in a fresh process (as the memory figure's runs). */
async function cold4K(fake, log, n = 200) {
  log(`scale: cold generation of ${n} images at 4K…`);
  const root = await mkdtemp(join(tmpdir(), 'hf-bench-scale4k-'));
  try {
    const { stdout } = await run(
      process.execPath,
      [
        join(here, 'memory-child.mjs'),
        JSON.stringify({ n, root, baseURL: fake.baseURL, apiKey: KEY }),
      ],
      { maxBuffer: 2 ** 20 },
    );
    const child = JSON.parse(stdout);
    if (child.failed > 0) throw new Error(`scale: ${child.failed} of ${n} 4K images failed`);
    return child;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The README table's rows. */
export function scaleRows(r) {
  if (!r) return [];
  const ok = (good) => (good ? 'met' : '**missed**');
  const small = r.sites[1000];
  const large = r.sites[10000];
  if (!small || !large) return [];
  const growth = (a, b) => `${(b / a).toFixed(1)}×`;
  const row = (what, a, b, unit, goal, met) =>
    `| scale, ${what}, 1,000 → 10,000 posts | ${a} → ${b} ${unit} (${growth(a, b)}) | ${goal} | ${met === undefined ? '' : ok(met)} |`;
  return [
    row(
      'headerforge’s own warm scan, hash and lookup',
      small.warm.totalMs,
      large.warm.totalMs,
      `ms; per 1,000 posts ${small.warm.perThousandMs} → ${large.warm.perThousandMs} ms`,
      'per 1,000 no worse at 10k',
      // Within the noise of one run on this machine.
      large.warm.perThousandMs <= small.warm.perThousandMs * 1.1,
    ),
    row(
      'peak RSS of that warm lookup',
      small.peakRssMiB,
      large.peakRssMiB,
      'MiB',
      '< 300 MB',
      large.peakRssMiB * 2 ** 20 < 300e6,
    ),
    row(
      '`headerforge status` (median of 3)',
      small.status.ms,
      large.status.ms,
      'ms',
      '< 2 s',
      large.status.ms < 2000,
    ),
    row(
      '`headerforge doctor --quick` (median of 3)',
      small.doctorQuick.ms,
      large.doctorQuick.ms,
      'ms',
      '< 2 s',
      large.doctorQuick.ms < 2000,
    ),
    `| scale, peak RSS of a cold generation of ${r.cold4K.n} images at 4K (${r.cold4K.seconds} s) | ${r.cold4K.peakRssMiB} MiB | < 512 MB | ${ok(r.cold4K.peakRssMiB * 2 ** 20 < 512e6)} |`,
  ];
}

if (import.meta.filename === process.argv[1]) {
  // `node bench/scale.mjs [--no-cold] [posts…]`: parts of the figure, while working on them.
  const args = process.argv.slice(2);
  const sizes = args.filter((arg) => arg !== '--no-cold').map(Number);
  const options = { cold: !args.includes('--no-cold'), ...(sizes.length ? { sizes } : {}) };
  console.log(JSON.stringify(await scale(options), null, 2));
}
