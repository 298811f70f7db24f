import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  builtInFakeModels,
  type FakeModel,
  type FakeOpenRouter,
  type FakeOpenRouterOptions,
  startFakeOpenRouter,
} from './index.js';

const apiKey = 'sk-or-v1-test-sentinel';
const nanoBanana = 'google/gemini-2.5-flash-image';
const flashPreview = 'google/gemini-3.1-flash-image-preview';
const fluxPro = 'black-forest-labs/flux.2-pro';
const gptImage = 'openai/gpt-image-1';

interface ErrorJson {
  error: { code: number | string; message: string; metadata?: Record<string, unknown> };
}
interface ImagesJson {
  id: string;
  created: number;
  model: string;
  provider: string;
  data: Array<{ b64_json?: string; url?: string; media_type: string }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; cost?: number };
}

async function withFake<T>(
  options: FakeOpenRouterOptions,
  use: (fake: FakeOpenRouter) => Promise<T>,
): Promise<T> {
  const fake = await startFakeOpenRouter(options);
  try {
    return await use(fake);
  } finally {
    await fake.close();
  }
}

function post(
  path: string,
  body: unknown,
  init: { headers?: Record<string, string>; to?: FakeOpenRouter; signal?: AbortSignal } = {},
) {
  return fetch(`${(init.to ?? fake).baseURL}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      ...init.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

function imagesRequest(overrides: Record<string, unknown> = {}) {
  return { model: nanoBanana, prompt: 'A lighthouse at dusk', ...overrides };
}

async function generateImages(body: unknown = imagesRequest(), to?: FakeOpenRouter) {
  const response = await post('/images', body, to ? { to } : {});
  return { response, json: (await response.json()) as ImagesJson & ErrorJson };
}

/** The bytes of every `b64_json` entry. */
function imageBytes(json: ImagesJson): Buffer[] {
  return json.data.map((entry) => Buffer.from(entry.b64_json ?? '', 'base64'));
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function chatRequest(overrides: Record<string, unknown> = {}) {
  return {
    model: nanoBanana,
    messages: [{ role: 'user', content: 'A lighthouse at dusk' }],
    modalities: ['image', 'text'],
    ...overrides,
  };
}

let fake: FakeOpenRouter;
beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('GET /images/models', () => {
  async function listing(open: FakeOpenRouter = fake) {
    const response = await fetch(`${open.baseURL}/images/models`);
    return { response, text: await response.text() };
  }

  it('lists every Image API model without credentials, byte-for-byte stable', async () => {
    const { response, text } = await listing();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { data } = JSON.parse(text) as { data: Array<{ id: string }> };
    expect(data.map((model) => model.id)).toEqual([
      nanoBanana,
      'google/gemini-3-pro-image-preview',
      flashPreview,
      fluxPro,
      'black-forest-labs/flux.2-flex',
      gptImage,
    ]);
    await withFake({}, async (other) => expect((await listing(other)).text).toBe(text));
  });

  it('describes each parameter as an enum or a range, and the price per image', async () => {
    const { data } = JSON.parse((await listing()).text) as {
      data: Array<Record<string, unknown> & { id: string }>;
    };
    const banana = data.find((model) => model.id === nanoBanana);
    expect(banana).toEqual({
      id: nanoBanana,
      name: 'Google: Gemini 2.5 Flash Image (Nano Banana)',
      created: 1_750_000_000,
      description: expect.any(String),
      architecture: { input_modalities: ['text', 'image'], output_modalities: ['image', 'text'] },
      supported_parameters: {
        aspect_ratio: {
          type: 'enum',
          values: ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'],
        },
        resolution: { type: 'enum', values: ['1K', '2K', '4K'] },
        n: { type: 'range', min: 1, max: 4 },
        input_references: { type: 'range', min: 0, max: 3 },
        seed: { type: 'range', min: 0, max: 4294967295 },
        output_format: { type: 'enum', values: ['png', 'jpeg', 'webp'] },
      },
      pricing: { image: '0.039' },
    });
    const preview = data.find((model) => model.id === flashPreview);
    expect(preview?.supported_parameters).toMatchObject({
      aspect_ratio: { values: expect.arrayContaining(['1:4', '8:1']) },
      resolution: { values: ['512', '1K', '2K', '4K'] },
    });
    const flux = data.find((model) => model.id === fluxPro);
    expect(flux?.supported_parameters).toMatchObject({ n: { type: 'range', min: 1, max: 1 } });
    const gpt = data.find((model) => model.id === gptImage);
    expect(gpt).toMatchObject({
      architecture: { input_modalities: ['text', 'image'], output_modalities: ['image'] },
      supported_parameters: {
        aspect_ratio: { type: 'enum', values: ['1:1', '2:3', '3:2', 'auto'] },
        quality: { type: 'enum', values: ['auto', 'low', 'medium', 'high'] },
        n: { type: 'range', min: 1, max: 10 },
      },
      pricing: { image: '0.042' },
    });
    expect(gpt?.supported_parameters).not.toHaveProperty('seed');
    expect(banana?.supported_parameters).not.toHaveProperty('quality');
  });

  it('keeps the Image-API-only model out of chat: GET /models and /chat/completions', async () => {
    const models = await fetch(`${fake.baseURL}/models`);
    const { data } = (await models.json()) as { data: Array<{ id: string }> };
    expect(data.map((model) => model.id)).not.toContain(gptImage);
    expect(data.map((model) => model.id)).toContain('sourceful/riverflow-v2-fast');
    const chat = await fetch(`${fake.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: gptImage,
        messages: [{ role: 'user', content: 'a cat' }],
        modalities: ['image'],
      }),
    });
    expect(chat.status).toBe(404);
    expect(((await chat.json()) as ErrorJson).error.message).toBe(
      `No endpoints found for ${gptImage}.`,
    );
  });

  it('lists nothing for a custom catalogue without imageApi', async () => {
    const plain = builtInFakeModels.map(({ imageApi: _, ...model }) => model);
    await withFake({ models: plain }, async (open) => {
      expect(JSON.parse((await listing(open)).text)).toEqual({ data: [] });
    });
  });
});

