import type { GenerateImageRequest, OpenRouterClient, Route } from '../openrouter/client.js';
import { acceptedBy } from '../openrouter/model-capabilities.js';
import { candidateSeed, type HeaderJob } from '../pipeline/header-job.js';
import { costOf, worstCaseCost } from './pricing.js';
import type { ProvidedImage, Provider } from './provider.js';

/** Every optional part of `Provider` included: OpenRouter's models can batch. */
export function createOpenRouterProvider(client: OpenRouterClient): Required<Provider> {
  // The client reads the catalogue once per process. A request it refuses (a model its
  // endpoint does not serve, a value the model does not accept) fails the job here, before
  // anything is reserved or paid.
  const routeOf = (job: HeaderJob): Promise<Route> => client.preflight(requestOf(job, false));

  return {
    id: 'openrouter',
    maxAnswerBytes: client.maxResponseBytes,
    async estimate(job, n = 1) {
      const { transport, entry } = await routeOf(job);
      return worstCaseCost(job.prompt, entry, {
        transport,
        n,
        maxTokens: client.maxTokens,
        references: job.references?.length ?? 0,
      });
    },
    async batchSize(job) {
      const { transport, entry } = await routeOf(job);
      return acceptedBy(job.model, entry, transport).n.max;
    },
    async generateMany(job, n, signal) {
      const { entry } = await routeOf(job);
      const image = await client.generateImage({
        ...requestOf(job, false),
        n,
        ...(signal ? { signal } : {}),
      });
      const total = costOf(image.usage, entry, {
        transport: image.transport,
        images: image.images.length,
      });
      const share = total === undefined ? undefined : total / image.images.length;
      const images = image.images.map((one) => ({
        ...one,
        placeholder: false,
        costUsd: share,
        generationId: image.generationId,
        usage: share === undefined ? undefined : { cost: share },
        transport: image.transport,
        servedBy: image.servedBy,
      }));
      return { images, refused: image.refused ?? [] };
    },
    async generate(job: HeaderJob, signal?: AbortSignal): Promise<ProvidedImage> {
      const { transport, entry } = await routeOf(job);
      // A candidate's own seed is only sent to a model that takes seeds.
      const seeds = acceptedBy(job.model, entry, transport).seed;
      const image = await client.generateImage({
        ...requestOf(job, seeds),
        ...(signal ? { signal } : {}),
      });
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
        ...(image.unasked ? { unasked: image.unasked } : {}),
      };
    },
  };
}

/**
 * What a job asks OpenRouter for. Candidate k > 1 of a post gets a seed of its own where the
 * model takes seeds (else the provider's own randomness tells the candidates apart).
 */
export function requestOf(job: HeaderJob, seeds = true): GenerateImageRequest {
  const seed = seeds ? candidateSeed(job.seed, job.pick ?? 1) : job.seed;
  return {
    prompt: job.prompt,
    model: job.model,
    aspectRatio: job.aspectRatio,
    imageSize: job.imageSize,
    ...(seed === undefined ? {} : { seed }),
    ...(job.references?.length
      ? {
          inputReferences: job.references.map(({ bytes, mediaType }) => ({ bytes, mediaType })),
        }
      : {}),
  };
}
