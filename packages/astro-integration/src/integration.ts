import { type HeaderforgeViteOptions, headerforge as headerforgeVite } from '@headerforge/vite';
import type { AstroIntegration } from 'astro';
import { HEADERFORGE_TYPES } from './types.js';

export type HeaderforgeAstroOptions = Omit<HeaderforgeViteOptions, 'host'>;

/**
 * `astro add @headerforge/astro` adds this to `integrations`. It adds the Vite plugin in
 * its Astro flavour (headers as `ImageMetadata` for `<Image>`/`<Picture>`), logs through
 * Astro's logger, and declares the types of `virtual:headerforge`.
 */
export function headerforge(options: HeaderforgeAstroOptions = {}): AstroIntegration {
  return {
    name: '@headerforge/astro',
    hooks: {
      'astro:config:setup': ({ command, updateConfig, logger }) => {
        // `astro sync` only writes types: no scan, no generation, no cost.
        if (command === 'sync') return;
        updateConfig({
          vite: { plugins: [headerforgeVite({ ...options, host: { flavour: 'astro', logger } })] },
        });
      },
      'astro:config:done': ({ injectTypes }) => {
        injectTypes({ filename: 'types.d.ts', content: HEADERFORGE_TYPES });
      },
    },
  };
}
