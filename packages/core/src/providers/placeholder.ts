import { sha256Hex } from '../cache/keys.js';
import { candidateSeed, type HeaderJob } from '../pipeline/header-job.js';
import type { ProvidedImage, Provider } from './provider.js';

/**
 * The drawing's version: bump it when the art changes, and each post's offline art is drawn
 * again once. 2: a title in any script drawn from the bundled fonts, not as boxes.
 */
const PLACEHOLDER_ART_VERSION = 2;

/**
 * What a post's offline art shows besides its key (prompt, model, ratio, size, seed): the
 * drawing's version and the post's title, hashed. Kept in the art's sidecar: art drawn for
 * another title (the post's was edited, which changes no key) or by an older drawing is
 * drawn again, where the key alone would keep showing it.
 */
export function placeholderArtOf(job: Pick<HeaderJob, 'title'>): string {
  return sha256Hex(`${PLACEHOLDER_ART_VERSION}\0${job.title?.trim() ?? ''}`).slice(0, 16);
}

/** Whether offline art, as its sidecar records it, shows what `job`'s would (see `placeholderArtOf`). */
export const showsArtOf = (sidecar: { art?: string | undefined }, job: Pick<HeaderJob, 'title'>) =>
  sidecar.art === placeholderArtOf(job);

/** Offline, free, deterministic art for builds without a key. */
export function createPlaceholderProvider(): Provider {
  return {
    id: 'placeholder',
    estimate: async () => 0,
    async generate(job: HeaderJob): Promise<ProvidedImage> {
      // Each candidate its own art, as each would be its own image.
      const seed = candidateSeed(job.seed, job.pick ?? 1);
      // Loaded on first use: the art needs sharp, which a warm build never loads.
      const { renderPlaceholderArt } = await import('./placeholder-art.js');
      const art = await renderPlaceholderArt({
        prompt: job.prompt,
        aspectRatio: job.aspectRatio,
        imageSize: job.imageSize,
        ...(seed === undefined ? {} : { seed }),
        ...(job.title === undefined ? {} : { title: job.title }),
      });
      return { ...art, placeholder: true };
    },
  };
}
