import { createHook } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultFakeModels,
  type FakeOpenRouter,
  type FakeOpenRouterOptions,
  startFakeOpenRouter,
} from './index.js';

const apiKey = 'sk-or-v1-test-sentinel';
const nanoBanana = 'google/gemini-2.5-flash-image';
const flashPreview = 'google/gemini-3.1-flash-image-preview';

interface ErrorJson {
  error: { code: number | string; message: string; metadata?: Record<string, unknown> };
}
interface CompletionJson {
  id: string;
  model: string;
  created: number;
  object: string;
  choices: Array<{
    finish_reason: string;
    message: {
      role: string;
      content: string;
      images?: Array<{ type: string; image_url: { url: string } }>;
    };
  }>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; cost?: number };
}
interface ChunkJson {
  id: string;
  object: string;
  error?: { code: number | string; message: string };
  usage?: CompletionJson['usage'];
  choices: Array<{
    finish_reason: string | null;
    delta: { content?: string; images?: Array<{ image_url: { url: string } }> };
  }>;
}

function imageRequest(overrides: Record<string, unknown> = {}, prompt = 'A lighthouse at dusk') {
  return {
    model: nanoBanana,
    messages: [{ role: 'user', content: prompt }],
    modalities: ['image', 'text'],
    ...overrides,
  };
}

function post(
  fake: FakeOpenRouter,
  body: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal; path?: string } = {},
) {
  return fetch(`${fake.baseURL}${init.path ?? '/chat/completions'}`, {
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

async function generate(fake: FakeOpenRouter, body: unknown = imageRequest()) {
  const response = await post(fake, body);
  return { response, json: (await response.json()) as CompletionJson & ErrorJson };
}

function imageUrlOf(json: CompletionJson): string {
  const url = json.choices[0]?.message.images?.[0]?.image_url.url;
  if (url === undefined) throw new Error(`no image in ${JSON.stringify(json).slice(0, 300)}`);
  return url;
}

function decodeDataUrl(url: string): { mediaType: string; payload: string; bytes: Buffer } {
  const match = /^data:([^;]+);base64,(.*)$/s.exec(url);
  if (!match) throw new Error(`not a base64 data URL: ${url.slice(0, 60)}`);
  const [, mediaType = '', payload = ''] = match;
  return { mediaType, payload, bytes: Buffer.from(payload, 'base64') };
}

async function pngSize(url: string) {
  const { mediaType, bytes } = decodeDataUrl(url);
  const { format, width, height } = await sharp(bytes).metadata();
  return { mediaType, format, width, height };
}

/** The `data:` payloads of an event stream, and its comment lines. */
function parseEventStream(text: string) {
  const events = text.split('\n\n').filter((event) => event !== '');
  return {
    events,
    comments: events.filter((event) => event.startsWith(':')),
    data: events
      .filter((event) => event.startsWith('data: '))
      .map((event) => event.slice('data: '.length)),
  };
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

const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

let fake: FakeOpenRouter;
beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

describe('routing and credentials', () => {
  it('answers 404 on /images/generations, whatever the method or prefix', async () => {
    for (const [method, path] of [
      ['POST', '/api/v1/images/generations'],
      ['GET', '/api/v1/images/generations'],
      ['POST', '/v1/images/generations'],
    ] as const) {
      const response = await fetch(`${fake.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}` },
        ...(method === 'POST' ? { body: JSON.stringify(imageRequest()) } : {}),
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 404, message: 'Not Found' } });
    }
  });

  it('answers 404 on unknown paths and methods', async () => {
    expect((await fetch(`${fake.url}/api/v1/nope`)).status).toBe(404);
    expect((await fetch(`${fake.baseURL}/chat/completions`)).status).toBe(404);
  });

  it('refuses a missing or empty bearer with 401 "No auth credentials found"', async () => {
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer   ' }]) {
      const response = await post(fake, imageRequest(), { headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        error: { code: 401, message: 'No auth credentials found' },
      });
    }
  });

  it('refuses a wrong key with 401 "User not found."', async () => {
    const response = await post(fake, imageRequest(), {
      headers: { authorization: 'Bearer sk-or-v1-wrong' },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorJson).error.message).toBe('User not found.');
  });

  it('accepts any non-empty bearer when no key is configured', async () => {
    await withFake({}, async (open) => {
      const response = await post(open, imageRequest(), {
        headers: { authorization: 'Bearer anything' },
      });
      expect(response.status).toBe(200);
    });
  });

  it('serves GET /models without credentials', async () => {
    const response = await fetch(`${fake.baseURL}/models`);
    expect(response.status).toBe(200);
  });
});

