import { relative, resolve } from 'node:path';
import {
  callForHost,
  createHeaderService,
  failuresError,
  findHeader,
  forHost,
  HEADERFORGE_OPTIONS,
  type HeaderforgeOptions,
  type HeaderService,
  type HeadersEvent,
  headersModuleCode,
  logLineFor,
  type ModuleFields,
  type OpenRouterClientOptions,
  type PostFailure,
  resolveOptions,
  type ServiceUpdate,
  settleForHost,
} from '@headerforge/core/adapter';
import {
  type Logger,
  type Plugin,
  type ResolvedConfig,
  searchForWorkspaceRoot,
  type ViteDevServer,
} from 'vite';
import { headerforgeEnv } from './env.js';
import { expandHeaderElements, headerReferences } from './html.js';
import type { Review } from './review/server.js';
import { serverIdle } from './server-idle.js';
import {
  RESOLVED_VIRTUAL_ID,
  RESOLVED_VIRTUAL_ID_FILTER,
  VIRTUAL_ID,
  VIRTUAL_ID_FILTER,
  viteModuleFields,
} from './virtual-module.js';

export type { HeaderforgeOptions };

// A mistake (an invalid option, a bad post) reaches Vite as its message with the hint in it
// (Vite prints an error's message only), without a stack trace: see core's `forHost`.
const ready = <T>(work: () => T): T => callForHost(work, 'message');
const settled = <T>(work: Promise<T>): Promise<T> => settleForHost(work, 'message');

/** A save often arrives as several file events; wait for the editor to finish. */
const EDIT_DEBOUNCE_MS = 250;
const CONTENT_FILE = /\.(md|mdx|markdown)$/i;

export interface HostLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface HeaderforgeViteOptions extends HeaderforgeOptions {
  /** Extra settings for the OpenRouter client (tests, attribution). */
  client?: Partial<OpenRouterClientOptions>;
  /** For host integrations such as `@headerforge/astro`, which build on this plugin. */
  host?: {
    /** Each header's fields in `virtual:headerforge`; by default Vite asset URLs and srcsets. */
    moduleFields?: ModuleFields;
    /** Log through the host instead of Vite. */
    logger?: HostLogger;
    /** The host's own header service, shared with its other parts. */
    service?: HeaderService;
  };
}

