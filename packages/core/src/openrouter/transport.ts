import { HeaderforgeError } from '../errors/headerforge-error.js';
import type { ImageModel, ModelCatalogue } from './catalogue.js';

/** The two endpoints that make images: `POST /images` and `POST /chat/completions`. */
export type Transport = 'images' | 'chat';
export const TRANSPORT_CHOICES = ['auto', 'images', 'chat'] as const;
/** `auto`: the Image API for the models it lists, chat completions for the rest. */
export type TransportChoice = (typeof TRANSPORT_CHOICES)[number];

export const ENDPOINT_OF: Readonly<Record<Transport, string>> = {
  images: '/images',
  chat: '/chat/completions',
};

/**
 * The endpoint a request goes to. `auto` cannot know a model is on the Image API when its
 * list could not be read, so it then takes chat completions, which serve every image model.
 */
export function resolveTransport(
  choice: TransportChoice,
  model: string,
  catalogue: ModelCatalogue,
  baseURL: string,
): { transport: Transport; entry: ImageModel | undefined } {
  const entry = catalogue.models.find((candidate) => candidate.id === model);
  if (choice === 'chat' || (choice === 'auto' && !entry?.imageApi)) {
    if (entry && !entry.chat && !catalogue.chatError) {
      throw new HeaderforgeError(
        'invalid_request',
        `${model} is only on the Image API (GET /images/models), not on chat completions`,
        { hint: "Set transport to 'auto' or 'images' for this model." },
      );
    }
    return { transport: 'chat', entry };
  }
  if (catalogue.imagesError) {
    throw new HeaderforgeError(
      'upstream',
      `Could not read ${baseURL}/images/models, which is needed to check a request to the Image API before paying for it: ${catalogue.imagesError.message}`,
      {
        retryable: true,
        hint: "Check the network and OPENROUTER_BASE_URL, or set transport to 'chat'.",
      },
    );
  }
  if (!entry?.imageApi) {
    throw new HeaderforgeError(
      'not_found',
      `${model} is not on OpenRouter's Image API (not listed by GET ${baseURL}/images/models)`,
      {
        hint: "Set transport to 'auto' or 'chat' for this model, or pick one `headerforge models` lists under the Image API.",
      },
    );
  }
  return { transport: 'images', entry };
}

/** Where `HEADERFORGE_TRANSPORT` or an option named a transport, checked. */
export function parseTransportChoice(value: string, source: string): TransportChoice {
  const trimmed = value.trim();
  if ((TRANSPORT_CHOICES as readonly string[]).includes(trimmed)) return trimmed as TransportChoice;
  throw new HeaderforgeError(
    'invalid_option',
    `${source}="${value}" is not a transport; expected one of ${TRANSPORT_CHOICES.join(', ')}`,
    { hint: `Unset ${source} or set it to auto, images or chat.` },
  );
}