describe('GET /models', () => {
  async function listIds(query = '') {
    const response = await fetch(`${fake.baseURL}/models${query}`);
    const { data } = (await response.json()) as { data: Array<{ id: string }> };
    return data.map((model) => model.id);
  }

  it('lists the whole catalogue in OpenRouter’s entry shape', async () => {
    const response = await fetch(`${fake.baseURL}/models`);
    const { data } = (await response.json()) as { data: Array<Record<string, unknown>> };
    expect(data.map((model) => model.id)).toEqual(defaultFakeModels.map((model) => model.id));
    const banana = data.find((model) => model.id === nanoBanana);
    expect(banana).toMatchObject({
      name: expect.any(String),
      created: expect.any(Number),
      description: expect.any(String),
      context_length: expect.any(Number),
      architecture: {
        modality: 'text+image->image+text',
        input_modalities: ['text', 'image'],
        output_modalities: ['image', 'text'],
      },
      pricing: { prompt: '0.0000003', completion: '0.0000025' },
      top_provider: expect.any(Object),
    });
    const preview = data.find((model) => model.id === flashPreview);
    expect(preview).not.toHaveProperty('aspectRatios');
    expect(preview).not.toHaveProperty('imageSizes');
  });

  it('filters by output modalities', async () => {
    const images = await listIds('?output_modalities=image');
    expect(images).toEqual(
      expect.arrayContaining([
        nanoBanana,
        'google/gemini-3-pro-image-preview',
        flashPreview,
        'black-forest-labs/flux.2-pro',
        'black-forest-labs/flux.2-flex',
        'sourceful/riverflow-v2-fast',
      ]),
    );
    expect(images).not.toContain('openai/gpt-4o-mini');

    const both = await listIds('?output_modalities=text,image');
    expect(both.sort()).toEqual(
      [nanoBanana, 'google/gemini-3-pro-image-preview', flashPreview].sort(),
    );
    expect(await listIds('?output_modalities=text')).toContain('openai/gpt-4o-mini');
  });

  it('serves a custom catalogue instead of the built-in one', async () => {
    const custom = {
      id: 'acme/painter',
      name: 'Acme Painter',
      architecture: { input_modalities: ['text'], output_modalities: ['image'] },
      pricing: { prompt: '0', completion: '0', request: '0.01' },
    };
    await withFake({ models: [custom] }, async (open) => {
      const response = await fetch(`${open.baseURL}/models`);
      const { data } = (await response.json()) as { data: Array<{ id: string }> };
      expect(data.map((model) => model.id)).toEqual(['acme/painter']);
      const ok = await post(open, imageRequest({ model: 'acme/painter', modalities: ['image'] }));
      expect(ok.status).toBe(200);
      const unknown = await post(open, imageRequest());
      expect(unknown.status).toBe(404);
    });
  });
});

describe('POST /chat/completions validation', () => {
  it('answers 400 to a body that is not JSON', async () => {
    const response = await post(fake, '{"model": ');
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorJson).error.code).toBe(400);
  });

  it('answers 400 to JSON without messages', async () => {
    const response = await post(fake, { model: nanoBanana, modalities: ['image', 'text'] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorJson).error.message).toMatch(/messages/);
  });

  it('answers 404 "No endpoints found for <model>." to an unknown model', async () => {
    const { response, json } = await generate(fake, imageRequest({ model: 'acme/nope' }));
    expect(response.status).toBe(404);
    expect(json).toEqual({ error: { code: 404, message: 'No endpoints found for acme/nope.' } });
  });

  it('answers 404 when the model cannot produce the requested modalities', async () => {
    const textOnly = await generate(fake, imageRequest({ model: 'openai/gpt-4o-mini' }));
    expect(textOnly.response.status).toBe(404);
    expect(textOnly.json.error.message).toBe(
      'No endpoints found that support the requested output modalities: image, text',
    );

    const flux = imageRequest({ model: 'black-forest-labs/flux.2-pro' });
    const imageOnly = await generate(fake, flux);
    expect(imageOnly.response.status).toBe(404);
    expect(imageOnly.json.error.message).toMatch(/requested output modalities/);

    const right = await generate(fake, { ...flux, modalities: ['image'] });
    expect(right.response.status).toBe(200);
    expect((await pngSize(imageUrlOf(right.json))).width).toBe(1024);
  });

  it('answers 400 "Invalid option" to an aspect ratio the model does not accept', async () => {
    for (const ratio of ['1.91:1', '1200x630', '1:4']) {
      const { response, json } = await generate(
        fake,
        imageRequest({ image_config: { aspect_ratio: ratio } }),
      );
      expect(response.status).toBe(400);
      expect(json.error.message).toMatch(
        new RegExp(
          `^Invalid option for image_config\\.aspect_ratio: '${ratio}'\\. Expected one of `,
        ),
      );
      expect(json.error.message).toContain('16:9');
      expect(json.error.metadata).toBeDefined();
    }
  });

  it('answers 400 to an image size the model does not accept', async () => {
    for (const size of ['8K', '0.5K', '1k']) {
      const { response, json } = await generate(
        fake,
        imageRequest({ image_config: { image_size: size } }),
      );
      expect(response.status).toBe(400);
      expect(json.error.message).toMatch(/^Invalid option for image_config\.image_size: /);
    }
  });

  it('accepts the extended ratios and 0.5K on gemini-3.1-flash-image-preview only', async () => {
    const tall = await generate(
      fake,
      imageRequest({ model: flashPreview, image_config: { aspect_ratio: '1:4' } }),
    );
    expect(tall.response.status).toBe(200);
    expect(await pngSize(imageUrlOf(tall.json))).toMatchObject({ width: 512, height: 2048 });

    const small = await generate(
      fake,
      imageRequest({
        model: flashPreview,
        image_config: { aspect_ratio: '16:9', image_size: '0.5K' },
      }),
    );
    expect(await pngSize(imageUrlOf(small.json))).toMatchObject({ width: 672, height: 384 });
  });

  it('answers in text only when modalities are missing or lack "image"', async () => {
    for (const modalities of [undefined, ['text']]) {
      const { response, json } = await generate(fake, imageRequest({ modalities }));
      expect(response.status).toBe(200);
      const message = json.choices[0]?.message;
      expect(message?.content).toEqual(expect.any(String));
      expect(message?.content.length).toBeGreaterThan(0);
      expect(message).not.toHaveProperty('images');
      expect(json.usage.completion_tokens).toBeLessThan(1290);
    }
  });

  it('validates before any scenario applies, without using it up', async () => {
    fake.inject({ kind: 'status', status: 500 });
    const invalid = await post(fake, imageRequest({ image_config: { aspect_ratio: '2:1' } }));
    expect(invalid.status).toBe(400);
    expect((await post(fake, imageRequest())).status).toBe(500);
  });
});

