import { type FakeOpenRouter, startFakeOpenRouter } from '@headerforge/core/testing';
import { afterAll, beforeAll } from 'vitest';

export interface FileFake {
  /** The running fake (set once the file's tests start). */
  readonly fake: FakeOpenRouter;
  /** Removers of what the tests made (sites, folders), run after the file's last test. */
  readonly cleanup: Array<() => Promise<void>>;
  /** The environment a site's command or build needs to reach the fake with the key. */
  env(): Record<string, string>;
}

/**
 * A fake OpenRouter that accepts `apiKey`, started before a test file's tests and closed
 * after them, together with everything they registered in `cleanup`.
 */
export function fakeForFile(apiKey: string): FileFake {
  let fake: FakeOpenRouter | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    fake = await startFakeOpenRouter({ apiKey });
  });
  afterAll(async () => {
    await fake?.close();
    for (const remove of cleanup) await remove();
  });
  const running = () => {
    if (!fake) throw new Error('the fake OpenRouter starts with the first test');
    return fake;
  };
  return {
    get fake() {
      return running();
    },
    cleanup,
    env: () => ({ OPENROUTER_API_KEY: apiKey, OPENROUTER_BASE_URL: running().baseURL }),
  };
}