describe('provider routing on chat completions', () => {
  async function chatProvider(overrides: Record<string, unknown>) {
    const response = await post('/chat/completions', chatRequest(overrides));
    const json = (await response.json()) as { provider?: string } & ErrorJson;
    return { status: response.status, provider: json.provider, error: json.error };
  }

  it('answers from the model’s first provider, or Fake OpenRouter when it lists none', async () => {
    expect(await chatProvider({})).toMatchObject({ status: 200, provider: 'Google Vertex' });
    expect(await chatProvider({ model: fluxPro, modalities: ['image'] })).toMatchObject({
      status: 200,
      provider: 'Fake OpenRouter',
    });
  });

  it('follows order, only and ignore, matching names like slugs', async () => {
    for (const [provider, expected] of [
      [{ order: ['Google AI Studio'] }, 'Google AI Studio'],
      [{ order: ['google-ai-studio', 'Google Vertex'] }, 'Google AI Studio'],
      [{ order: ['Azure', 'Google Vertex'] }, 'Google Vertex'],
      [{ order: ['Azure'] }, 'Google Vertex'],
      [{ only: ['Google AI Studio'] }, 'Google AI Studio'],
      [{ ignore: ['google-vertex'] }, 'Google AI Studio'],
      [{ order: ['Google Vertex'], only: ['Google AI Studio'] }, 'Google AI Studio'],
    ] as const) {
      expect(await chatProvider({ provider })).toMatchObject({ status: 200, provider: expected });
    }
  });

  it('streams the chosen provider in every chunk', async () => {
    const response = await post(
      '/chat/completions',
      chatRequest({ stream: true, provider: { order: ['Google AI Studio'] } }),
    );
    const chunks = (await response.text())
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => JSON.parse(event.slice(6)) as { provider: string });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.provider === 'Google AI Studio')).toBe(true);
  });

  it('answers 404 when the preferences leave no provider', async () => {
    for (const provider of [
      { only: ['Azure'] },
      { order: ['Azure'], allow_fallbacks: false },
      { ignore: ['Google Vertex', 'Google AI Studio'] },
    ]) {
      expect(await chatProvider({ provider })).toEqual({
        status: 404,
        provider: undefined,
        error: {
          code: 404,
          message: `No endpoints found matching your provider preferences for ${nanoBanana}`,
        },
      });
    }
  });

  it('answers 400 to preferences of the wrong shape', async () => {
    expect((await chatProvider({ provider: { order: 'Google Vertex' } })).status).toBe(400);
  });
});

