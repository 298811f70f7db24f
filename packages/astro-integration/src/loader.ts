import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  contentPath,
  headersSignature,
  lookupHeaderService,
  settleForHost,
} from '@headerforge/core/adapter/light';
import type { Loader, LoaderContext } from 'astro/loaders';

export interface HeaderforgeLoaderOptions {
  /**
   * The schema field to fill with the post's header, declared as `image()` (as in Astro's
   * blog template: `heroImage: image().optional()`). A post that sets it keeps its own.
   */
  field: string;
}

/**
 * Wraps a loader (usually `glob()`) so that each entry's `image()` field holds its
 * headerforge header: pages that already render that field need no change.
 *
 *   loader: headerforgeLoader(glob({ base: './src/content/blog', pattern: '**\/*.md' }), { field: 'heroImage' })
 */
export function headerforgeLoader(inner: Loader, options: HeaderforgeLoaderOptions): Loader {
  return {
    ...inner,
    name: 'headerforge',
    async load(context: LoaderContext) {
      const root = fileURLToPath(context.config.root);
      // Absent on `astro sync` (no work is done there) or without the integration.
      const service = lookupHeaderService(root);
      if (!service) return inner.load(context);
      await settleForHost(service.ready());
      const headers = service.headers();
      // Entries are re-read when their file changes; also when any header changed.
      const signature = headersSignature(headers);

      const parseData: LoaderContext['parseData'] = (props) => {
        const header = props.filePath ? headers.get(contentPath(root, props.filePath)) : undefined;
        if (!header || props.data[options.field] != null || !props.filePath)
          return context.parseData(props);
        // image() resolves paths relative to the entry's own file.
        let path = relative(dirname(resolve(root, props.filePath)), header.derived.master.file)
          .split(sep)
          .join('/');
        if (!path.startsWith('.')) path = `./${path}`;
        return context.parseData({ ...props, data: { ...props.data, [options.field]: path } });
      };
      return inner.load({
        ...context,
        parseData,
        generateDigest: (data) =>
          context.generateDigest(
            typeof data === 'string' ? `${data}\n${signature}` : { data, signature },
          ),
      });
    },
  };
}