describe('successful generation', () => {
  it('returns a real 1344×768 PNG for 16:9 at 1K in OpenRouter’s response shape', async () => {
    const { response, json } = await generate(
      fake,
      imageRequest({ image_config: { aspect_ratio: '16:9', image_size: '1K' } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.id).toMatch(/^gen-/);
    expect(response.headers.get('x-generation-id')).toBe(json.id);
    expect(json.model).toBe(nanoBanana);
    expect(json.created).toEqual(expect.any(Number));
    const choice = json.choices[0];
    expect(choice?.finish_reason).toBe('stop');
    expect(choice?.message).toMatchObject({ role: 'assistant', content: 'Here is your image.' });
    expect(choice?.message.images?.[0]?.type).toBe('image_url');
    expect(await pngSize(imageUrlOf(json))).toEqual({
      mediaType: 'image/png',
      format: 'png',
      width: 1344,
      height: 768,
    });
    const { prompt_tokens, completion_tokens, total_tokens, cost } = json.usage;
    expect(completion_tokens).toBe(1290);
    expect(total_tokens).toBe(prompt_tokens + completion_tokens);
    expect(cost).toBeCloseTo(prompt_tokens * 0.3e-6 + 1290 * 2.5e-6, 12);
  });

  it('defaults to 1:1 at 1K and doubles each side at 2K', async () => {
    const plain = await generate(fake, imageRequest());
    expect(await pngSize(imageUrlOf(plain.json))).toMatchObject({ width: 1024, height: 1024 });
    const large = await generate(
      fake,
      imageRequest({ image_config: { aspect_ratio: '16:9', image_size: '2K' } }),
    );
    expect(await pngSize(imageUrlOf(large.json))).toMatchObject({ width: 2688, height: 1536 });
  });

  it('renders 4K at four times each side', async () => {
    const { json } = await generate(
      fake,
      imageRequest({ image_config: { aspect_ratio: '16:9', image_size: '4K' } }),
    );
    expect(await pngSize(imageUrlOf(json))).toMatchObject({ width: 5376, height: 3072 });
  });

  it('prices per request for image-only models, and leaves cost out when asked', async () => {
    const flux = imageRequest({ model: 'black-forest-labs/flux.2-pro', modalities: ['image'] });
    expect((await generate(fake, flux)).json.usage.cost).toBeCloseTo(0.03, 12);
    const pro = await generate(fake, imageRequest({ model: 'google/gemini-3-pro-image-preview' }));
    expect(pro.json.usage.cost).toBeCloseTo(pro.json.usage.prompt_tokens * 2e-6 + 1290 * 12e-6, 12);

    await withFake({ includeCost: false }, async (open) => {
      const { json } = await generate(open);
      expect(json.usage.completion_tokens).toBe(1290);
      expect(json.usage).not.toHaveProperty('cost');
    });
  });

  it('streams OpenRouter’s SSE: comment, text, image, finish with usage, [DONE]', async () => {
    const response = await post(
      fake,
      imageRequest({ stream: true, image_config: { aspect_ratio: '16:9' } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text.startsWith(': OPENROUTER PROCESSING\n')).toBe(true);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);

    const { events, data } = parseEventStream(text);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((payload) => JSON.parse(payload) as ChunkJson);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks[0]?.id).toMatch(/^gen-/);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.content === 'Here is your image.')).toBe(
      true,
    );
    const imageChunk = chunks.find((chunk) => chunk.choices[0]?.delta.images);
    const url = imageChunk?.choices[0]?.delta.images?.[0]?.image_url.url ?? '';
    expect(await pngSize(url)).toMatchObject({ width: 1344, height: 768 });
    const last = chunks.at(-1);
    expect(last?.choices[0]?.finish_reason).toBe('stop');
    expect(last?.usage?.completion_tokens).toBe(1290);
    // A keep-alive comment sits between every two JSON chunks.
    const jsonIndexes = events.flatMap((event, index) =>
      event.startsWith('data: {') ? [index] : [],
    );
    for (const [a, b] of jsonIndexes.slice(1).map((index, i) => [jsonIndexes[i] ?? 0, index])) {
      expect(events.slice((a ?? 0) + 1, b).some((event) => event.startsWith(':'))).toBe(true);
    }
  });
});

