import { imageCapabilities } from '../openrouter/model-capabilities.js';
import { siteClient } from '../site/site-client.js';
import type { CliIO } from './io.js';
import { table } from './table.js';

const perMillion = (value: string | undefined) =>
  value && Number(value) > 0 ? `$${(Number(value) * 1e6).toFixed(2)}` : '—';
const perRequest = (value: string | undefined) =>
  value && Number(value) > 0 ? `$${Number(value).toFixed(3)}` : '—';

/** `headerforge models`: the image models OpenRouter offers, with what they accept and cost. */
export async function models(flags: { json?: boolean }, io: CliIO): Promise<number> {
  const client = siteClient(io.env);
  const list = (await client.listImageModels()).map((model) => ({
    ...model,
    ...imageCapabilities(model.id),
  }));
  if (flags.json) {
    io.out(JSON.stringify(list, null, 2));
    return 0;
  }
  io.out(
    table(
      ['model', 'outputs', 'ratios', 'sizes', 'input /M', 'output /M', 'per image'],
      list.map((model) => [
        model.id,
        model.outputModalities.join('+'),
        model.aspectRatios.length > 10
          ? `${model.aspectRatios.length} (incl. 1:4, 4:1, 1:8, 8:1)`
          : String(model.aspectRatios.length),
        model.imageSizes.join(' '),
        perMillion(model.pricing.prompt),
        perMillion(model.pricing.completion),
        perRequest(model.pricing.request),
      ]),
    ),
  );
  return 0;
}
