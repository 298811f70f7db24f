import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FakeOpenRouter } from '@headerforge/core/testing';
import { expect } from 'vitest';
import {
  auditCache,
  type BuildConfig,
  committedFiles,
  resultOf,
  spawnBuild,
} from './build-process.js';
import { decodesFully, keptHashes } from './cache-audit.js';
import { seededRandom } from './prng.js';

export interface CrashLoopSettings {
  fake: FakeOpenRouter;
  /** The site the builds run in; its cache is `<root>/.headerforge`. */
  root: string;
  apiKey: string;
  prompts: string[];
  /** Builds actually killed (a build that finishes before its kill point does not count). */
  kills: number;
  seed: number;
  concurrency: number;
  model: string;
  imageSize: string;
  /** How the builds keep paid images; default compact. */
  original?: 'compact' | 'as-received';
}

/** One build of the loop and what it left behind. */
export interface CrashRun {
  /** Killed after this many of its events (0: during start-up), plus `delayMs`. */
  killPoint: { afterEvents: number; delayMs: number };
  killed: boolean;
  requests: number;
  /** This build's requests whose image is not in the cache after it died: paid, or about to be, and not saved. */
  inFlight: number;
  /**
   * Requests the build sent before it died that the fake read only after the build was
   * audited: in flight by definition (no answer can have reached a dead build). Counted in
   * `requests` and `inFlight` once the loop is over.
   */
  lateArrivals: number;
  /** Of those, the ones whose whole answer had reached the build. */
  deliveredUnsaved: number;
  /** Keys persisted (verified, or an image whose sidecar was cut off) after the build. */
  persisted: number;
  /** Prompts this build requested although their image was saved before it started. */
  repaid: string[];
  /** Entries that are neither a hit, an orphan image, nor a clean miss: torn files. */
  corrupt: string[];
  /** Committed images that do not decode to the last pixel. */
  undecodable: string[];
}

export interface CrashLoopOutcome {
  runs: CrashRun[];
  /** The normal build after the kills. */
  final: { code: number | null; requests: number; persistedBefore: number; masters: string[] };
  totalRequests: number;
  uniqueKeys: number;
}

const cacheDirOf = (root: string) => join(root, '.headerforge');

/**
 * Builds the same site again and again, killing each build with SIGKILL at a random point
 * (seeded: `seed` replays the schedule), auditing the cache after every kill, then runs a
 * normal build. The fake's records are told apart per build by their X-Title.
 */
export async function runCrashLoop(settings: CrashLoopSettings): Promise<CrashLoopOutcome> {
  const { fake, root, prompts } = settings;
  const random = seededRandom(settings.seed);
  const cacheDir = cacheDirOf(root);
  const config = (appName: string): BuildConfig => ({
    root,
    baseURL: fake.baseURL,
    apiKey: settings.apiKey,
    prompts,
    concurrency: settings.concurrency,
    model: settings.model,
    imageSize: settings.imageSize,
    ...(settings.original ? { original: settings.original } : {}),
    appName,
  });
  const requestsOf = (appName: string) =>
    fake.generations().filter((request) => request.headers['x-title'] === appName);
  const checked = new Map<string, number>();

  const promptOf = (request: { prompt?: string }) => request.prompt ?? '';
  let savedBefore = new Set<string>();

  const runs: CrashRun[] = [];
  for (let attempt = 0; runs.filter((run) => run.killed).length < settings.kills; attempt++) {
    if (attempt >= settings.kills * 3)
      throw new Error('too many builds finished before their kill point');
    const appName = `headerforge crash-loop ${attempt}`;
    // Mostly early (a few images in), so that many kills land while images are being paid
    // for; one in four later, in derivation or a warm build.
    const afterEvents = random.next() < 0.75 ? random.int(0, 14) : random.int(15, 60);
    const killPoint = { afterEvents, delayMs: random.int(0, 60) };
    const kill = (child: ReturnType<typeof spawnBuild>) =>
      setTimeout(() => child.process.kill('SIGKILL'), killPoint.delayMs);
    let seen = 0;
    const child = spawnBuild(config(appName), (_event, build) => {
      if (++seen === killPoint.afterEvents) kill(build);
    });
    // Point 0: somewhere in start-up (loading modules, the catalogue, the first lookups).
    if (killPoint.afterEvents === 0) killPoint.delayMs = random.int(0, 700);
    if (killPoint.afterEvents === 0) kill(child);
    const killed = (await child.exit) === null;

    const kept = await keptHashes(cacheDir);
    const unsaved = requestsOf(appName).filter(
      (request) => !kept.has(request.answer?.imageSha256 ?? ''),
    );
    const audit = await auditCache(cacheDir, prompts, settings);
    runs.push({
      killPoint,
      killed,
      requests: requestsOf(appName).length,
      inFlight: unsaved.length,
      lateArrivals: 0,
      deliveredUnsaved: unsaved.filter((request) => request.answer?.delivered).length,
      persisted: audit.hits + audit.orphans,
      repaid: requestsOf(appName)
        .map(promptOf)
        .filter((prompt) => savedBefore.has(prompt)),
      corrupt: audit.corrupt,
      undecodable: await newlyUndecodable(cacheDir, checked),
    });
    savedBefore = audit.persisted;
  }

  const persistedBefore = runs.at(-1)?.persisted ?? 0;
  const final = spawnBuild(config('headerforge crash-loop final'));
  const code = await final.exit;
  runs.forEach((run, attempt) => {
    run.lateArrivals = requestsOf(`headerforge crash-loop ${attempt}`).length - run.requests;
    run.requests += run.lateArrivals;
    run.inFlight += run.lateArrivals;
  });
  return {
    runs,
    final: {
      code,
      requests: requestsOf('headerforge crash-loop final').length,
      persistedBefore,
      masters: code === 0 ? resultOf(final).headers.map((header) => header.master) : [],
    },
    totalRequests: fake.generations().length,
    uniqueKeys: new Set(prompts).size,
  };
}

/** Decodes only committed images not seen before (by name and size): each is checked once. */
async function newlyUndecodable(cacheDir: string, checked: Map<string, number>): Promise<string[]> {
  const bad: string[] = [];
  for (const name of await committedFiles(cacheDir)) {
    if (name.endsWith('.json')) continue;
    const file = join(cacheDir, name.slice(0, 2), name);
    const { size } = await stat(file);
    if (checked.get(name) === size) continue;
    checked.set(name, size);
    if (!(await decodesFully(file))) bad.push(name);
  }
  return bad;
}

/**
 * What every killed build must leave: no torn or undecodable file, nothing already saved
 * paid for again, and at most what it had in flight (`concurrency`) lost.
 */
export function expectCleanCrashRuns(outcome: CrashLoopOutcome, concurrency: number): void {
  for (const [index, run] of outcome.runs.entries()) {
    const which = `build ${index}, killed after ${run.killPoint.afterEvents} events + ${run.killPoint.delayMs} ms`;
    expect(run.corrupt, which).toEqual([]);
    expect(run.repaid, which).toEqual([]);
    expect(run.undecodable, which).toEqual([]);
    expect(run.inFlight, which).toBeLessThanOrEqual(concurrency);
  }
}