describe('POST /images', () => {
  it('answers n distinct real PNGs of the asked size, billed per image', async () => {
    const { response, json } = await generateImages(imagesRequest({ n: 3, aspect_ratio: '16:9' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.id).toMatch(/^gen-img-/);
    expect(response.headers.get('x-generation-id')).toBe(json.id);
    expect(json).toMatchObject({ model: nanoBanana, provider: 'Google Vertex' });
    expect(json.created).toBeCloseTo(Date.now() / 1000, -1);
    expect(json.data).toHaveLength(3);
    for (const entry of json.data) {
      expect(entry.media_type).toBe('image/png');
      expect(strictBase64.test(entry.b64_json ?? '')).toBe(true);
      expect(entry.b64_json?.startsWith('data:')).toBe(false);
    }
    const bytes = imageBytes(json);
    for (const image of bytes) {
      expect(await sharp(image).metadata()).toMatchObject({
        format: 'png',
        width: 1344,
        height: 768,
      });
    }
    expect(new Set(bytes.map(sha256)).size).toBe(3);
    const { prompt_tokens, completion_tokens, total_tokens, cost } = json.usage;
    expect(prompt_tokens).toBeGreaterThan(0);
    expect(completion_tokens).toBe(0);
    expect(total_tokens).toBe(prompt_tokens);
    expect(cost).toBeCloseTo(3 * 0.039, 12);
  });

  it('gives the same images for the same seed, and others for another seed', async () => {
    const body = imagesRequest({ n: 2, seed: 42 });
    const first = imageBytes((await generateImages(body)).json).map(sha256);
    const again = imageBytes((await generateImages(body)).json).map(sha256);
    const other = imageBytes((await generateImages({ ...body, seed: 43 })).json).map(sha256);
    expect(again).toEqual(first);
    expect(other.some((hash) => first.includes(hash))).toBe(false);
  });

  it('defaults to one 1:1 image at 1K, and sizes by resolution, size and ratio', async () => {
    const cases: Array<[Record<string, unknown>, number, number]> = [
      [{}, 1024, 1024],
      [{ resolution: '2K' }, 2048, 2048],
      [{ size: '2K' }, 2048, 2048],
      [{ size: '2048x2048' }, 2048, 2048],
      [{ aspect_ratio: '16:9', size: '1344x768' }, 1344, 768],
      [{ aspect_ratio: '3:2', resolution: '1K', size: '1K' }, 1248, 832],
      [{ model: flashPreview, resolution: '512' }, 512, 512],
      [{ model: flashPreview, resolution: '512', aspect_ratio: '16:9' }, 672, 384],
      [{ model: flashPreview, aspect_ratio: '1:4' }, 512, 2048],
      [{ model: gptImage, aspect_ratio: 'auto' }, 1024, 1024],
    ];
    for (const [overrides, width, height] of cases) {
      const { response, json } = await generateImages(imagesRequest(overrides));
      expect(response.status, JSON.stringify(overrides)).toBe(200);
      expect(json.data).toHaveLength(1);
      const [image] = imageBytes(json);
      expect(await sharp(image).metadata(), JSON.stringify(overrides)).toMatchObject({
        width,
        height,
      });
    }
  });

  it('encodes jpeg and webp when asked, and says so in media_type', async () => {
    for (const [format, mediaType] of [
      ['jpeg', 'image/jpeg'],
      ['webp', 'image/webp'],
      ['png', 'image/png'],
    ] as const) {
      const { json } = await generateImages(imagesRequest({ output_format: format, n: 2 }));
      expect(json.data.map((entry) => entry.media_type)).toEqual([mediaType, mediaType]);
      for (const image of imageBytes(json)) {
        expect((await sharp(image).metadata()).format).toBe(format);
      }
    }
  });

  it('serves the Image-API-only model with its own parameters', async () => {
    const { response, json } = await generateImages(
      imagesRequest({ model: gptImage, n: 4, quality: 'high', output_format: 'webp' }),
    );
    expect(response.status).toBe(200);
    expect(json).toMatchObject({ model: gptImage, provider: 'Fake OpenRouter' });
    expect(json.data).toHaveLength(4);
    expect(json.usage.cost).toBeCloseTo(4 * 0.042, 12);
  });

  it('ignores fields it does not know, like OpenRouter', async () => {
    const { response } = await generateImages(
      imagesRequest({ background: 'auto', output_compression: 80, stream: false, extra: 1 }),
    );
    expect(response.status).toBe(200);
  });

  it('leaves cost out of usage when includeCost is false', async () => {
    await withFake({ includeCost: false }, async (open) => {
      const { json } = await generateImages(imagesRequest({ n: 2 }), open);
      expect(json.data).toHaveLength(2);
      expect(json.usage).not.toHaveProperty('cost');
      expect(json.usage.completion_tokens).toBe(0);
    });
  });
});

describe('POST /images validation', () => {
  async function refusal(body: unknown, to?: FakeOpenRouter) {
    const response = await post('/images', body, to ? { to } : {});
    const json = (await response.json()) as ErrorJson;
    return { status: response.status, ...json.error };
  }

  it('answers 400 to a body that is not JSON, or has no model', async () => {
    expect(await refusal('{"model": ')).toMatchObject({ status: 400, code: 400 });
    expect(await refusal({ prompt: 'a cat' })).toMatchObject({
      status: 400,
      metadata: { param: 'model' },
    });
  });

  it('answers 404 to a model that is not on the Image API', async () => {
    for (const model of ['acme/nope', 'sourceful/riverflow-v2-fast', 'openai/gpt-4o-mini']) {
      expect(await refusal(imagesRequest({ model }))).toEqual({
        status: 404,
        code: 404,
        message: `No endpoints found for ${model} on the Image API`,
      });
    }
  });

  it('answers 400 to a missing or blank prompt', async () => {
    for (const prompt of [undefined, '', '   ', 42]) {
      expect(await refusal(imagesRequest({ prompt }))).toMatchObject({
        status: 400,
        metadata: { param: 'prompt' },
      });
    }
  });

  it('answers 400 "Invalid option" to a ratio or resolution the model does not list', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ aspect_ratio: '1.91:1' }, 'aspect_ratio'],
      [{ aspect_ratio: '1:4' }, 'aspect_ratio'],
      [{ aspect_ratio: 'auto' }, 'aspect_ratio'],
      [{ resolution: '512' }, 'resolution'],
      [{ resolution: '8K' }, 'resolution'],
      [{ model: fluxPro, resolution: '4K' }, 'resolution'],
      [{ model: gptImage, aspect_ratio: '16:9' }, 'aspect_ratio'],
    ];
    for (const [overrides, param] of cases) {
      const error = await refusal(imagesRequest(overrides));
      expect(error.status).toBe(400);
      expect(error.message).toMatch(new RegExp(`^Invalid option for ${param}: '`));
      expect(error.metadata).toEqual({
        param,
        value: overrides[param],
        allowed: expect.arrayContaining([param === 'resolution' ? '1K' : '1:1']) as unknown,
      });
    }
  });

  it('answers 400 to a size that is no tier, or pixels that disagree', async () => {
    for (const overrides of [
      { size: '3K' },
      { size: '1200x630' },
      { size: '2048x1024' },
      { size: '2048x2048', resolution: '1K' },
      { size: '2K', resolution: '1K' },
      { size: '1344x768' },
      { size: 2048 },
    ]) {
      const error = await refusal(imagesRequest(overrides));
      expect(error.status, JSON.stringify(overrides)).toBe(400);
      expect(error.message).toMatch(/^Invalid option for size: /);
      expect(error.metadata).toMatchObject({ param: 'size', value: overrides.size });
    }
  });

  it('answers 400 to n outside the model’s range; a one-image model says so', async () => {
    for (const n of [0, 5, 1.5, '2', -1]) {
      const error = await refusal(imagesRequest({ n }));
      expect(error).toMatchObject({
        status: 400,
        message: `Invalid value for n: ${JSON.stringify(n)}. Expected an integer from 1 to 4`,
        metadata: { param: 'n', value: n, allowed: { min: 1, max: 4 } },
      });
    }
    expect(await refusal(imagesRequest({ model: fluxPro, n: 2 }))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^black-forest-labs\/flux\.2-pro supports only n=1/),
      metadata: { param: 'n', value: 2 },
    });
    expect((await generateImages(imagesRequest({ model: fluxPro, n: 1 }))).response.status).toBe(
      200,
    );
  });

  it('checks input references: shape, URL kind and count', async () => {
    const png = `data:image/png;base64,${(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } })
        .png()
        .toBuffer()
    ).toString('base64')}`;
    const reference = (url: string) => ({ type: 'image_url', image_url: { url } });
    const ok = await generateImages(
      imagesRequest({
        input_references: [reference(png), reference('https://example.com/style.jpg')],
      }),
    );
    expect(ok.response.status).toBe(200);

    for (const input_references of [
      [{ type: 'image', image_url: { url: png } }],
      [{ type: 'image_url', url: png }],
      [reference('ftp://example.com/a.png')],
      [reference('data:text/plain;base64,aGk=')],
      [reference(png.replace(';base64', ''))],
      'https://example.com/a.png',
    ]) {
      const error = await refusal(imagesRequest({ input_references }));
      expect(error.status, JSON.stringify(input_references).slice(0, 80)).toBe(400);
      expect(String(error.metadata?.param)).toMatch(/^input_references/);
    }

    const tooMany = await refusal(
      imagesRequest({ input_references: Array(4).fill(reference(png)) }),
    );
    expect(tooMany).toMatchObject({
      status: 400,
      message: `${nanoBanana} accepts at most 3 input references, got 4`,
      metadata: { param: 'input_references', value: 4, allowed: { min: 0, max: 3 } },
    });
  });

  it('answers 400 when a model needs a reference and none is sent, or takes none', async () => {
    const base = builtInFakeModels.find((model) => model.id === nanoBanana) as FakeModel;
    const api = base.imageApi as NonNullable<FakeModel['imageApi']>;
    const editor: FakeModel = {
      ...base,
      id: 'acme/editor',
      imageApi: { ...api, inputReferences: { min: 1, max: 2 } },
    };
    const { inputReferences: _, ...withoutReferences } = api;
    const painter: FakeModel = { ...base, id: 'acme/painter', imageApi: withoutReferences };
    await withFake({ models: [editor, painter] }, async (open) => {
      const url = 'https://example.com/a.png';
      const references = [{ type: 'image_url', image_url: { url } }];
      for (const input_references of [undefined, null, []]) {
        expect(
          await refusal(imagesRequest({ model: 'acme/editor', input_references }), open),
        ).toMatchObject({
          status: 400,
          message: 'acme/editor requires at least 1 input reference, got 0',
        });
      }
      expect(
        (
          await generateImages(
            imagesRequest({ model: 'acme/editor', input_references: references }),
            open,
          )
        ).response.status,
      ).toBe(200);
      expect(
        await refusal(imagesRequest({ model: 'acme/painter', input_references: references }), open),
      ).toMatchObject({
        status: 400,
        message: 'acme/painter does not support input_references on the Image API',
        metadata: { param: 'input_references' },
      });
      expect(
        (await generateImages(imagesRequest({ model: 'acme/painter' }), open)).response.status,
      ).toBe(200);
    });
  });

  it('answers 400 naming a parameter the model does not support', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ model: gptImage, seed: 7 }, 'seed'],
      [{ quality: 'high' }, 'quality'],
      [{ model: fluxPro, quality: 'low' }, 'quality'],
    ];
    for (const [overrides, param] of cases) {
      expect(await refusal(imagesRequest(overrides))).toMatchObject({
        status: 400,
        message: `${overrides.model ?? nanoBanana} does not support ${param} on the Image API`,
        metadata: { param, value: overrides[param] },
      });
    }
    // null is as good as absent.
    expect(
      (await generateImages(imagesRequest({ model: gptImage, seed: null }))).response.status,
    ).toBe(200);
  });

  it('answers 400 to a value outside a supported parameter', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ seed: -1 }, 'seed'],
      [{ seed: 4294967296 }, 'seed'],
      [{ seed: 'seven' }, 'seed'],
      [{ output_format: 'svg' }, 'output_format'],
      [{ model: fluxPro, output_format: 'webp' }, 'output_format'],
      [{ model: gptImage, quality: 'ultra' }, 'quality'],
    ];
    for (const [overrides, param] of cases) {
      const error = await refusal(imagesRequest(overrides));
      expect(error.status, JSON.stringify(overrides)).toBe(400);
      expect(error.metadata).toMatchObject({ param, value: overrides[param] });
    }
    expect((await generateImages(imagesRequest({ seed: 4294967295 }))).response.status).toBe(200);
  });

  it('checks credentials and the rate limit before the body, like chat', async () => {
    const unauthenticated = await post(
      '/images',
      { nonsense: true },
      { headers: { authorization: '' } },
    );
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toEqual({
      error: { code: 401, message: 'No auth credentials found' },
    });
    const wrongKey = await post('/images', imagesRequest(), {
      headers: { authorization: 'Bearer sk-or-v1-wrong' },
    });
    expect(wrongKey.status).toBe(401);

    await withFake({ rateLimit: { requests: 1, windowMs: 60_000 } }, async (open) => {
      expect((await post('/chat/completions', chatRequest(), { to: open })).status).toBe(200);
      const limited = await post('/images', { nonsense: true }, { to: open });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('60');
    });
  });

  it('validates before any scenario applies, without using it up', async () => {
    fake.inject({ kind: 'status', status: 500 });
    expect((await post('/images', imagesRequest({ n: 9 }))).status).toBe(400);
    expect((await post('/images', imagesRequest())).status).toBe(500);
  });
});