export function headerforge(
  userOptions: HeaderforgeViteOptions = {},
): Plugin & { [HEADERFORGE_OPTIONS]: HeaderforgeOptions } {
  const { client, host, ...options } = userOptions;
  // Hosts such as Astro run several Vite builds with this one plugin object for one site
  // build: they share one service, so scanning and generation happen once.
  let service: HeaderService | undefined;
  let serviceId: string | undefined;
  let logger: Logger | undefined;
  let root = process.cwd();
  let isDev = false;
  let isWatchBuild = false;
  /** Makes this plugin's own service (not set when the host provides one). */
  let newService: (() => HeaderService) | undefined;
  let watchedBuilds = 0;
  let server: ViteDevServer | undefined;
  let review: Review | undefined;
  /**
   * A dev server with its own service answers its first page before the first run (the
   * scan): that run starts once the server is idle, or as soon as a request needs it.
   */
  let deferFirstRun = false;
  let firstRunWatched = false;
  /**
   * The server a host runs for its content during a build (Astro's content sync, a Vite
   * server in production mode). The host's own parts wait for the run there
   * (`headerforgeLoader`), and the build's `buildApp` reports its errors: `buildStart`
   * waiting too would hold up the whole sync, with the host's main thread idle, while a warm
   * build's stamps are checked on a thread (see core's `headersWantedLater`).
   */
  let hostContentServer = false;
  let closing = false;
  let markFirstRunStarted = () => {};
  const firstRunStarted = new Promise<void>((resolve) => {
    markFirstRunStarted = resolve;
  });
  let gate: ReturnType<typeof serverIdle> | undefined;
  /** The folders a dev server may read from (see `config`), for the root they were found for. */
  let readable: { root: string; allow: string[] } | undefined;

  const log = (event: HeadersEvent) => {
    review?.onEvent(event);
    const line = logLineFor(event);
    if (!line) return;
    if (host?.logger) host.logger[line.level](line.message);
    else logger?.[line.level](`[headerforge] ${line.message}`, { timestamp: true });
  };

  const logError = (message: string) => {
    if (host?.logger) host.logger.error(message);
    else logger?.error(`[headerforge] ${message}`, { timestamp: true });
  };

  const onUpdate = (update: ServiceUpdate) => {
    if (!server) return;
    if (update.type === 'headers-changed') {
      for (const environment of Object.values(server.environments)) {
        const module = environment.moduleGraph.getModuleById(RESOLVED_VIRTUAL_ID);
        if (module) environment.moduleGraph.invalidateModule(module);
      }
      server.ws.send({ type: 'full-reload', path: '*' });
      return;
    }
    const failures: PostFailure[] = update.type === 'failed' ? update.failures : [];
    const error = update.type === 'error' ? update.error : failuresError({ failures });
    if (error) showError(server, error, failures[0]?.file, logError);
  };

  /** The service's first run; when it is a dev server's, its failure is shown once. */
  const firstRun = () => {
    markFirstRunStarted();
    const run = (service as HeaderService).ready();
    if (deferFirstRun && !firstRunWatched) {
      firstRunWatched = true;
      run.catch((error: Error & { hint?: string }) => {
        if (server && !closing) showError(server, error, undefined, logError);
      });
    }
    return run;
  };

  /** This plugin's own service, kept while Vite resolves the same root and command again. */
  const ownService = (config: ResolvedConfig, env: ReturnType<typeof headerforgeEnv>) => {
    const id = JSON.stringify([config.root, isDev]);
    if (service && serviceId === id) return;
    serviceId = id;
    newService = () =>
      createHeaderService({
        root: config.root,
        options,
        env,
        onEvent: log,
        onUpdate,
        // A dev server listens at once: headers not made yet are pending, made in the
        // background. A build goes on while the copies read through from a remote cache are
        // written; `closeBundle` waits for them.
        deferWork: isDev,
        ...(client ? { client } : {}),
      });
    service = newService();
  };

  return {
    name: 'headerforge',
    enforce: 'pre',
    // For the `headerforge` command, which reads a site's options from its Vite config.
    [HEADERFORGE_OPTIONS]: options,

    config(config) {
      // Derived files are imported by absolute path: let the dev server read them even when
      // a cache folder sits outside the project. Setting `allow` turns off Vite's own
      // workspace detection, so the workspace root is listed too.
      const root = resolve(config.root ?? process.cwd());
      // Found once per root: Astro resolves a config for its content sync and for each of
      // its builds, six calls of this hook for one site, the same options each time.
      if (readable?.root !== root) {
        const resolved = ready(() => resolveOptions(options, { root }));
        readable = {
          root,
          allow: [searchForWorkspaceRoot(root), resolved.cacheDir, resolved.derivedCacheDir],
        };
      }
      return { server: { fs: { allow: [...readable.allow] } } };
    },

    configResolved(config) {
      logger = config.logger;
      root = config.root;
      // A real dev server, as opposed to a build. Astro's build also starts a Vite server
      // (command "serve", but production): that one must behave like, and share, the build.
      isDev = config.command === 'serve' && !config.isProduction;
      isWatchBuild = config.command === 'build';
      if (host?.service) {
        // The host made the service (it also serves other parts, such as a content loader),
        // with the environment it read itself.
        if (service !== host.service) host.service.subscribe(onUpdate);
        service = host.service;
      } else {
        ownService(config, headerforgeEnv(config.mode, config.envDir || config.root));
      }
      deferFirstRun = isDev && !host?.service;
      const hostServer = Boolean(host?.service) && config.command === 'serve';
      hostContentServer = hostServer && !isDev;
      // A host's server scans while Vite sets itself up (its content needs every post). In a
      // dev server, `buildStart` waits for the same run and reports its errors; in the one a
      // host runs for its content during a build, it does not (see `hostContentServer`).
      if (hostServer) service?.ready().catch(() => {});
    },

    async buildApp() {
      // `vite build` runs this hook before any bundling. A mistake thrown here reaches
      // Vite's own error printing as it is; thrown from `buildStart`, it comes wrapped in the
      // bundler's error, whose stack trace Vite prints under the message. `buildStart` then
      // finds the same run done (and `vite.build()` from code, which skips this hook, runs
      // it there).
      if (isDev) return;
      const error = failuresError(await settled((service as HeaderService).ready()));
      if (error) throw forHost(error, 'message');
    },

    async buildStart() {
      // A dev server listens first; the run's errors are shown when it fails (`firstRun`). A
      // host's content server goes on while the run it started ends (`configResolved`).
      if (deferFirstRun || hostContentServer) return;
      // `vite build --watch` rebuilds with the same plugin: each rebuild is a build of its
      // own (a fresh scan, cheap with the warm index, and real images, not a dev server's
      // placeholders). Astro's production Vite server is in watch mode too, but it is part
      // of one build, with one service.
      if (this.meta.watchMode && isWatchBuild && watchedBuilds++ > 0 && newService)
        service = newService();
      const result = await settled((service as HeaderService).ready());
      if (this.meta.watchMode && isWatchBuild) {
        // So that editing a post's header is a change `vite build --watch` rebuilds for.
        for (const file of (service as HeaderService).headers().keys()) {
          this.addWatchFile(resolve(root, file));
        }
      }
      const error = failuresError(result);
      if (!error) return;
      // Its hint in its message: Vite prints an error's message only.
      if (!isDev) throw forHost(error, 'message');
      logError(error.message);
    },

    // Filtered: the bundler calls these for our one module only, not for each of a site's
    // thousands (a call from rolldown into JavaScript is not free: ~2,300 per 1,000-post
    // Astro build without the filters).
    resolveId: {
      filter: { id: VIRTUAL_ID_FILTER },
      handler(id) {
        return id === VIRTUAL_ID ? RESOLVED_VIRTUAL_ID : undefined;
      },
    },

    load: {
      filter: { id: RESOLVED_VIRTUAL_ID_FILTER },
      async handler(id, loadOptions) {
        if (id !== RESOLVED_VIRTUAL_ID) return undefined;
        // In the browser's environment, loaded before a request asks for it: pre-transformed
        // with the script of a page being answered. That page goes out before the scan.
        if (deferFirstRun && gate && !loadOptions?.ssr)
          await Promise.race([gate.settled(), firstRunStarted]);
        await settled(firstRun());
        return headersModuleCode(
          (service as HeaderService).headers().values(),
          host?.moduleFields ?? viteModuleFields,
        );
      },
    },

    transformIndexHtml: {
      // Before Vite's own HTML asset handling, which then hashes the URLs this writes.
      order: 'pre',
      async handler(html, context) {
        const references = headerReferences(html);
        if (references.length === 0) return html;
        const active = service as HeaderService;
        // Only the posts this page names: a dev server's first page does not wait for the scan.
        let headers = await settled(active.headersOf(references));
        if (references.some((reference) => !findHeader(headers, reference, { exact: true }))) {
          // Not a post with a header, or named another way: the error lists the posts there are.
          await settled(firstRun());
          headers = active.headers();
        }
        return expandHeaderElements(html, headers, {
          root,
          page: relative(root, context.filename),
        });
      },
    },

    async closeBundle() {
      // The dev server is closing: its background work stops with it. A build is done: the
      // copies it read through from a remote cache are written before it ends. A host that
      // made the service stops it itself.
      closing = true;
      review?.close();
      if (!host?.service) await service?.close();
    },

    async configureServer(devServer) {
      server = devServer;
      gate = serverIdle(devServer);
      // Headers still to make wait while the server answers requests.
      service?.yieldTo(gate.idle);
      if (deferFirstRun) {
        // Until the first request, the server has nothing to do: the first page then only reads.
        devServer.httpServer?.once('listening', () => service?.prepare());
        // The first run waits for the first page to be answered, unless a request needs it.
        void gate.idle().then(() => {
          if (!closing) firstRun().catch(() => {});
        });
        devServer.middlewares.use((request, _response, next) => {
          if (request.url?.includes(VIRTUAL_ID)) firstRun().catch(() => {});
          next();
        });
      }
      let timer: NodeJS.Timeout | undefined;
      const changed = (file: string) => {
        if (!CONTENT_FILE.test(file)) return;
        clearTimeout(timer);
        timer = setTimeout(() => void service?.refresh(), EDIT_DEBOUNCE_MS);
      };
      devServer.watcher.on('change', changed);
      devServer.watcher.on('add', changed);
      devServer.watcher.on('unlink', changed);
      // The review page: a dev server's only, never a build's (Astro's build runs a server too),
      // which is why its code is loaded here. Vite waits for this hook before it adds its own
      // middlewares, so the page's still comes first.
      if (isDev && options.review !== false) {
        const { attachReview, announceReview } = await import('./review/server.js');
        if (closing) return;
        review = attachReview({ server: devServer, root, options, service: () => service });
        announceReview(devServer, host?.logger && ((message) => host.logger?.info(message)));
      }
    },
  };
}

/** Shows a failure in the terminal and in the browser's error overlay. */
function showError(
  server: ViteDevServer,
  error: Error & { hint?: string },
  file: string | undefined,
  log: (message: string) => void,
): void {
  const message = error.hint ? `${error.message}\n${error.hint}` : error.message;
  log(message);
  server.ws.send({
    type: 'error',
    err: { message, stack: '', plugin: 'headerforge', ...(file ? { id: file } : {}) },
  });
}