describe('image content', () => {
  async function imageBytes(overrides: Record<string, unknown>, prompt?: string) {
    const { json } = await generate(fake, imageRequest(overrides, prompt));
    return decodeDataUrl(imageUrlOf(json)).bytes;
  }

  async function meanPixelDifference(a: Buffer, b: Buffer) {
    const [pixelsA, pixelsB] = await Promise.all(
      [a, b].map((bytes) => sharp(bytes).resize(64, 64).raw().toBuffer()),
    );
    let total = 0;
    for (let i = 0; i < (pixelsA?.length ?? 0); i += 1) {
      total += Math.abs((pixelsA?.[i] ?? 0) - (pixelsB?.[i] ?? 0));
    }
    return total / (pixelsA?.length ?? 1);
  }

  it('is identical for identical inputs, streamed or not', async () => {
    const first = await imageBytes({ seed: 7 });
    expect((await imageBytes({ seed: 7 })).equals(first)).toBe(true);
    const streamed = await (await post(fake, imageRequest({ seed: 7, stream: true }))).text();
    expect(streamed).toContain(first.toString('base64'));
  });

  it('changes visibly with the prompt, the seed and the model', async () => {
    const base = await imageBytes({ seed: 1 });
    const otherPrompt = await imageBytes({ seed: 1 }, 'A cat on a windowsill');
    const otherSeed = await imageBytes({ seed: 2 });
    const otherModel = await imageBytes({ seed: 1, model: 'google/gemini-3-pro-image-preview' });
    for (const other of [otherPrompt, otherSeed, otherModel]) {
      expect(other.equals(base)).toBe(false);
      expect(await meanPixelDifference(base, other)).toBeGreaterThan(15);
    }
  });
});

