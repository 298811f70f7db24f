import type { HeaderService } from '@headerforge/core/adapter';
import type { Plugin, ResolvedConfig } from 'vite';
import { describe, expect, it } from 'vitest';
import { headerforge } from './plugin.js';

type BuildHeadersResult = Awaited<ReturnType<HeaderService['ready']>>;

/** A host's service whose first run ends when the test says, counting how often it is asked for. */
function hostService() {
  let finish: (result: BuildHeadersResult) => void = () => {};
  const run = new Promise<BuildHeadersResult>((resolve) => {
    finish = resolve;
  });
  const service = {
    asked: 0,
    ready() {
      service.asked++;
      return run;
    },
    headers: () => new Map(),
    subscribe: () => () => {},
  };
  const failed = (file: string) =>
    ({
      failures: [{ file, message: `${file}: the header could not be made` }],
    }) as unknown as BuildHeadersResult;
  return { service, finish, failed };
}

type Hook = (this: unknown, ...args: unknown[]) => unknown;
const hook = (plugin: Plugin, name: 'configResolved' | 'buildStart') => plugin[name] as Hook;

/** What Vite's resolved config gives the plugin: the parts it reads. */
const config = (root: string, command: 'serve' | 'build', isProduction: boolean) =>
  ({
    root,
    envDir: root,
    mode: isProduction ? 'production' : 'development',
    command,
    isProduction,
    logger: { info() {}, warn() {}, error() {} },
  }) as unknown as ResolvedConfig;

/** Whether `work` has settled once everything already queued has run. */
async function settledSoon(work: Promise<unknown>): Promise<boolean> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

// A host's service reads the site itself: the plugin never touches this folder.
const root = '/site';

describe('a host-made service', () => {
  it("starts the run in the host's content server during a build, which goes on without waiting for it", async () => {
    const { service, finish, failed } = hostService();
    const plugin = headerforge({ host: { service: service as unknown as HeaderService } });
    hook(plugin, 'configResolved').call({}, config(root, 'serve', true));
    expect(service.asked).toBe(1);
    // Astro's content sync: its loader waits for the run itself.
    expect(
      await settledSoon(
        hook(plugin, 'buildStart').call({ meta: { watchMode: true } }) as Promise<unknown>,
      ),
    ).toBe(true);
    finish(failed('src/content/blog/a.md'));
  });

  it("waits for the run in the build, and fails with the run's failures", async () => {
    const { service, finish, failed } = hostService();
    const plugin = headerforge({ host: { service: service as unknown as HeaderService } });
    hook(plugin, 'configResolved').call({}, config(root, 'build', true));
    const started = hook(plugin, 'buildStart').call({
      meta: { watchMode: false },
    }) as Promise<unknown>;
    expect(await settledSoon(started)).toBe(false);
    finish(failed('src/content/blog/a.md'));
    await expect(started).rejects.toThrow(/src\/content\/blog\/a\.md/);
  });

  it('waits for the run in a dev server, whose content needs every post', async () => {
    const { service, finish } = hostService();
    const plugin = headerforge({ host: { service: service as unknown as HeaderService } });
    hook(plugin, 'configResolved').call({}, config(root, 'serve', false));
    expect(service.asked).toBe(1);
    const started = hook(plugin, 'buildStart').call({
      meta: { watchMode: false },
    }) as Promise<unknown>;
    expect(await settledSoon(started)).toBe(false);
    finish({ failures: [] } as unknown as BuildHeadersResult);
    await expect(started).resolves.toBeUndefined();
  });
});
