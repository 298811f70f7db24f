import type { ImageModel } from '../openrouter/catalogue.js';
import type { OpenRouterClient } from '../openrouter/client.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import { costOf, estimateCost } from './pricing.js';
import type { ProvidedImage, Provider } from './provider.js';

export function createOpenRouterProvider(client: OpenRouterClient): Provider {
  // Prices only refine estimates and fill in a missing usage.cost: a catalogue that cannot
  // be fetched must not stop generation (the client falls back to its own table).
  let catalogue: Promise<ImageModel[]> | undefined;
  const modelInfo = async (id: string) => {
    catalogue ??= client.listImageModels().catch(() => []);
    return (await catalogue).find((model) => model.id === id);
  };

  return {
    id: 'openrouter',
    async estimate(job) {
      return estimateCost(job.prompt, await modelInfo(job.model));
    },
    async generate(job: HeaderJob, signal?: AbortSignal): Promise<ProvidedImage> {
      const image = await client.generateImage({
        prompt: job.prompt,
        model: job.model,
        aspectRatio: job.aspectRatio,
        imageSize: job.imageSize,
        ...(job.seed === undefined ? {} : { seed: job.seed }),
        ...(signal ? { signal } : {}),
      });
      const usage = image.usage
        ? {
            ...(image.usage.promptTokens === undefined
              ? {}
              : { promptTokens: image.usage.promptTokens }),
            ...(image.usage.completionTokens === undefined
              ? {}
              : { completionTokens: image.usage.completionTokens }),
          }
        : undefined;
      return {
        bytes: image.bytes,
        mediaType: image.mediaType,
        width: image.width,
        height: image.height,
        placeholder: false,
        costUsd: costOf(image.usage, await modelInfo(job.model)),
        generationId: image.generationId,
        usage,
      };
    },
  };
}