describe('scenarios', () => {
  it('latency delays one request without blocking others', async () => {
    // Long enough that the other requests, even on a loaded machine, are answered well
    // within it: they are compared with the slow one, not with a fixed time.
    const latency = 1500;
    fake.inject({ kind: 'latency', ms: latency });
    const started = Date.now();
    const slow = post(fake, imageRequest()).then(async (response) => {
      await response.arrayBuffer();
      return { status: response.status, elapsed: Date.now() - started };
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const models = await fetch(`${fake.baseURL}/models`);
    expect(models.status).toBe(200);
    const quick = await post(fake, imageRequest());
    expect(quick.status).toBe(200);
    await quick.arrayBuffer();
    const quickElapsed = Date.now() - started;
    const { status, elapsed } = await slow;
    expect(status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(latency - 10);
    // Both answered before the delayed one: it held up no other request.
    expect(quickElapsed).toBeLessThan(elapsed);
  });

  it('latencyMs is the least time a generation response takes', async () => {
    await withFake({ latencyMs: 250 }, async (open) => {
      const started = Date.now();
      const response = await post(open, imageRequest());
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    });
  });

  it('rate_limit answers 429 with Retry-After exactly as given, or none', async () => {
    fake.inject({ kind: 'rate_limit', retryAfter: 7 });
    fake.inject({ kind: 'rate_limit', retryAfter: 'Wed, 21 Oct 2037 07:28:00 GMT' });
    fake.inject({ kind: 'rate_limit' });
    const seconds = await post(fake, imageRequest());
    expect(seconds.status).toBe(429);
    expect(seconds.headers.get('retry-after')).toBe('7');
    expect(((await seconds.json()) as ErrorJson).error.code).toBe(429);
    const date = await post(fake, imageRequest());
    expect(date.headers.get('retry-after')).toBe('Wed, 21 Oct 2037 07:28:00 GMT');
    const none = await post(fake, imageRequest());
    expect(none.status).toBe(429);
    expect(none.headers.get('retry-after')).toBeNull();
    expect((await post(fake, imageRequest())).status).toBe(200);
  });

  it('status answers with that status and OpenRouter’s error JSON', async () => {
    fake.inject({ kind: 'status', status: 503, message: 'Upstream overloaded' });
    fake.inject({ kind: 'status', status: 500 });
    const first = await post(fake, imageRequest());
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ error: { code: 503, message: 'Upstream overloaded' } });
    const second = await post(fake, imageRequest());
    expect(second.status).toBe(500);
    expect(((await second.json()) as ErrorJson).error).toEqual({
      code: 500,
      message: 'Internal Server Error',
    });
  });

  it('error_in_200 answers 200 with an error body and no choices', async () => {
    fake.inject({ kind: 'error_in_200' });
    fake.inject({ kind: 'error_in_200', code: 429, message: 'Provider rate limited' });
    const first = await generate(fake);
    expect(first.response.status).toBe(200);
    expect(first.json.error.code).toBe(502);
    expect(first.json).not.toHaveProperty('choices');
    const second = await generate(fake);
    expect(second.json.error).toEqual({ code: 429, message: 'Provider rate limited' });
  });

  it('no_images answers 200 with text and no images', async () => {
    fake.inject({ kind: 'no_images', text: 'I would rather describe it.' });
    const { response, json } = await generate(fake);
    expect(response.status).toBe(200);
    expect(json.choices[0]?.message.content).toBe('I would rather describe it.');
    expect(json.choices[0]?.message).not.toHaveProperty('images');
  });

  it('invalid_base64 sends a PNG data URL whose payload is not base64', async () => {
    fake.inject({ kind: 'invalid_base64' });
    const url = imageUrlOf((await generate(fake)).json);
    const { mediaType, payload } = decodeDataUrl(url);
    expect(mediaType).toBe('image/png');
    expect(strictBase64.test(payload)).toBe(false);
    expect(payload).toMatch(/[^A-Za-z0-9+/=]/);
  });

  it('not_an_image sends valid base64 of bytes that are no image', async () => {
    fake.inject({ kind: 'not_an_image' });
    const { mediaType, payload, bytes } = decodeDataUrl(imageUrlOf((await generate(fake)).json));
    expect(mediaType).toBe('image/png');
    expect(strictBase64.test(payload)).toBe(true);
    expect(bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))).toBe(false);
    await expect(sharp(bytes).metadata()).rejects.toThrow();
  });

  it('wrong_type labels a real JPEG as image/png', async () => {
    fake.inject({ kind: 'wrong_type' });
    const { mediaType, bytes } = decodeDataUrl(imageUrlOf((await generate(fake)).json));
    expect(mediaType).toBe('image/png');
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(await sharp(bytes).metadata()).toMatchObject({
      format: 'jpeg',
      width: 1024,
      height: 1024,
    });
  });

  it('truncated_json sends half a JSON body, or a stream without [DONE]', async () => {
    fake.inject({ kind: 'truncated_json' }, { times: 2 });
    const response = await post(fake, imageRequest());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await response.text();
    expect(text.startsWith('{"id":"gen-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();

    const stream = await (await post(fake, imageRequest({ stream: true }))).text();
    expect(stream.startsWith(': OPENROUTER PROCESSING')).toBe(true);
    expect(stream).not.toContain('[DONE]');
  });

  it('html answers a proxy’s HTML page, 502 unless told', async () => {
    fake.inject({ kind: 'html' });
    fake.inject({ kind: 'html', status: 504 });
    const first = await post(fake, imageRequest());
    expect(first.status).toBe(502);
    expect(first.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await first.text()).toContain('<title>502 Bad Gateway</title>');
    expect((await post(fake, imageRequest())).status).toBe(504);
  });

  it('reset destroys the connection before any byte', async () => {
    fake.inject({ kind: 'reset' });
    await expect(post(fake, imageRequest())).rejects.toThrow();
    expect((await post(fake, imageRequest())).status).toBe(200);
  });

  it('stall sends headers and the first bytes, then nothing', async () => {
    fake.inject({ kind: 'stall', afterBytes: 20 });
    const controller = new AbortController();
    const response = await post(fake, imageRequest(), { signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    let received = '';
    const more = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'ended';
        received += Buffer.from(value).toString();
      }
    })().catch(() => 'aborted');
    const outcome = await Promise.race([
      more,
      new Promise((resolve) => setTimeout(() => resolve('silent'), 300)),
    ]);
    expect(outcome).toBe('silent');
    expect(received).toHaveLength(20);
    expect(received.startsWith('{"id":"gen-')).toBe(true);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(1000);
    controller.abort();
    expect(await more).toBe('aborted');
  });

  it('mid_stream_error streams some chunks, then an error chunk, and no [DONE]', async () => {
    fake.inject({ kind: 'mid_stream_error', message: 'Provider disconnected' });
    const text = await (await post(fake, imageRequest({ stream: true }))).text();
    const { data } = parseEventStream(text);
    expect(data).not.toContain('[DONE]');
    const chunks = data.map((payload) => JSON.parse(payload) as ChunkJson);
    expect(chunks[0]?.choices[0]?.delta.content).toBe('Here is your image.');
    const last = chunks.at(-1);
    expect(last?.error?.message).toBe('Provider disconnected');
    expect(last?.choices[0]?.finish_reason).toBe('error');
    expect(chunks.some((chunk) => chunk.choices[0]?.delta.images)).toBe(false);
  });

  it('mid_stream_error without streaming behaves like error_in_200', async () => {
    fake.inject({ kind: 'mid_stream_error', message: 'Provider disconnected' });
    const { response, json } = await generate(fake);
    expect(response.status).toBe(200);
    expect(json.error.message).toBe('Provider disconnected');
    expect(json).not.toHaveProperty('choices');
  });

  it('error_in_200 while streaming is an error chunk right away', async () => {
    fake.inject({ kind: 'error_in_200', message: 'Upstream refused' });
    const { data } = parseEventStream(
      await (await post(fake, imageRequest({ stream: true }))).text(),
    );
    expect(data).toHaveLength(1);
    expect((JSON.parse(data[0] ?? '') as ChunkJson).error?.message).toBe('Upstream refused');
  });

  it('stall while streaming stops after the first bytes of the stream', async () => {
    fake.inject({ kind: 'stall' });
    const response = await post(fake, imageRequest({ stream: true }));
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(Buffer.from(first?.value ?? []).toString()).toMatch(
      /^: OPENROUTER PROCESSING\n\ndata: /,
    );
    const next = await Promise.race([
      reader?.read().then(() => 'more'),
      new Promise((resolve) => setTimeout(() => resolve('silent'), 200)),
    ]);
    expect(next).toBe('silent');
    await reader?.cancel().catch(() => {});
  });

  it('image_url returns a link to the image, served by the fake', async () => {
    fake.inject({ kind: 'image_url' });
    const url = imageUrlOf(
      (await generate(fake, imageRequest({ image_config: { aspect_ratio: '3:2' } }))).json,
    );
    expect(url.startsWith(`${fake.url}/files/`)).toBe(true);
    expect(url.endsWith('.png')).toBe(true);
    const file = await fetch(url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(Buffer.from(await file.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 1248, height: 832 });
    expect((await fetch(`${fake.url}/files/nothing.png`)).status).toBe(404);
  });

  it('bomb sends a tiny PNG that declares 60000×60000 pixels', async () => {
    fake.inject({ kind: 'bomb' });
    const { bytes } = decodeDataUrl(imageUrlOf((await generate(fake)).json));
    expect(bytes.length).toBeLessThan(2000);
    expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([60000, 60000]);
    expect(await sharp(bytes, { limitInputPixels: false }).metadata()).toMatchObject({
      format: 'png',
      width: 60000,
      height: 60000,
    });
    await expect(sharp(bytes).raw().toBuffer()).rejects.toThrow(/pixel limit/i);
  });

  it('large_body pads a real image to about the size asked', async () => {
    fake.inject({ kind: 'large_body', megabytes: 3 });
    const response = await post(fake, imageRequest());
    const text = await response.text();
    expect(text.length).toBeGreaterThan(2.9 * 1024 * 1024);
    expect(text.length).toBeLessThan(3.1 * 1024 * 1024);
    const url = imageUrlOf(JSON.parse(text) as CompletionJson);
    expect(await pngSize(url)).toMatchObject({ format: 'png', width: 1024, height: 1024 });
  });

  it('large_body defaults to about 40 MB', async () => {
    fake.inject({ kind: 'large_body' });
    const body = await (await post(fake, imageRequest())).arrayBuffer();
    expect(body.byteLength / (1024 * 1024)).toBeCloseTo(40, 0);
  });
});

describe('scenario selection', () => {
  const down = { kind: 'status', status: 503 } as const;

  async function statuses(count: number, prompt?: (i: number) => string) {
    const result: number[] = [];
    for (let i = 0; i < count; i += 1) {
      result.push((await post(fake, imageRequest({}, prompt?.(i)))).status);
    }
    return result;
  }

  it('applies once by default', async () => {
    fake.inject(down);
    expect(await statuses(3)).toEqual([503, 200, 200]);
  });

  it('nth applies to that generation request only', async () => {
    fake.inject(down, { nth: 2 });
    expect(await statuses(3)).toEqual([200, 503, 200]);
  });

  it('nth counts every generation request, even refused ones', async () => {
    fake.inject(down, { nth: 2 });
    expect((await post(fake, imageRequest(), { headers: { authorization: '' } })).status).toBe(401);
    expect(await statuses(2)).toEqual([503, 200]);
  });

  it('times applies to the next matching requests; with nth, from the nth on', async () => {
    fake.inject(down, { times: 2 });
    expect(await statuses(3)).toEqual([503, 503, 200]);
    fake.reset();
    fake.inject(down, { nth: 2, times: 2 });
    expect(await statuses(4)).toEqual([200, 503, 503, 200]);
  });

  it('always is never used up', async () => {
    fake.inject(down, { always: true });
    expect(await statuses(4)).toEqual([503, 503, 503, 503]);
  });

  it('match picks requests by prompt (substring or RegExp) and model', async () => {
    fake.inject(down, { match: { prompt: 'lighthouse' } });
    expect(
      await statuses(3, (i) => ['a cat', 'a lighthouse at dusk', 'lighthouse'][i] ?? ''),
    ).toEqual([200, 503, 200]);
    fake.reset();
    fake.inject(down, { always: true, match: { prompt: /^cat/g } });
    expect(await statuses(3, (i) => ['cat one', 'dog', 'cat two'][i] ?? '')).toEqual([
      503, 200, 503,
    ]);
    fake.reset();
    fake.inject(down, { match: { model: flashPreview } });
    expect((await post(fake, imageRequest())).status).toBe(200);
    expect((await post(fake, imageRequest({ model: flashPreview }))).status).toBe(503);
  });

  it('the first pending match in injection order wins', async () => {
    fake.inject({ kind: 'status', status: 500 }, { match: { prompt: 'x' } });
    fake.inject({ kind: 'status', status: 502 });
    expect(await statuses(3, () => 'x')).toEqual([500, 502, 200]);
    fake.reset();
    fake.inject({ kind: 'status', status: 500 }, { match: { prompt: 'x' } });
    fake.inject({ kind: 'status', status: 502 });
    expect(await statuses(3, () => 'y')).toEqual([502, 200, 200]);
  });

  it('takes scenarios from the options as if injected', async () => {
    await withFake(
      { scenarios: [{ scenario: down, nth: 1 }, { scenario: { kind: 'status', status: 500 } }] },
      async (open) => {
        const seen: number[] = [];
        for (let i = 0; i < 3; i += 1) seen.push((await post(open, imageRequest())).status);
        expect(seen).toEqual([503, 500, 200]);
      },
    );
  });

  it('rejects nonsensical conditions', () => {
    expect(() => fake.inject(down, { nth: 0 })).toThrow(RangeError);
    expect(() => fake.inject(down, { times: 1.5 })).toThrow(RangeError);
    expect(() => fake.inject(down, { always: true, times: 2 })).toThrow(TypeError);
  });

  it('reset drops pending scenarios and restarts the count', async () => {
    fake.inject(down, { always: true });
    await post(fake, imageRequest());
    fake.reset();
    expect(fake.requests).toHaveLength(0);
    expect((await post(fake, imageRequest())).status).toBe(200);
    expect(fake.generations()[0]?.n).toBe(1);
  });
});

describe('rate limit option', () => {
  it('answers 429 beyond the window’s budget, with Retry-After until a slot frees', async () => {
    await withFake({ rateLimit: { requests: 2, windowMs: 400 } }, async (open) => {
      expect((await post(open, imageRequest())).status).toBe(200);
      expect((await post(open, imageRequest())).status).toBe(200);
      const limited = await post(open, imageRequest());
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(((await limited.json()) as ErrorJson).error.code).toBe(429);
      await new Promise((resolve) => setTimeout(resolve, 420));
      expect((await post(open, imageRequest())).status).toBe(200);
      expect(open.generations()).toHaveLength(4);
    });
  });

  it('gives whole seconds until the oldest request leaves the window', async () => {
    await withFake({ rateLimit: { requests: 1, windowMs: 2500 } }, async (open) => {
      await post(open, imageRequest());
      const limited = await post(open, imageRequest());
      expect(limited.headers.get('retry-after')).toBe('3');
    });
  });
});

describe('request recording', () => {
  it('records every request in order, with generation numbers', async () => {
    const before = Date.now();
    await fetch(`${fake.baseURL}/models?output_modalities=image`);
    await post(fake, imageRequest(), { path: '/images/generations' });
    await post(fake, imageRequest(), { headers: { authorization: '' } });
    await post(fake, imageRequest(), { headers: { 'X-Title': 'headerforge tests' } });
    await post(fake, 'not json');

    const { requests } = fake;
    expect(requests.map((request) => [request.method, request.path, request.n])).toEqual([
      ['GET', '/api/v1/models', 0],
      ['POST', '/api/v1/images/generations', 0],
      ['POST', '/api/v1/chat/completions', 1],
      ['POST', '/api/v1/chat/completions', 2],
      ['POST', '/api/v1/chat/completions', 3],
    ]);
    expect(requests[0]?.query).toEqual({ output_modalities: 'image' });
    expect(requests[3]?.headers['x-title']).toBe('headerforge tests');
    expect(requests[3]?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(requests[3]?.body).toEqual(imageRequest());
    expect(requests[3]?.bodyText).toBe(JSON.stringify(imageRequest()));
    expect(requests[4]?.bodyText).toBe('not json');
    expect(requests[4]?.body).toBeUndefined();
    expect(fake.generations().map((request) => request.n)).toEqual([1, 2, 3]);
    for (const request of requests) {
      expect(request.at).toBeGreaterThanOrEqual(before);
      expect(request.at).toBeLessThanOrEqual(Date.now());
    }
  });
});

describe('answer recording', () => {
  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('records the status, the scenario and the hash of the image each answer carried', async () => {
    const { json } = await generate(fake);
    fake.inject({ kind: 'wrong_type' });
    const { json: mislabelled } = await generate(fake);
    fake.inject({ kind: 'status', status: 503 });
    await generate(fake);
    fake.inject({ kind: 'invalid_base64' });
    await generate(fake);

    // 'finish' may land just after the client has read the body.
    await expect.poll(() => fake.generations().every((r) => r.answer?.delivered)).toBe(true);
    const answers = fake.generations().map((request) => request.answer);
    expect(answers).toEqual([
      {
        status: 200,
        imageSha256: sha256(decodeDataUrl(imageUrlOf(json)).bytes),
        billedUsd: expect.any(Number),
        delivered: true,
      },
      {
        status: 200,
        scenario: 'wrong_type',
        imageSha256: sha256(decodeDataUrl(imageUrlOf(mislabelled)).bytes),
        billedUsd: expect.any(Number),
        delivered: true,
      },
      // Not billed: no `billedUsd`.
      { status: 503, scenario: 'status', delivered: true },
      // Its bytes cannot be decoded, so no image was delivered (but it was billed).
      { status: 200, scenario: 'invalid_base64', billedUsd: expect.any(Number), delivered: true },
    ]);
  });

  it('never counts a cut answer or one the client hung up on as delivered', async () => {
    fake.inject({ kind: 'truncated_json' });
    await post(fake, imageRequest()).then((response) => response.text());
    fake.inject({ kind: 'reset' });
    await post(fake, imageRequest()).catch(() => undefined);
    fake.inject({ kind: 'latency', ms: 30_000 });
    const controller = new AbortController();
    const pending = post(fake, imageRequest(), { signal: controller.signal }).catch(
      () => undefined,
    );
    await expect.poll(() => fake.generations().length).toBe(3);
    controller.abort();
    await pending;
    // The fake records the hung-up answer once it sees the connection close: after the
    // client's side has settled, and later still on a busy machine.
    await expect.poll(() => fake.generations()[2]?.answer).toBeDefined();

    expect(fake.generations().map((request) => request.answer)).toEqual([
      expect.objectContaining({ scenario: 'truncated_json', delivered: false }),
      { status: 0, scenario: 'reset', delivered: false },
      expect.objectContaining({ status: 200, scenario: 'latency', delivered: false }),
    ]);
    expect(fake.generations()[2]?.answer?.imageSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('shutdown and hang-ups', () => {
  it('close() returns promptly with a stalled connection open', async () => {
    const open = await startFakeOpenRouter({ scenarios: [{ scenario: { kind: 'stall' } }] });
    const response = await post(open, imageRequest());
    const pending = response.text().catch((error: unknown) => error);
    const started = Date.now();
    await open.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });

  /** Live timers of exactly `ms`: the fake's wait, told apart from timers that come and go. */
  /** Live timers of about `ms` (latency counts rendering time, so a little less). */
  function trackTimers(ms: number) {
    const live = new Set<number>();
    const hook = createHook({
      init(id, type, _trigger, resource) {
        const delay = (resource as { _idleTimeout?: number })._idleTimeout ?? -1;
        if (type === 'Timeout' && delay > ms - 5_000 && delay <= ms) {
          live.add(id);
        }
      },
      destroy: (id) => live.delete(id),
    }).enable();
    return {
      count: async () => {
        // Destroy hooks run after the current tick.
        await new Promise((resolve) => setImmediate(resolve));
        return live.size;
      },
      stop: () => hook.disable(),
    };
  }

  it('close() cuts a request waiting on latency and leaves no timer behind', async () => {
    const timers = trackTimers(60_000);
    try {
      const open = await startFakeOpenRouter();
      open.inject({ kind: 'latency', ms: 60_000 });
      const pending = post(open, imageRequest()).catch((error: unknown) => error);
      await expect.poll(timers.count, { timeout: 2000 }).toBe(1);
      const started = Date.now();
      await open.close();
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await pending).toBeInstanceOf(Error);
      expect(await timers.count()).toBe(0);
    } finally {
      timers.stop();
    }
  });

  it('survives a client that hangs up during latency, and drops its timer', async () => {
    const timers = trackTimers(45_000);
    try {
      await withFake({ latencyMs: 45_000 }, async (open) => {
        const controller = new AbortController();
        const pending = post(open, imageRequest(), { signal: controller.signal }).catch(
          (error: unknown) => error,
        );
        await expect.poll(timers.count, { timeout: 2000 }).toBe(1);
        controller.abort();
        expect(await pending).toBeInstanceOf(Error);
        await expect.poll(timers.count, { timeout: 2000 }).toBe(0);
        expect((await fetch(`${open.baseURL}/models`)).status).toBe(200);
      });
    } finally {
      timers.stop();
    }
  });
});
