import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type FakeOpenRouter, startFakeOpenRouter } from './index.js';

export interface FakeSite {
  fake: FakeOpenRouter;
  /** This test's own empty folder. */
  root: string;
}

/**
 * For a test file whose tests each build a site of their own against one fake OpenRouter
 * that accepts `apiKey`: the fake is started before the file's tests and closed after them;
 * each test gets a new empty folder (`prefix` + random), removed after it, and the fake's
 * record is reset. `use` is told the fake and the folder whenever one changes, so that the
 * file keeps them in variables of its own (registered first, its own `beforeEach` sees them).
 */
export function fakeSiteForEachTest(
  apiKey: string,
  prefix: string,
  use: (site: FakeSite) => void,
): void {
  let fake: FakeOpenRouter | undefined;
  let root = '';
  beforeAll(async () => {
    fake = await startFakeOpenRouter({ apiKey });
    use({ fake, root });
  });
  afterAll(() => fake?.close());
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
    use({ fake: fake as FakeOpenRouter, root });
  });
  afterEach(async () => {
    fake?.reset();
    await rm(root, { recursive: true, force: true });
  });
}

/** Writes `files` (paths relative to `root`), making their folders. */
export async function writeSiteFiles(
  root: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}
