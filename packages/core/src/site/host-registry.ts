import type { HeaderService } from './header-service.js';

/*
 * How the parts of a host, and the `headerforge` command, find headerforge without being
 * handed it. Nothing here imports the machine, so a host's lightweight parts (an Astro
 * content loader, evaluated through Vite) load only this.
 */

/**
 * Where a plugin or integration object keeps the options it was given, so that the
 * `headerforge` command can read them from the site's own Vite or Astro config.
 */
export const HEADERFORGE_OPTIONS: unique symbol = Symbol.for('headerforge.options') as never;

// Keyed on globalThis: a host may load this module twice (its config natively, its
// content config through Vite), and both copies must see the same services.
const REGISTRY = Symbol.for('headerforge.services');
const shared = globalThis as { [REGISTRY]?: Map<string, HeaderService> };
shared[REGISTRY] ??= new Map();
const registry = shared[REGISTRY];

/**
 * Makes `service` the one for the site at `root`, for parts of a host that cannot be handed
 * it directly (an Astro content loader). A new build of the same site replaces it.
 */
export function registerHeaderService(root: string, service: HeaderService): void {
  registry.set(root, service);
}

export function lookupHeaderService(root: string): HeaderService | undefined {
  return registry.get(root);
}
