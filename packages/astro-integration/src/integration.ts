import { fileURLToPath } from 'node:url';
import type { HeaderforgeOptions } from '@headerforge/core/adapter';
import {
  HEADERFORGE_OPTIONS,
  type HeaderService,
  registerHeaderService,
} from '@headerforge/core/adapter/light';
import type { HeaderforgeViteOptions } from '@headerforge/vite';
import type { AstroIntegration } from 'astro';
import { HEADERFORGE_TYPES } from './types.js';
import { astroModuleFields } from './virtual-module.js';

export type HeaderforgeAstroOptions = Omit<HeaderforgeViteOptions, 'host'>;

/**
 * `astro add @headerforge/astro` adds this to `integrations`. It makes one header service
 * per build or dev server (shared by the Vite plugin and `headerforgeLoader`), adds the
 * Vite plugin with Astro's module fields (headers as `ImageMetadata` for `<Image>`/`<Picture>`),
 * logs through Astro's logger, and declares the types of `virtual:headerforge`.
 */
export function headerforge(
  options: HeaderforgeAstroOptions = {},
): AstroIntegration & { [HEADERFORGE_OPTIONS]: HeaderforgeOptions } {
  let refreshLoaders: (() => void) | undefined;
  let service: HeaderService | undefined;
  const { client, ...siteOptions } = options;
  return {
    name: '@headerforge/astro',
    // For the `headerforge` command, which reads a site's options from its Astro config.
    [HEADERFORGE_OPTIONS]: siteOptions,
    hooks: {
      'astro:config:setup': async ({ command, config, updateConfig, logger }) => {
        // `astro sync` only writes types: no scan, no generation, no cost.
        if (command === 'sync') return;
        // Loaded here, not with this module: the content config imports this package too
        // (for headerforgeLoader), through Vite, on every build, and needs none of it.
        const [
          { callForHost, createHeaderService, hostSiteContext, logLineFor },
          { headerforgeEnv, headerforge: headerforgeVite },
        ] = await Promise.all([import('@headerforge/core/adapter'), import('@headerforge/vite')]);
        const root = fileURLToPath(config.root);
        const dev = command === 'dev';
        // An invalid option is thrown as Astro shows a mistake best (see core's `forHost`).
        service = callForHost(() =>
          createHeaderService({
            root,
            // The title cards' site name and language, unless `og` gives them.
            ...hostSiteContext(config),
            options: siteOptions,
            env: headerforgeEnv(dev ? 'development' : 'production', root),
            // A dev server listens at once: headers not made yet are pending, made in the
            // background. A build goes on while the copies read through from a remote cache
            // are written (`astro:build:done` waits for them).
            deferWork: dev,
            // <Image>/<Picture> make the widths and formats from the master (virtual-module.ts).
            variants: false,
            // Asked for by the content sync, about a second on: a warm build's stamps are
            // checked on a thread meanwhile, off the main thread Astro is using.
            headersWantedLater: true,
            onEvent: (event) => {
              const line = logLineFor(event);
              if (line) logger[line.level](line.message);
            },
            ...(client ? { client } : {}),
            onUpdate: (update) => {
              if (update.type === 'headers-changed') refreshLoaders?.();
            },
          }),
        );
        registerHeaderService(root, service);
        updateConfig({
          vite: {
            plugins: [
              headerforgeVite({
                ...options,
                host: { moduleFields: astroModuleFields, logger, service },
              }),
            ],
          },
        });
      },
      'astro:config:done': ({ injectTypes }) => {
        injectTypes({ filename: 'types.d.ts', content: HEADERFORGE_TYPES });
      },
      'astro:server:setup': ({ refreshContent }) => {
        // Entries filled by headerforgeLoader follow the images as they land.
        if (refreshContent)
          refreshLoaders = () => void refreshContent({ loaders: ['headerforge'] });
      },
      'astro:server:done': async () => {
        // The headers still being made in the background stop with the server.
        await service?.close();
      },
      'astro:build:done': async () => {
        // The copies read through from a remote cache are written before the build ends.
        await service?.close();
      },
    },
  };
}