describe('provider routing on /images', () => {
  async function imagesProvider(provider: unknown, model = nanoBanana) {
    const { response, json } = await generateImages(imagesRequest({ model, provider }));
    return { status: response.status, provider: json.provider, message: json.error?.message };
  }

  it('answers from the first provider of order that serves the model, else the default', async () => {
    expect(await imagesProvider(undefined)).toMatchObject({
      status: 200,
      provider: 'Google Vertex',
    });
    expect(await imagesProvider({ order: ['Google AI Studio', 'Google Vertex'] })).toMatchObject({
      provider: 'Google AI Studio',
    });
    expect(await imagesProvider({ order: ['OpenAI'] })).toMatchObject({
      provider: 'Google Vertex',
    });
    expect(await imagesProvider({ only: ['google-ai-studio'] })).toMatchObject({
      provider: 'Google AI Studio',
    });
    expect(await imagesProvider({ order: ['OpenAI'] }, gptImage)).toMatchObject({
      provider: 'Fake OpenRouter',
    });
  });

  it('answers 404 when the preferences leave no provider', async () => {
    for (const provider of [{ only: ['OpenAI'] }, { order: ['OpenAI'], allow_fallbacks: false }]) {
      expect(await imagesProvider(provider)).toEqual({
        status: 404,
        provider: undefined,
        message: `No endpoints found matching your provider preferences for ${nanoBanana}`,
      });
    }
  });
});

