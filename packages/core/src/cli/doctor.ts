import { randomBytes } from 'node:crypto';
import { mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import pLimit from 'p-limit';
import { openCommittedStore, type StoreListing } from '../cache/store.js';
import { openWarmIndex } from '../cache/warm-index.js';
import { isHeaderforgeError } from '../errors/headerforge-error.js';
import type { AspectRatio, ImageSize } from '../image/ratios.js';
import type { ImageModel } from '../openrouter/catalogue.js';
import type { OpenRouterClient } from '../openrouter/client.js';
import { redact } from '../openrouter/redact.js';
import { type ResolvedHeaderforgeOptions, resolveOptions } from '../site/options.js';
import { scanContent } from '../site/scan.js';
import { siteClient } from '../site/site-client.js';
import { type CliIO, withSiteEnv } from './io.js';
import { type LoadedSite, loadSite } from './load-site.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  message: string;
  /** What to do about it; only for warn and fail. */
  hint?: string;
}

/** Kept in step with `engines.node` in every package.json: older Nodes are not tested. */
const MIN_NODE = [22, 12] as const;
/** Enough hashing in flight to overlap disk reads without holding a whole cache in memory. */
const VERIFY_CONCURRENCY = 4;

const ok = (check: string, message: string): CheckResult => ({ check, status: 'ok', message });
const flag = (check: string, status: 'warn' | 'fail', message: string, hint: string) => ({
  check,
  status,
  message,
  hint,
});
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** Messages are one line each; a scan error lists its files on several. */
const oneLine = (text: string) => text.replace(/:\n/g, ': ').replace(/\n/g, '; ');

/**
 * `headerforge doctor`: everything a build depends on, checked in the order a build meets
 * it, so the first failure is usually the cause of the rest. Changes nothing: corrupt cache
 * entries are reported, not set aside, and the write probes are removed.
 */
export async function doctor(
  flags: { root: string; config?: string; json?: boolean; quick?: boolean },
  io: CliIO,
): Promise<number> {
  const site = await loadSite(flags.root, flags.config);
  const options = resolveOptions(site.options, site);
  const env = withSiteEnv(io.env, site.root);
  const apiKey = env.OPENROUTER_API_KEY?.trim() || undefined;

  const results: CheckResult[] = [checkNode(process.versions.node), checkKey(io.env, apiKey)];
  const server = await checkServer(env, site);
  results.push(server.result);
  results.push(await checkModels(options, site, server, flags.quick ?? false));
  results.push(await checkWritable(options));
  results.push(await checkCache(options, flags.quick ?? false));

  // Belt and braces: messages quote servers and files, and the key must never be shown.
  const shown = results.map((result) => ({
    ...result,
    message: redact(result.message, apiKey),
    ...(result.hint === undefined ? {} : { hint: redact(result.hint, apiKey) }),
  }));
  if (flags.json) io.out(JSON.stringify(shown, null, 2));
  else print(shown, io);
  return shown.some((result) => result.status === 'fail') ? 1 : 0;
}

function print(results: CheckResult[], io: CliIO): void {
  const width = Math.max(...results.map((result) => result.check.length));
  const indent = ' '.repeat(4 + 2 + width + 2);
  for (const result of results) {
    io.out(`${result.status.padEnd(4)}  ${result.check.padEnd(width)}  ${result.message}`);
    if (result.hint) io.out(`${indent}hint: ${result.hint}`);
  }
}

function checkNode(version: string): CheckResult {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const needed = `${MIN_NODE[0]}.${MIN_NODE[1]}`;
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]))
    return ok('node', `Node ${version} (headerforge needs ${needed} or later)`);
  return flag(
    'node',
    'fail',
    `Node ${version} is too old: headerforge needs ${needed} or later`,
    `Install Node ${needed} or later (https://nodejs.org/), then run headerforge again.`,
  );
}

/** Says where the key comes from and nothing of the key itself, not even its prefix. */
function checkKey(processEnv: NodeJS.ProcessEnv, apiKey: string | undefined): CheckResult {
  if (apiKey) {
    const from = processEnv.OPENROUTER_API_KEY?.trim() ? 'the environment' : 'the site’s .env';
    return ok('api-key', `OPENROUTER_API_KEY is set in ${from} (not shown)`);
  }
  return flag(
    'api-key',
    'warn',
    'OPENROUTER_API_KEY is not set: nothing new can be generated',
    'Without it, builds use placeholder images locally and only the committed cache in CI (cache-only). To generate, set it in the environment or the site’s .env (keys: https://openrouter.ai/settings/keys).',
  );
}

interface ServerCheck {
  result: CheckResult;
  baseURL: string;
  /** The image models the server lists; absent when it could not be asked. */
  models?: ImageModel[];
  client?: OpenRouterClient;
}

