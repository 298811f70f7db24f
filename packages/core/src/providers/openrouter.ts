import type { GenerateImageRequest, OpenRouterClient, Route } from '../openrouter/client.js';
import type { HeaderJob } from '../pipeline/header-job.js';
import { costOf, worstCaseCost } from './pricing.js';
import type { ProvidedImage, Provider } from './provider.js';

export function createOpenRouterProvider(client: OpenRouterClient): Provider {
  // The client reads the catalogue once per process. A request it refuses (a model its
  // endpoint does not serve, a value the model does not accept) fails the job here, before
  // anything is reserved or paid.
  const routeOf = (job: HeaderJob): Promise<Route> => client.preflight(requestOf(job));

  return {
    id: 'openrouter',
    async estimate(job) {
      const { transport, entry } = await routeOf(job);
      return worstCaseCost(job.prompt, entry, { transport, maxTokens: client.maxTokens });
    },
    async generate(job: HeaderJob, signal?: AbortSignal): Promise<ProvidedImage> {
      const image = await client.generateImage({
        ...requestOf(job),
        ...(signal ? { signal } : {}),
      });
      const { entry } = await routeOf(job).catch(() => ({ entry: undefined }));
      const costUsd = costOf(image.usage, entry, {
        transport: image.transport,
        images: image.images.length,
      });
      const usage = image.usage
        ? {
            ...(image.usage.promptTokens === undefined
              ? {}
              : { promptTokens: image.usage.promptTokens }),
            ...(image.usage.completionTokens === undefined
              ? {}
              : { completionTokens: image.usage.completionTokens }),
            ...(image.usage.cost === undefined ? {} : { cost: image.usage.cost }),
          }
        : undefined;
      return {
        bytes: image.bytes,
        mediaType: image.mediaType,
        width: image.width,
        height: image.height,
        placeholder: false,
        costUsd,
        generationId: image.generationId,
        usage,
        transport: image.transport,
        servedBy: image.servedBy,
      };
    },
  };
}

function requestOf(job: HeaderJob): GenerateImageRequest {
  return {
    prompt: job.prompt,
    model: job.model,
    aspectRatio: job.aspectRatio,
    imageSize: job.imageSize,
    ...(job.seed === undefined ? {} : { seed: job.seed }),
  };
}
