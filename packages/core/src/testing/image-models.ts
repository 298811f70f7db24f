import { type FakeImageApi, type FakeModel, listedSince } from './fake-models.js';

/** A model the Image API serves. */
export type ImageApiModel = FakeModel & { imageApi: FakeImageApi };

/** The largest seed the Image API takes: an unsigned 32-bit integer. */
export const maxSeed = 4_294_967_295;

/** The models `GET /images/models` lists and `POST /images` serves, in catalogue order. */
export function imageApiModels(models: readonly FakeModel[]): ImageApiModel[] {
  return models.filter((model): model is ImageApiModel => model.imageApi !== undefined);
}

/**
 * The public `GET /images/models` entry of a model. A parameter the model does not take is left
 * out of `supported_parameters`, as OpenRouter does.
 */
export function imageModelEntry(model: ImageApiModel): Record<string, unknown> {
  const api = model.imageApi;
  const { input_modalities, output_modalities } = model.architecture;
  return {
    id: model.id,
    name: model.name,
    created: listedSince,
    description: `${model.name}, served on the Image API by the headerforge fake OpenRouter.`,
    architecture: { input_modalities, output_modalities },
    supported_parameters: {
      aspect_ratio: enumOf(api.aspectRatios),
      resolution: enumOf(api.resolutions),
      n: rangeOf(api.n),
      ...(api.inputReferences ? { input_references: rangeOf(api.inputReferences) } : {}),
      ...(api.seed ? { seed: rangeOf({ min: 0, max: maxSeed }) } : {}),
      ...(api.outputFormats ? { output_format: enumOf(api.outputFormats) } : {}),
      ...(api.quality ? { quality: enumOf(api.quality) } : {}),
    },
    pricing: { image: api.pricePerImage },
  };
}

function enumOf(values: readonly string[]) {
  return { type: 'enum', values };
}

function rangeOf({ min, max }: { min: number; max: number }) {
  return { type: 'range', min, max };
}
