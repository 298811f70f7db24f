import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultFakeModels,
  type FakeOpenRouter,
  type FakeScenario,
  startFakeOpenRouter,
} from '../testing/index.js';
import { createOpenRouterClient, type OpenRouterClientOptions } from './client.js';
import { failure } from './client.test-support.js';

const KEY = 'sk-or-v1-test-sentinel-images-0123456789';
const NANO = 'google/gemini-2.5-flash-image';
const FLUX = 'black-forest-labs/flux.2-pro';
const RIVERFLOW = 'sourceful/riverflow-v2-fast';
const GPT_IMAGE = 'openai/gpt-image-1';

let fake: FakeOpenRouter;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

function client(options: OpenRouterClientOptions = {}) {
  return createOpenRouterClient({
    apiKey: KEY,
    baseURL: fake.baseURL,
    retryBaseDelayMs: 5,
    ...options,
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const pathsAsked = () => fake.generations().map((request) => request.path);
const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3366aa' } })
    .png()
    .toBuffer();

describe('the Image API: the request', () => {
  it('posts snake_case to /images with only what the request needs', async () => {
    const image = await client().generateImage({ prompt: 'A lighthouse at dusk', model: NANO });

    expect(pathsAsked()).toEqual(['/api/v1/images']);
    const [request] = fake.generations();
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.body).toEqual({
      model: NANO,
      prompt: 'A lighthouse at dusk',
      aspect_ratio: '16:9',
      resolution: '1K',
    });
    expect(image).toMatchObject({
      transport: 'images',
      mediaType: 'image/png',
      width: 1344,
      height: 768,
      model: NANO,
    });
    expect(image.images).toHaveLength(1);
    expect(image.generationId).toMatch(/^gen-img-/);
    expect(image.usage?.cost).toBeCloseTo(0.039);
    expect(sha256(image.bytes)).toBe(request?.answer?.imageSha256);
  });

  it('asks for n images in one request and returns every one, verified', async () => {
    const image = await client().generateImage({ prompt: 'Three moods', model: NANO, n: 3 });
    expect(fake.generations()).toHaveLength(1);
    expect(fake.generations()[0]?.body).toMatchObject({ n: 3 });
    expect(image.images).toHaveLength(3);
    const hashes = image.images.map((one) => sha256(one.bytes));
    expect(new Set(hashes).size).toBe(3);
    expect(hashes).toEqual(fake.generations()[0]?.answer?.imageSha256s);
    expect(image.usage?.cost).toBeCloseTo(3 * 0.039);
    for (const one of image.images) expect([one.width, one.height]).toEqual([1344, 768]);
  });

  it('sends the seed, 0.5K as resolution 512, an output format and references', async () => {
    const reference = await png(64, 36);
    const image = await client().generateImage({
      prompt: 'Styled',
      model: 'google/gemini-3.1-flash-image-preview',
      imageSize: '0.5K',
      seed: 7,
      outputFormat: 'webp',
      inputReferences: [
        { bytes: reference, mediaType: 'image/png' },
        { url: 'https://example.com/brand.png' },
      ],
    });
    expect(fake.generations()[0]?.body).toEqual({
      model: 'google/gemini-3.1-flash-image-preview',
      prompt: 'Styled',
      aspect_ratio: '16:9',
      resolution: '512',
      seed: 7,
      output_format: 'webp',
      input_references: [
        {
          type: 'image_url',
          image_url: { url: `data:image/png;base64,${reference.toString('base64')}` },
        },
        { type: 'image_url', image_url: { url: 'https://example.com/brand.png' } },
      ],
    });
    expect(image.mediaType).toBe('image/webp');
    expect([image.width, image.height]).toEqual([672, 384]);
  });

  it('leaves resolution out for a model that does not list it, and asks it only for 1K', async () => {
    const other = await startFakeOpenRouter({ apiKey: KEY });
    try {
      const withoutResolution: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith('/images/models')) return response;
        const listing = (await response.json()) as {
          data: Array<{ id: string; supported_parameters: Record<string, unknown> }>;
        };
        for (const model of listing.data) {
          if (model.id === NANO) delete model.supported_parameters.resolution;
        }
        return Response.json(listing);
      };
      const c = createOpenRouterClient({
        apiKey: KEY,
        baseURL: other.baseURL,
        fetch: withoutResolution,
      });
      await c.generateImage({ prompt: 'p', model: NANO });
      expect(other.generations()[0]?.body).toEqual({
        model: NANO,
        prompt: 'p',
        aspect_ratio: '16:9',
      });
      await expect(c.generateImage({ prompt: 'p', model: NANO, imageSize: '2K' })).rejects.toThrow(
        /imageSize "2K" is not accepted by google\/gemini-2\.5-flash-image; valid: 1K/,
      );
      expect(other.generations()).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('sends references to chat completions as image parts of the message', async () => {
    const reference = await png(32, 32);
    await client({ transport: 'chat' }).generateImage({
      prompt: 'Styled',
      model: NANO,
      inputReferences: [{ bytes: reference, mediaType: 'image/png' }],
    });
    expect(pathsAsked()).toEqual(['/api/v1/chat/completions']);
    expect(fake.generations()[0]?.body).toMatchObject({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Styled' },
            {
              type: 'image_url',
              image_url: { url: `data:image/png;base64,${reference.toString('base64')}` },
            },
          ],
        },
      ],
    });
  });

  it('passes provider routing on both endpoints and records who answered', async () => {
    const provider = { order: ['Google AI Studio'], allowFallbacks: false };
    const viaImages = await client({ provider }).generateImage({ prompt: 'p', model: NANO });
    const viaChat = await client().generateImage({
      prompt: 'p',
      model: NANO,
      transport: 'chat',
      provider,
    });
    const wire = { order: ['Google AI Studio'], allow_fallbacks: false };
    expect(
      fake.generations().map((request) => (request.body as { provider?: unknown }).provider),
    ).toEqual([wire, wire]);
    expect([viaImages.servedBy, viaChat.servedBy]).toEqual([
      'Google AI Studio',
      'Google AI Studio',
    ]);
  });
});

