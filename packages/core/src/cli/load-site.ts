import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { HeaderforgeError } from '../errors/headerforge-error.js';
import { type HostSiteContext, hostSiteContext } from '../site/card-options.js';
import { HEADERFORGE_OPTIONS } from '../site/host-registry.js';
import type { HeaderforgeOptions } from '../site/options.js';

/** A site's options and what its host's config tells the title cards (`HostSiteContext`). */
export interface LoadedSite extends HostSiteContext {
  root: string;
  options: HeaderforgeOptions;
  /** The config file the options came from. */
  source: string;
  /**
   * Which host builds the site: an Astro site makes its own responsive variants, so the
   * command derives for it what an Astro build would (no variants of headerforge's own).
   */
  host: 'astro' | 'vite';
}

const CANDIDATES = ['astro.config', 'vite.config'].flatMap((name) =>
  ['mjs', 'js', 'ts', 'mts', 'cjs', 'cts'].map((ext) => `${name}.${ext}`),
);

/**
 * The options a site gives headerforge, read from its own Astro or Vite config: the
 * integration or plugin object carries them, so there is no second config to keep in sync.
 * Configs are loaded with Vite's loader (the site has Vite: both hosts use it), which
 * also handles TypeScript configs.
 */
export async function loadSite(rootArg: string, configArg?: string): Promise<LoadedSite> {
  const root = resolve(rootArg);
  const file = configArg
    ? resolve(root, configArg)
    : CANDIDATES.map((name) => join(root, name)).find((path) => existsSync(path));
  if (!file || !existsSync(file)) {
    throw new HeaderforgeError(
      'invalid_option',
      configArg
        ? `Config file ${configArg} does not exist`
        : `No astro.config.* or vite.config.* in ${root}`,
      {
        hint: 'Run headerforge in the site folder, or pass --root <dir> or --config <file>.',
      },
    );
  }
  let vite: {
    loadConfigFromFile: (
      env: object,
      file: string,
      root: string,
      logLevel?: string,
    ) => Promise<{ config: Record<string, unknown> } | null>;
  };
  try {
    vite = (await import('vite' as string)) as typeof vite;
  } catch {
    throw new HeaderforgeError(
      'invalid_option',
      `Cannot load ${basename(file)}: the site has no vite package installed`,
      {
        hint: 'Install the site’s dependencies (npm install) first.',
      },
    );
  }
  const loaded = await vite.loadConfigFromFile(
    { command: 'build', mode: 'production' },
    file,
    root,
    'silent',
  );
  const config = loaded?.config ?? {};
  const carries = (item: unknown): item is { [HEADERFORGE_OPTIONS]: HeaderforgeOptions } =>
    typeof item === 'object' && item !== null && HEADERFORGE_OPTIONS in item;
  const integration = (await flatten([config.integrations])).find(carries);
  const owner = integration ?? (await flatten([config.plugins])).find(carries);
  if (!owner) {
    throw new HeaderforgeError('invalid_option', `${basename(file)} does not use headerforge`, {
      hint: 'Add headerforge() from @headerforge/astro to integrations, or from @headerforge/vite to plugins.',
    });
  }
  return {
    root,
    options: owner[HEADERFORGE_OPTIONS],
    source: basename(file),
    host: integration ? 'astro' : 'vite',
    ...hostSiteContext(config),
  };
}

/** Plugin and integration lists may nest arrays and promises. */
async function flatten(value: unknown): Promise<unknown[]> {
  const resolved = await value;
  if (!Array.isArray(resolved)) return resolved == null ? [] : [resolved];
  return (await Promise.all(resolved.map(flatten))).flat();
}
