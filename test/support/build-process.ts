import { type ChildProcess, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type GenerationKeyInput, generationKey, openImageStore } from '@headerforge/core/internal';

// Real builds in child processes (the built packages, as users get them), so that one can
// be killed with SIGKILL and several can race on one cache or one remote. See
// fixtures/run-pipeline.mjs.
const script = join(import.meta.dirname, '..', 'fixtures', 'run-pipeline.mjs');

export interface BuildConfig {
  root: string;
  baseURL: string;
  apiKey: string;
  prompts: string[];
  concurrency?: number;
  /** Default `<root>/.headerforge`; several roots may share one. */
  cacheDir?: string;
  model?: string;
  imageSize?: string;
  /** Sent as the X-Title header, so the fake's records tell builds apart. */
  appName?: string;
  widths?: number[];
  formats?: string[];
  /** How the paid image is kept (the pipeline's `original` setting); default compact. */
  original?: 'compact' | 'as-received';
  /** A shared remote cache URL, and its credentials / read-only switch in `env`. */
  remote?: string;
  env?: Record<string, string>;
}

export type BuildEvent = Record<string, unknown> & { type: string };

export interface BuildProcess {
  process: ChildProcess;
  events: BuildEvent[];
  /** The exit code; null when killed by a signal. */
  exit: Promise<number | null>;
}

/** The `result` line of a finished build. */
export interface BuildResult {
  headers: Array<{ file: string; key: string; sha256: string; source: string; master: string }>;
  failures: Array<{ file: string; message: string }>;
}

export function spawnBuild(
  config: BuildConfig,
  onEvent?: (event: BuildEvent, build: BuildProcess) => void,
): BuildProcess {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const handle: BuildProcess = {
    process: child,
    events: [],
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const event = JSON.parse(line) as BuildEvent;
    handle.events.push(event);
    onEvent?.(event, handle);
  });
  return handle;
}

export function resultOf(build: BuildProcess): BuildResult {
  const result = build.events.find((event) => event.type === 'result');
  if (!result) throw new Error(`the build printed no result: ${JSON.stringify(build.events)}`);
  return result as unknown as BuildResult;
}

/** What run-pipeline.mjs pays for, per prompt. */
export const keyInputOf = (
  prompt: string,
  config: Pick<BuildConfig, 'model' | 'imageSize'> = {},
): GenerationKeyInput => ({
  provider: 'openrouter',
  prompt,
  model: config.model ?? 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: (config.imageSize ?? '1K') as GenerationKeyInput['imageSize'],
});

export const keyOf = (prompt: string, config: Pick<BuildConfig, 'model' | 'imageSize'> = {}) =>
  generationKey(keyInputOf(prompt, config));

/**
 * Looks every prompt up read-only (nothing is moved or recovered): each is a verified hit,
 * an orphan (its image landed, its sidecar not yet: a build recovers it without paying), or
 * a clean miss. `corrupt` lists why any entry is none of these (a torn or half-made entry).
 */
export async function auditCache(
  cacheDir: string,
  prompts: string[],
  config: Pick<BuildConfig, 'model' | 'imageSize'> = {},
): Promise<{ hits: number; orphans: number; corrupt: string[]; persisted: Set<string> }> {
  const store = openImageStore(cacheDir, { readOnly: true });
  const files = await committedFiles(cacheDir);
  let hits = 0;
  let orphans = 0;
  const corrupt: string[] = [];
  /** The prompts whose image is saved: a build must never pay for them again. */
  const persisted = new Set<string>();
  for (const prompt of new Set(prompts)) {
    const input = keyInputOf(prompt, config);
    const result = await store.lookup(input);
    if (result.status === 'corrupt') corrupt.push(result.reason);
    const key = generationKey(input);
    const orphan = result.status === 'miss' && files.some((name) => name.startsWith(`${key}.`));
    if (result.status === 'hit') hits += 1;
    if (orphan) orphans += 1;
    if (result.status === 'hit' || orphan) persisted.add(prompt);
  }
  return { hits, orphans, corrupt, persisted };
}

/** The names of the committed files (images and sidecars) in a cache's shards. */
export async function committedFiles(cacheDir: string): Promise<string[]> {
  const shards = (await readdir(cacheDir).catch(() => [] as string[])).filter((name) =>
    /^[0-9a-f]{2}$/.test(name),
  );
  const names: string[] = [];
  for (const shard of shards)
    names.push(...(await readdir(join(cacheDir, shard))).filter((n) => !n.startsWith('.')));
  return names.sort();
}