async function checkServer(env: NodeJS.ProcessEnv, site: LoadedSite): Promise<ServerCheck> {
  let client: OpenRouterClient | undefined;
  try {
    // Inside the try: a base URL that is not a URL is this check's failure, not a crash.
    client = siteClient(env, site.options);
    const models = await client.listImageModels();
    return {
      result: ok('base-url', `${client.baseURL} lists ${plural(models.length, 'image model')}`),
      baseURL: client.baseURL,
      models,
      client,
    };
  } catch (error) {
    if (!isHeaderforgeError(error)) throw error;
    return {
      result: flag(
        'base-url',
        'fail',
        oneLine(error.message),
        error.hint ?? 'Check the network, OPENROUTER_BASE_URL and the baseURL option.',
      ),
      baseURL: client?.baseURL ?? '',
    };
  }
}

/** What one place (the site options or one post) asks a model for. */
interface ModelUse {
  where: string;
  model: string;
  aspectRatio: string;
  imageSize: string;
  seed?: number | undefined;
}

interface Finding {
  problem: string;
  hint: string;
}

async function checkModels(
  options: ResolvedHeaderforgeOptions,
  site: LoadedSite,
  server: ServerCheck,
  quick: boolean,
): Promise<CheckResult> {
  if (!server.models || !server.client) {
    return flag(
      'model',
      'warn',
      'skipped: the server’s model list could not be fetched',
      'Fix the base-url check above, then run headerforge doctor again.',
    );
  }
  const siteUse: ModelUse = {
    where: site.source,
    model: options.model,
    aspectRatio: options.aspectRatio,
    imageSize: options.imageSize,
  };
  const scan = await postUses(options, siteUse, quick);
  const known = server.models.map((model) => model.id);
  const { client } = server;
  const perUse = await Promise.all(
    [siteUse, ...scan.uses].map((use) => useFindings(use, known, client, options)),
  );
  const findings = [...(scan.failure ? [scan.failure] : []), ...perUse.flat()];
  if (findings.length > 0) {
    const hints = new Set(findings.map((finding) => finding.hint));
    return flag(
      'model',
      'fail',
      findings.map((finding) => finding.problem).join('; '),
      [...hints].join(' '),
    );
  }
  const own = scan.uses.length;
  return ok(
    'model',
    `${siteUse.model} outputs ${siteUse.aspectRatio} images at ${siteUse.imageSize} (${plural(scan.posts, 'post')} checked${own > 0 ? `, ${own} with their own model, ratio, size or seed` : ''})`,
  );
}

/** The posts that ask for something other than the site's settings (the rest share its line). */
async function postUses(
  options: ResolvedHeaderforgeOptions,
  site: ModelUse,
  quick: boolean,
): Promise<{ uses: ModelUse[]; posts: number; failure?: Finding }> {
  try {
    // --quick trusts each unchanged post's header fields as the last build recorded them
    // (read, never written), as `status` does: reading and parsing 10,000 posts was most of
    // its time.
    const warmIndex = quick ? openWarmIndex(options.derivedCacheDir) : undefined;
    const { jobs } = await scanContent(options, warmIndex);
    const uses = jobs
      .filter(
        (job) =>
          job.model !== site.model ||
          job.aspectRatio !== site.aspectRatio ||
          job.imageSize !== site.imageSize ||
          job.seed !== undefined,
      )
      .map((job) => ({
        where: `${job.file}${job.line ? `:${job.line}` : ''}`,
        model: job.model,
        aspectRatio: job.aspectRatio,
        imageSize: job.imageSize,
        seed: job.seed,
      }));
    return { uses, posts: jobs.length };
  } catch (error) {
    if (!isHeaderforgeError(error)) throw error;
    const problem = `cannot read the posts: ${oneLine(error.message)}`;
    return {
      uses: [],
      posts: 0,
      failure: { problem, hint: error.hint ?? 'Fix the content files the message names.' },
    };
  }
}

/** What the model's endpoint would refuse: the same check a build makes before paying. */
async function useFindings(
  use: ModelUse,
  known: string[],
  client: OpenRouterClient,
  options: ResolvedHeaderforgeOptions,
): Promise<Finding[]> {
  if (!known.includes(use.model)) {
    return [
      {
        problem: `${use.where}: model "${use.model}" is not an image model at ${client.baseURL}`,
        hint: `Use an image model the server lists (${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''}); \`headerforge models\` lists them all with their ratios and sizes.`,
      },
    ];
  }
  try {
    await client.preflight({
      prompt: 'headerforge doctor',
      model: use.model,
      aspectRatio: use.aspectRatio as AspectRatio,
      imageSize: use.imageSize as ImageSize,
      ...(use.seed === undefined ? {} : { seed: use.seed }),
    });
    return [];
  } catch (error) {
    if (!isHeaderforgeError(error)) throw error;
    return [
      {
        problem: `${use.where}: ${oneLine(error.message)}`,
        hint: `${error.hint ?? 'Use a value the model accepts.'} Set it in the site options or in the post’s ${options.field} (aspectRatio, size).`,
      },
    ];
  }
}