describe('transport', () => {
  it('auto takes the Image API for the models it lists and chat completions otherwise', async () => {
    const auto = client();
    expect((await auto.generateImage({ prompt: 'p', model: NANO })).transport).toBe('images');
    expect((await auto.generateImage({ prompt: 'p', model: RIVERFLOW })).transport).toBe('chat');
    expect(
      (await auto.generateImage({ prompt: 'p', model: GPT_IMAGE, aspectRatio: '3:2' })).transport,
    ).toBe('images');
    expect(pathsAsked()).toEqual(['/api/v1/images', '/api/v1/chat/completions', '/api/v1/images']);
  });

  it("'chat' and 'images' force an endpoint, and refuse a model it does not serve before sending", async () => {
    const forced = await client({ transport: 'chat' }).generateImage({ prompt: 'p', model: NANO });
    expect(forced.transport).toBe('chat');

    const notOnImages = await failure(
      client().generateImage({ prompt: 'p', model: RIVERFLOW, transport: 'images' }),
    );
    expect(notOnImages.code).toBe('not_found');
    expect(notOnImages.message).toMatch(
      /sourceful\/riverflow-v2-fast is not on OpenRouter's Image API/,
    );
    const notOnChat = await failure(
      client({ transport: 'chat' }).generateImage({ prompt: 'p', model: GPT_IMAGE }),
    );
    expect(notOnChat.message).toMatch(/only on the Image API/);
    expect(pathsAsked()).toEqual(['/api/v1/chat/completions']);
  });

  it('an unknown transport is refused, naming the option', async () => {
    expect(() => client({ transport: 'fast' as never })).toThrow(
      /transport="fast" is not a transport/,
    );
  });

  it('reads /images/models once per process, and treats a 404 as "no Image API here"', async () => {
    const other = await startFakeOpenRouter({ apiKey: KEY });
    try {
      const first = createOpenRouterClient({ apiKey: KEY, baseURL: other.baseURL });
      await first.generateImage({ prompt: 'one', model: NANO });
      await createOpenRouterClient({ apiKey: KEY, baseURL: other.baseURL }).generateImage({
        prompt: 'two',
        model: FLUX,
      });
      expect(other.requests.filter((r) => r.path === '/api/v1/images/models')).toHaveLength(1);
    } finally {
      await other.close();
    }

    const old = await startFakeOpenRouter({ apiKey: KEY });
    try {
      const withoutImageApi: typeof fetch = (input, init) =>
        String(input).endsWith('/images/models')
          ? Promise.resolve(new Response('Not Found', { status: 404 }))
          : fetch(input, init);
      const image = await createOpenRouterClient({
        apiKey: KEY,
        baseURL: old.baseURL,
        fetch: withoutImageApi,
      }).generateImage({ prompt: 'p', model: NANO });
      expect(image.transport).toBe('chat');
    } finally {
      await old.close();
    }
  });

  it("'images' refuses to send when /images/models cannot be read", async () => {
    const other = await startFakeOpenRouter({ apiKey: KEY });
    try {
      const failing: typeof fetch = (input, init) =>
        String(input).endsWith('/images/models')
          ? Promise.reject(new TypeError('fetch failed'))
          : fetch(input, init);
      const error = await failure(
        createOpenRouterClient({
          apiKey: KEY,
          baseURL: other.baseURL,
          fetch: failing,
          transport: 'images',
        }).generateImage({ prompt: 'p', model: NANO }),
      );
      expect(error.message).toMatch(/Could not read .*\/images\/models.*before paying/);
      expect(other.generations()).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});

describe('the catalogue check, before any paid request', () => {
  it.each([
    [
      'n above what the model makes',
      { model: FLUX, n: 2 },
      /n 2 is not accepted by black-forest-labs\/flux\.2-pro; valid: exactly 1 image \(did you mean 1\?\) \(on the Image API\)/,
    ],
    [
      'a ratio the model lacks',
      { model: GPT_IMAGE },
      /aspectRatio "16:9" is not accepted by openai\/gpt-image-1; valid: 1:1, 2:3, 3:2 \(did you mean "3:2"\?\)/,
    ],
    [
      'a seed the model ignores',
      { model: GPT_IMAGE, aspectRatio: '1:1' as const, seed: 3 },
      /seed 3 is not accepted by openai\/gpt-image-1; valid: none/,
    ],
    [
      'a size the model lacks',
      { model: FLUX, imageSize: '4K' as const },
      /imageSize "4K" is not accepted by black-forest-labs\/flux\.2-pro; valid: 1K, 2K \(did you mean "2K"\?\)/,
    ],
    [
      'more references than the model takes',
      {
        model: NANO,
        inputReferences: Array.from({ length: 4 }, () => ({ url: 'https://example.com/r.png' })),
      },
      /inputReferences 4 is not accepted by google\/gemini-2\.5-flash-image; valid: 0 to 3 references \(did you mean 3\?\)/,
    ],
    [
      'an output format on chat completions',
      { model: NANO, transport: 'chat' as const, outputFormat: 'webp' as const },
      /outputFormat "webp" is not accepted .*valid: none: the model picks the format \(on chat completions\)/,
    ],
    [
      'n on chat completions',
      { model: NANO, transport: 'chat' as const, n: 2 },
      /n 2 is not accepted .*valid: exactly 1 image .*\(on chat completions\)/,
    ],
  ])('refuses %s', async (_what, request, message) => {
    const error = await failure(client().generateImage({ prompt: 'p', ...request }));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/headerforge models/);
    expect(fake.generations()).toHaveLength(0);
  });

  it('refuses a model that needs a reference when none is given', async () => {
    const editor = {
      ...(defaultFakeModels.find(
        (model) => model.id === FLUX,
      ) as (typeof defaultFakeModels)[number]),
      id: 'acme/image-edit',
      name: 'Acme: image edit',
      imageApi: {
        aspectRatios: ['16:9'],
        resolutions: ['1K'],
        n: { min: 1, max: 1 },
        inputReferences: { min: 1, max: 2 },
        pricePerImage: '0.05',
      },
    };
    const other = await startFakeOpenRouter({ apiKey: KEY, models: [editor] });
    try {
      const edits = createOpenRouterClient({ apiKey: KEY, baseURL: other.baseURL });
      const error = await failure(edits.generateImage({ prompt: 'p', model: 'acme/image-edit' }));
      expect(error.message).toMatch(
        /inputReferences 0 is not accepted by acme\/image-edit; valid: 1 to 2 references \(did you mean 1\?\)/,
      );
      expect(other.generations()).toHaveLength(0);
      const made = await edits.generateImage({
        prompt: 'p',
        model: 'acme/image-edit',
        inputReferences: [{ bytes: await png(16, 9), mediaType: 'image/png' }],
      });
      expect(made.transport).toBe('images');
    } finally {
      await other.close();
    }
  });

  it('refuses a reference that cannot be sent, naming it', async () => {
    const error = await failure(
      client().generateImage({
        prompt: 'p',
        model: NANO,
        inputReferences: [{ url: 'file:///etc/passwd' }],
      }),
    );
    expect(error.message).toMatch(/inputReferences\[0\] is neither an http\(s\) URL/);
    expect(fake.generations()).toHaveLength(0);
  });

  it('preflight answers where a request would go without sending it', async () => {
    const c = client();
    expect((await c.preflight({ prompt: 'p', model: NANO, n: 4 })).transport).toBe('images');
    await expect(c.preflight({ prompt: 'p', model: NANO, n: 5 })).rejects.toThrow(/n 5/);
    expect(fake.generations()).toHaveLength(0);
  });
});

describe('the Image API: faults', () => {
  const viaImages = (options: OpenRouterClientOptions = {}) =>
    client({ transport: 'images', ...options });

  it('retries a 429 after its Retry-After and a 503, then succeeds', async () => {
    fake.inject({ kind: 'rate_limit', retryAfter: '0' }, { match: { endpoint: 'images' } });
    fake.inject({ kind: 'status', status: 503 }, { match: { endpoint: 'images' } });
    const image = await viaImages().generateImage({ prompt: 'p', model: NANO });
    expect(image.transport).toBe('images');
    expect(fake.generations().map((r) => r.answer?.status)).toEqual([429, 503, 200]);
  });

  it.each([
    [
      'error_in_200',
      { kind: 'error_in_200', code: 400, message: 'Provider refused' },
      'invalid_request',
      /error in a 200 response.*Provider refused/,
    ],
    ['no_images', { kind: 'no_images' }, 'no_image', /"data" is empty/],
    ['invalid_base64', { kind: 'invalid_base64' }, 'bad_response', /not valid base64/],
    ['not_an_image', { kind: 'not_an_image' }, 'bad_response', /not PNG, JPEG, WebP, GIF or AVIF/],
    [
      'wrong_type',
      { kind: 'wrong_type' },
      'bad_response',
      /declared as image\/png but its bytes are image\/jpeg/,
    ],
    ['bomb', { kind: 'bomb' }, 'bad_response', /60000×60000 pixels/],
    ['truncated_json', { kind: 'truncated_json' }, 'bad_response', /not JSON/],
    ['html', { kind: 'html', status: 200 }, 'bad_response', /<html/i],
  ] as Array<[string, FakeScenario, string, RegExp]>)(
    '%s fails clearly, naming the model',
    async (_kind, scenario, code, message) => {
      fake.inject(scenario);
      const error = await failure(
        viaImages({ maxRetries: 0 }).generateImage({ prompt: 'p', model: NANO }),
      );
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(NANO);
      expect(fake.generations()).toHaveLength(1);
    },
  );

  it('hands on the paid bytes of a refused image', async () => {
    fake.inject({ kind: 'wrong_type' });
    const error = await failure(viaImages().generateImage({ prompt: 'p', model: NANO }));
    expect(sha256(error.rejectedImage as Uint8Array)).toBe(
      fake.generations()[0]?.answer?.imageSha256,
    );
  });

  it('a body over maxResponseBytes is refused', async () => {
    fake.inject({ kind: 'large_body', megabytes: 3 });
    const error = await failure(
      viaImages({ maxResponseBytes: 2 * 2 ** 20 }).generateImage({ prompt: 'p', model: NANO }),
    );
    expect(error.message).toMatch(/larger than 2 MiB/);
  });

  it('keeps the images of an answer with fewer than n', async () => {
    fake.inject({ kind: 'fewer_images', count: 2 });
    const image = await viaImages().generateImage({ prompt: 'p', model: NANO, n: 3 });
    expect(image.images).toHaveLength(2);
    expect(image.images.map((one) => sha256(one.bytes))).toEqual(
      fake.generations()[0]?.answer?.imageSha256s,
    );
  });

  it('downloads an image given as a URL, without sending it the key', async () => {
    fake.inject({ kind: 'image_url' });
    const image = await viaImages().generateImage({ prompt: 'p', model: NANO });
    expect(image.mediaType).toBe('image/png');
    const download = fake.requests.find((request) => request.path.startsWith('/files/'));
    expect(download?.headers.authorization).toBeUndefined();
  });

  it('never shows the key, even when a server echoes it', async () => {
    fake.inject({ kind: 'status', status: 400, message: `bad request for key ${KEY}` });
    const error = await failure(viaImages().generateImage({ prompt: 'p', model: NANO }));
    expect(error.message).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(error.message).toContain('[redacted]');
  });
});

describe('cost', () => {
  it('asks GET /generation for a missing cost only when lookupCost is on', async () => {
    const noCost = await startFakeOpenRouter({ apiKey: KEY, includeCost: false });
    try {
      const base = { apiKey: KEY, baseURL: noCost.baseURL };
      const plain = await createOpenRouterClient(base).generateImage({ prompt: 'p', model: NANO });
      expect(plain.usage?.cost).toBeUndefined();
      expect(plain.generationId).toMatch(/^gen-img-/);
      expect(noCost.requests.some((r) => r.path === '/api/v1/generation')).toBe(false);

      const looked = await createOpenRouterClient({
        ...base,
        lookupCost: { delaysMs: [0, 20] },
      }).generateImage({ prompt: 'p', model: NANO, n: 2 });
      expect(looked.usage?.cost).toBeCloseTo(2 * 0.039);
      const lookups = noCost.requests.filter((r) => r.path === '/api/v1/generation');
      expect(lookups[0]?.query).toEqual({ id: looked.generationId });
      expect(lookups[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    } finally {
      await noCost.close();
    }
  });

  it('gives up on the lookup after its last delay, keeping the image', async () => {
    const slowStats = await startFakeOpenRouter({
      apiKey: KEY,
      includeCost: false,
      generationStatsDelayMs: 60_000,
    });
    try {
      const image = await createOpenRouterClient({
        apiKey: KEY,
        baseURL: slowStats.baseURL,
        lookupCost: { delaysMs: [0, 10] },
      }).generateImage({ prompt: 'p', model: NANO });
      expect(image.usage?.cost).toBeUndefined();
      expect(image.images).toHaveLength(1);
      expect(slowStats.requests.filter((r) => r.path === '/api/v1/generation')).toHaveLength(2);
    } finally {
      await slowStats.close();
    }
  });
});
