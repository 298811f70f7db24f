import { ASPECT_RATIOS } from '../image/ratios.js';
import type { ImageModel } from '../openrouter/catalogue.js';
import { acceptedBy } from '../openrouter/model-capabilities.js';
import { siteClient } from '../site/site-client.js';
import type { CliIO } from './io.js';
import { table } from './table.js';

const perMillion = (value: string | undefined) =>
  value && Number(value) > 0 ? `$${(Number(value) * 1e6).toFixed(2)}` : '—';
const perImage = (value: number | undefined) =>
  value !== undefined && value > 0 ? `$${value.toFixed(3)}` : '—';
const range = (value: { min: number; max?: number } | undefined) =>
  value === undefined
    ? '—'
    : value.max === undefined || value.max === Number.POSITIVE_INFINITY
      ? `${value.min}+`
      : value.min === value.max
        ? String(value.min)
        : `${value.min}–${value.max}`;

/**
 * `headerforge models`: the image models of both endpoints, each with what it accepts where
 * `auto` would send it (the Image API when it lists the model) and what it costs.
 */
export async function models(flags: { json?: boolean }, io: CliIO): Promise<number> {
  const client = siteClient(io.env);
  const list = (await client.listImageModels()).map((model) => describe(model));
  if (flags.json) {
    io.out(JSON.stringify(list, null, 2));
    return 0;
  }
  io.out(
    table(
      [
        'model',
        'outputs',
        'ratios',
        'sizes',
        'input /M',
        'output /M',
        'per image',
        'endpoints',
        'n',
        'refs',
        'seed',
      ],
      list.map((model) => [
        model.id,
        model.outputModalities.join('+'),
        ratiosText(model.accepts.aspectRatios),
        model.accepts.imageSizes.join(' '),
        perMillion(model.pricing.prompt),
        perMillion(model.pricing.completion),
        perImage(model.pricePerImageUsd),
        model.endpoints.join('+'),
        range(model.accepts.n),
        range(model.accepts.inputReferences),
        model.accepts.seed ? 'yes' : 'no',
      ]),
    ),
  );
  io.out(
    "\nratios, sizes, n, refs and seed are what the model accepts on the first endpoint listed, the one transport 'auto' uses.",
  );
  return 0;
}

function describe(model: ImageModel) {
  const endpoints = [...(model.imageApi ? ['images'] : []), ...(model.chat ? ['chat'] : [])];
  const accepts = acceptedBy(model.id, model, model.imageApi ? 'images' : 'chat');
  const request = Number(model.pricing.request ?? 0);
  return {
    ...model,
    endpoints,
    accepts: {
      ...accepts,
      // JSON has no Infinity: an open range is written without its maximum.
      inputReferences: openRange(accepts.inputReferences),
    },
    pricePerImageUsd: model.imageApi?.pricePerImageUsd ?? (request > 0 ? request : undefined),
  };
}

function openRange(value: { min: number; max: number } | undefined) {
  if (value === undefined || value.max !== Number.POSITIVE_INFINITY) return value;
  return { min: value.min };
}

function ratiosText(ratios: readonly string[]): string {
  const extra = ratios.filter((ratio) => !(ASPECT_RATIOS as readonly string[]).includes(ratio));
  return extra.length === 0
    ? String(ratios.length)
    : `${ratios.length} (incl. ${extra.slice(0, 4).join(', ')}${extra.length > 4 ? ', …' : ''})`;
}