async function checkWritable(options: ResolvedHeaderforgeOptions): Promise<CheckResult> {
  const dirs = [options.cacheDir, options.derivedCacheDir];
  const problems = (await Promise.all(dirs.map((dir) => probeWrite(dir, options.root)))).filter(
    (problem): problem is string => problem !== undefined,
  );
  const names = dirs.map((dir) => show(dir, options.root)).join(' and ');
  if (problems.length === 0) return ok('cache-writable', `${names} accept new files`);
  return flag(
    'cache-writable',
    'fail',
    problems.join('; '),
    'Builds store images there: make the folder writable by this user, or point the cacheDir / derivedCacheDir options elsewhere.',
  );
}

/** Writes and removes a file in `dir`, and removes any folder made for it: doctor leaves no trace. */
async function probeWrite(dir: string, root: string): Promise<string | undefined> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true });
    // Named like the store's temp files, so a probe left by a crash is git-ignored.
    const probe = join(dir, `.doctor-probe.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '', { flag: 'wx' });
    await rm(probe);
    return undefined;
  } catch (error) {
    return `cannot write in ${show(dir, root)}: ${(error as Error).message}`;
  } finally {
    if (created) await removeCreated(dir, created);
  }
}

/** Removes `dir` and its parents up to `top`, stopping at the first that is not empty. */
async function removeCreated(dir: string, top: string): Promise<void> {
  for (let current = dir; ; current = dirname(current)) {
    const removed = await rmdir(current).then(
      () => true,
      () => false,
    );
    if (!removed || current === top || dirname(current) === current) return;
  }
}

async function checkCache(
  options: ResolvedHeaderforgeOptions,
  quick: boolean,
): Promise<CheckResult> {
  const { cacheDir: dir, root } = options;
  // Read-only and without the verification notes: nothing is moved, every byte is hashed
  // (or, --quick, every size compared with its sidecar).
  const store = openCommittedStore(options, { readOnly: true, sizesOnly: quick });
  let listing: StoreListing;
  try {
    listing = await store.list();
  } catch (error) {
    if (!isHeaderforgeError(error)) throw error;
    return flag('cache-verifies', 'fail', error.message, error.hint ?? '');
  }
  if (!listing.exists)
    return ok('cache-verifies', `empty cache (no ${show(dir, root)} folder yet)`);
  const withSidecar = listing.entries.filter((entry) => entry.sidecarFile !== undefined);
  const orphans = listing.entries
    .filter((entry) => entry.sidecarFile === undefined)
    .flatMap((entry) => entry.files.map((file) => show(file, root)));
  const limit = pLimit(VERIFY_CONCURRENCY);
  const problems = (
    await Promise.all(withSidecar.map((entry) => limit(() => store.check(entry))))
  ).filter((problem): problem is string => problem !== undefined);
  const verified = withSidecar.length - problems.length;
  return cacheResult(
    show(dir, root),
    verified,
    [...listing.problems, ...problems].sort(),
    orphans.sort(),
    quick,
  );
}

function cacheResult(
  dir: string,
  verified: number,
  corrupt: string[],
  orphans: string[],
  quick: boolean,
): CheckResult {
  const orphanNote =
    orphans.length > 0
      ? `${plural(orphans.length, 'image')} without a sidecar: ${orphans.join(', ')}`
      : undefined;
  const orphanHint =
    'An image without its sidecar is what a crash between two writes leaves: `headerforge generate` writes the sidecar back if a post still asks for that image; otherwise delete it.';
  if (corrupt.length > 0) {
    return flag(
      'cache-verifies',
      'fail',
      [`${verified} verified, ${corrupt.length} corrupt: ${corrupt.join('; ')}`, orphanNote]
        .filter(Boolean)
        .join('; '),
      `Restore the entries from git (git checkout -- ${dir}), or run \`headerforge generate\`: it sets corrupt entries aside in ${dir}/.quarantine/ and pays to generate them again.${orphanNote ? ` ${orphanHint}` : ''}`,
    );
  }
  const counted =
    verified === 0 && !orphanNote
      ? `empty cache (${dir} holds no images yet)`
      : quick
        ? `${plural(verified, 'cached image')} checked by size and sidecar (--quick: run without it to hash every byte)`
        : `${plural(verified, 'cached image')} verified (every byte hashed)`;
  if (orphanNote) return flag('cache-verifies', 'warn', `${counted}; ${orphanNote}`, orphanHint);
  return ok('cache-verifies', counted);
}

/** Paths in messages are relative to the site, as the store shows them. */
function show(path: string, root: string): string {
  return relative(root, path) || '.';
}
