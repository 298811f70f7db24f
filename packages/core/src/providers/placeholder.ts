import { candidateSeed, type HeaderJob } from '../pipeline/header-job.js';
import type { ProvidedImage, Provider } from './provider.js';

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