describe('scenarios on /images', () => {
  it('latency delays the answer', async () => {
    fake.inject({ kind: 'latency', ms: 300 });
    const started = Date.now();
    const { response } = await generateImages();
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('rate_limit, status and html fail as on chat', async () => {
    fake.inject({ kind: 'rate_limit', retryAfter: 7 });
    fake.inject({ kind: 'status', status: 402 });
    fake.inject({ kind: 'html', status: 504 });
    const limited = await post('/images', imagesRequest());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(((await limited.json()) as ErrorJson).error.code).toBe(429);
    const broke = await post('/images', imagesRequest());
    expect(broke.status).toBe(402);
    expect(((await broke.json()) as ErrorJson).error.message).toMatch(/^Insufficient credits/);
    const proxy = await post('/images', imagesRequest());
    expect(proxy.status).toBe(504);
    expect(proxy.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await proxy.text()).toContain('<title>504 Gateway Timeout</title>');
  });

  it('reset drops the connection before any byte', async () => {
    fake.inject({ kind: 'reset' });
    await expect(post('/images', imagesRequest())).rejects.toThrow();
    expect((await post('/images', imagesRequest())).status).toBe(200);
  });

  it('truncated_json sends half the document', async () => {
    fake.inject({ kind: 'truncated_json' });
    const response = await post('/images', imagesRequest());
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith('{"id":"gen-img-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('stall sends the headers and the first bytes, then nothing', async () => {
    fake.inject({ kind: 'stall', afterBytes: 15 });
    const controller = new AbortController();
    const response = await post('/images', imagesRequest(), { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(1000);
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(Buffer.from(first?.value ?? []).toString()).toBe('{"id":"gen-img-');
    const next = await Promise.race([
      reader?.read().then(() => 'more'),
      new Promise((resolve) => setTimeout(() => resolve('silent'), 200)),
    ]);
    expect(next).toBe('silent');
    controller.abort();
  });

  it('error_in_200 and mid_stream_error answer 200 with an error and no data', async () => {
    fake.inject({ kind: 'error_in_200' });
    fake.inject({ kind: 'error_in_200', code: 429, message: 'Provider rate limited' });
    fake.inject({ kind: 'mid_stream_error' });
    fake.inject({ kind: 'mid_stream_error', message: 'Provider went away' });
    const bodies: unknown[] = [];
    for (let i = 0; i < 4; i += 1) {
      const { response, json } = await generateImages();
      expect(response.status).toBe(200);
      expect(response.headers.get('x-generation-id')).toMatch(/^gen-img-/);
      bodies.push(json);
    }
    expect(bodies).toEqual([
      { error: { code: 502, message: 'Provider returned error' } },
      { error: { code: 429, message: 'Provider rate limited' } },
      { error: { code: 502, message: 'Provider disconnected unexpectedly' } },
      { error: { code: 502, message: 'Provider went away' } },
    ]);
  });

  it('no_images answers 200 with no data, and bills nothing', async () => {
    fake.inject({ kind: 'no_images' });
    const { response, json } = await generateImages(imagesRequest({ n: 2 }));
    expect(response.status).toBe(200);
    expect(json.id).toMatch(/^gen-img-/);
    expect(json.data).toEqual([]);
    expect(json.usage).toMatchObject({ completion_tokens: 0, cost: 0 });
  });

  it('fewer_images answers n − 1 images, or as many as told, billed for those', async () => {
    fake.inject({ kind: 'fewer_images' });
    fake.inject({ kind: 'fewer_images', count: 1 });
    fake.inject({ kind: 'fewer_images', count: 0 });
    for (const expected of [3, 1, 0]) {
      const { response, json } = await generateImages(imagesRequest({ n: 4 }));
      expect(response.status).toBe(200);
      expect(json.data).toHaveLength(expected);
      expect(json.usage.cost).toBeCloseTo(expected * 0.039, 12);
      for (const image of imageBytes(json))
        expect((await sharp(image).metadata()).format).toBe('png');
    }
    fake.inject({ kind: 'fewer_images' });
    expect((await generateImages(imagesRequest({ n: 1 }))).json.data).toEqual([]);
  });

  it('fewer_images on chat answers in text by default, with the image for count 1', async () => {
    fake.inject({ kind: 'fewer_images' });
    fake.inject({ kind: 'fewer_images', count: 1 });
    type Chat = { choices: Array<{ message: { images?: unknown[] } }> };
    const none = (await (await post('/chat/completions', chatRequest())).json()) as Chat;
    expect(none.choices[0]?.message).not.toHaveProperty('images');
    const one = (await (await post('/chat/completions', chatRequest())).json()) as Chat;
    expect(one.choices[0]?.message.images).toHaveLength(1);
  });

  it('invalid_base64 breaks the first entry only', async () => {
    fake.inject({ kind: 'invalid_base64' });
    const { json } = await generateImages(imagesRequest({ n: 2 }));
    const [first, second] = json.data;
    expect(first?.media_type).toBe('image/png');
    expect(strictBase64.test(first?.b64_json ?? '')).toBe(false);
    expect(first?.b64_json).toMatch(/[^A-Za-z0-9+/=]/);
    expect(strictBase64.test(second?.b64_json ?? '')).toBe(true);
    expect((await sharp(imageBytes(json)[1]).metadata()).format).toBe('png');
  });

  it('not_an_image, wrong_type and bomb put those bytes in the first entry', async () => {
    fake.inject({ kind: 'not_an_image' });
    fake.inject({ kind: 'wrong_type' });
    fake.inject({ kind: 'bomb' });
    const firsts = [];
    for (let i = 0; i < 3; i += 1) {
      const { json } = await generateImages(imagesRequest({ n: 2 }));
      expect(json.data.map((entry) => entry.media_type)).toEqual(['image/png', 'image/png']);
      expect((await sharp(imageBytes(json)[1]).metadata()).format).toBe('png');
      firsts.push(imageBytes(json)[0] ?? Buffer.alloc(0));
    }
    const [text, jpeg, bomb] = firsts as [Buffer, Buffer, Buffer];
    expect(strictBase64.test(text.toString('base64'))).toBe(true);
    await expect(sharp(text).metadata()).rejects.toThrow();
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: 1024 });
    expect(bomb.length).toBeLessThan(2000);
    expect([bomb.readUInt32BE(16), bomb.readUInt32BE(20)]).toEqual([60000, 60000]);
  });

  it('large_body pads the first image to about the size asked', async () => {
    fake.inject({ kind: 'large_body', megabytes: 2 });
    const text = await (await post('/images', imagesRequest())).text();
    expect(text.length / (1024 * 1024)).toBeCloseTo(2, 1);
    const [image] = imageBytes(JSON.parse(text) as ImagesJson);
    expect(await sharp(image).metadata()).toMatchObject({ format: 'png', width: 1024 });
  });

  it('image_url answers a URL per image, served by the fake', async () => {
    fake.inject({ kind: 'image_url' });
    const { json } = await generateImages(imagesRequest({ n: 2, aspect_ratio: '3:2' }));
    expect(json.data).toHaveLength(2);
    const hashes = [];
    for (const entry of json.data) {
      expect(entry).not.toHaveProperty('b64_json');
      expect(entry.url).toMatch(new RegExp(`^${fake.url}/files/[A-Za-z0-9]+\\.png$`));
      const file = await fetch(entry.url ?? '');
      expect(file.headers.get('content-type')).toBe('image/png');
      const bytes = Buffer.from(await file.arrayBuffer());
      expect(await sharp(bytes).metadata()).toMatchObject({ width: 1248, height: 832 });
      hashes.push(sha256(bytes));
    }
    expect(new Set(hashes).size).toBe(2);
  });

  it('match.endpoint and match.prompt pick requests by endpoint and prompt field', async () => {
    const down = { kind: 'status', status: 503 } as const;
    fake.inject(down, { always: true, match: { endpoint: 'images' } });
    expect((await post('/chat/completions', chatRequest())).status).toBe(200);
    expect((await post('/images', imagesRequest())).status).toBe(503);
    fake.reset();
    fake.inject(down, { always: true, match: { endpoint: 'chat' } });
    expect((await post('/images', imagesRequest())).status).toBe(200);
    expect((await post('/chat/completions', chatRequest())).status).toBe(503);
    fake.reset();
    fake.inject(down, { match: { prompt: /cat/, endpoint: 'images' } });
    expect((await post('/images', imagesRequest())).status).toBe(200);
    expect(
      (
        await post(
          '/chat/completions',
          chatRequest({ messages: [{ role: 'user', content: 'a cat' }] }),
        )
      ).status,
    ).toBe(200);
    expect((await post('/images', imagesRequest({ prompt: 'a black cat' }))).status).toBe(503);
  });

  it('nth counts chat and images requests together', async () => {
    fake.inject({ kind: 'status', status: 503 }, { nth: 2 });
    fake.inject({ kind: 'status', status: 500 }, { nth: 3 });
    expect((await post('/images', imagesRequest())).status).toBe(200);
    expect((await post('/chat/completions', chatRequest())).status).toBe(503);
    expect((await post('/images', imagesRequest())).status).toBe(500);
  });
});

describe('records of /images requests', () => {
  it('numbers generations across both endpoints', async () => {
    await fetch(`${fake.baseURL}/images/models`);
    await post('/images', imagesRequest());
    await post('/chat/completions', chatRequest());
    await post('/images', imagesRequest({ n: 99 }));
    await post('/images/generations', imagesRequest());
    expect(fake.requests.map((request) => [request.method, request.path, request.n])).toEqual([
      ['GET', '/api/v1/images/models', 0],
      ['POST', '/api/v1/images', 1],
      ['POST', '/api/v1/chat/completions', 2],
      ['POST', '/api/v1/images', 3],
      ['POST', '/api/v1/images/generations', 0],
    ]);
    expect(fake.generations().map((request) => request.path)).toEqual([
      '/api/v1/images',
      '/api/v1/chat/completions',
      '/api/v1/images',
    ]);
  });

  it('records the hash of every image an answer carried', async () => {
    const { json } = await generateImages(imagesRequest({ n: 3 }));
    fake.inject({ kind: 'invalid_base64' });
    const { json: broken } = await generateImages(imagesRequest({ n: 2 }));
    fake.inject({ kind: 'no_images' });
    await generateImages();
    await expect.poll(() => fake.generations().every((r) => r.answer?.delivered)).toBe(true);

    const hashes = imageBytes(json).map(sha256);
    const [good, cut, empty] = fake.generations().map((request) => request.answer);
    expect(good).toEqual({
      status: 200,
      imageSha256: hashes[0],
      imageSha256s: hashes,
      billedUsd: expect.closeTo(0.039 * hashes.length, 9),
      delivered: true,
    });
    // The first image of the broken answer does not decode: only the second is recorded.
    const second = sha256(imageBytes(broken)[1] ?? Buffer.alloc(0));
    expect(cut).toEqual({
      status: 200,
      scenario: 'invalid_base64',
      imageSha256: second,
      imageSha256s: [second],
      billedUsd: expect.any(Number),
      delivered: true,
    });
    expect(empty).toEqual({
      status: 200,
      scenario: 'no_images',
      imageSha256s: [],
      billedUsd: 0,
      delivered: true,
    });
  });
});

describe('GET /generation', () => {
  function lookup(id: string | undefined, to: FakeOpenRouter = fake, key = apiKey) {
    const query = id === undefined ? '' : `?id=${encodeURIComponent(id)}`;
    return fetch(`${to.baseURL}/generation${query}`, {
      headers: { authorization: `Bearer ${key}` },
    });
  }

  async function stats(id: string, to?: FakeOpenRouter) {
    const response = await lookup(id, to);
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: Record<string, unknown> }).data;
  }

  it('reports an /images answer: cost, provider, tokens', async () => {
    const { json } = await generateImages(
      imagesRequest({ n: 3, provider: { order: ['Google AI Studio'] } }),
    );
    expect(await stats(json.id)).toEqual({
      id: json.id,
      model: nanoBanana,
      total_cost: json.usage.cost,
      provider_name: 'Google AI Studio',
      created_at: new Date(json.created * 1000).toISOString(),
      native_tokens_prompt: json.usage.prompt_tokens,
      native_tokens_completion: 0,
    });
    expect(json.usage.cost).toBeCloseTo(3 * 0.039, 12);
  });

  it('reports a chat answer, by the id in its x-generation-id header', async () => {
    const response = await post('/chat/completions', chatRequest());
    const json = (await response.json()) as {
      id: string;
      usage: { prompt_tokens: number; completion_tokens: number; cost: number };
    };
    expect(response.headers.get('x-generation-id')).toBe(json.id);
    expect(await stats(json.id)).toMatchObject({
      id: json.id,
      model: nanoBanana,
      total_cost: json.usage.cost,
      provider_name: 'Google Vertex',
      native_tokens_prompt: json.usage.prompt_tokens,
      native_tokens_completion: 1290,
    });
  });

  it('reports total_cost even when usage leaves cost out', async () => {
    await withFake({ includeCost: false }, async (open) => {
      const images = await generateImages(imagesRequest({ model: fluxPro }), open);
      expect(images.json.usage).not.toHaveProperty('cost');
      expect((await stats(images.json.id, open)).total_cost).toBeCloseTo(0.03, 12);
      const chat = await post(
        '/chat/completions',
        chatRequest({ model: fluxPro, modalities: ['image'] }),
        { to: open },
      );
      const id = chat.headers.get('x-generation-id') ?? '';
      expect((await stats(id, open)).total_cost).toBeCloseTo(0.03, 12);
    });
  });

  it('bills what scenarios let through: fewer images, or nothing after an error', async () => {
    fake.inject({ kind: 'fewer_images' });
    const fewer = await generateImages(imagesRequest({ n: 3 }));
    expect((await stats(fewer.json.id)).total_cost).toBeCloseTo(2 * 0.039, 12);
    fake.inject({ kind: 'error_in_200' });
    const failed = await post('/images', imagesRequest());
    expect((await stats(failed.headers.get('x-generation-id') ?? '')).total_cost).toBe(0);
  });

  it('answers 404 to an id it never answered, 400 without an id, 401 without the key', async () => {
    const unknown = await lookup('gen-img-0-nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { code: 404, message: 'Generation gen-img-0-nope not found' },
    });
    expect((await lookup(undefined)).status).toBe(400);
    const { json } = await generateImages();
    expect((await lookup(json.id, fake, 'sk-or-v1-wrong')).status).toBe(401);
    const anonymous = await fetch(`${fake.baseURL}/generation?id=${json.id}`);
    expect(anonymous.status).toBe(401);
  });

  it('finds nothing for answers that were refused, or after reset', async () => {
    fake.inject({ kind: 'status', status: 503 });
    const refused = await post('/images', imagesRequest());
    expect(refused.headers.get('x-generation-id')).toBeNull();
    const { json } = await generateImages();
    fake.reset();
    expect((await lookup(json.id)).status).toBe(404);
  });

  it('finds a generation only generationStatsDelayMs after its answer', async () => {
    await withFake({ generationStatsDelayMs: 300 }, async (open) => {
      const { json } = await generateImages(imagesRequest(), open);
      const early = await lookup(json.id, open);
      expect(early.status).toBe(404);
      expect(((await early.json()) as ErrorJson).error.message).toBe(
        `Generation ${json.id} not found`,
      );
      await new Promise((resolve) => setTimeout(resolve, 320));
      expect((await stats(json.id, open)).id).toBe(json.id);
    });
  });
});
