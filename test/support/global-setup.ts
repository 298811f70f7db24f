import { removeLeftSites } from './fixtures.js';

// Once every test file has finished: the site copies an Astro dev server may still have
// been saving into are removed now (see `removeSite` in fixtures.ts).
export async function teardown(): Promise<void> {
  await removeLeftSites();
}
