import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  builtInFakeModels,
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

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${fake.baseURL}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

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
