import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HeaderforgeError } from '../errors/headerforge-error.js';
import { type FakeOpenRouter, startFakeOpenRouter } from '../testing/index.js';
import {
  createOpenRouterClient,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  type OpenRouterClientOptions,
  type RetryEvent,
} from './client.js';
import { failure } from './client.test-support.js';

const KEY = 'sk-or-v1-test-sentinel-0123456789abcdef';
const NANO = 'google/gemini-2.5-flash-image';
const FLUX = 'black-forest-labs/flux.2-pro';
const EXTENDED = 'google/gemini-3.1-flash-image-preview';

let fake: FakeOpenRouter;

beforeAll(async () => {
  fake = await startFakeOpenRouter({ apiKey: KEY });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

/**
 * Fast backoff so retry tests take milliseconds; the retry path itself is unchanged. These
 * tests pin chat completions; the Image API has its own (client-images.test.ts).
 */
function client(options: OpenRouterClientOptions = {}) {
  return createOpenRouterClient({
    apiKey: KEY,
    baseURL: fake.baseURL,
    retryBaseDelayMs: 5,
    transport: 'chat',
    ...options,
  });
}

describe('generateImage: the request', () => {
  it('posts to /chat/completions with modalities, image_config and max_tokens', async () => {
    const image = await client().generateImage({
      prompt: 'A lighthouse at dusk',
      model: NANO,
      aspectRatio: '16:9',
      imageSize: '1K',
    });

    expect(image).toMatchObject({ mediaType: 'image/png', width: 1344, height: 768, model: NANO });
    expect(image.generationId).toMatch(/^gen-/);
    expect(image.usage?.completionTokens).toBeGreaterThan(0);
    expect(image.usage?.cost).toBeGreaterThan(0);
    const meta = await sharp(image.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1344, 768]);

    const [request] = fake.generations();
    expect(request?.path).toBe('/api/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.body).toMatchObject({
      model: NANO,
      messages: [{ role: 'user', content: 'A lighthouse at dusk' }],
      modalities: ['image', 'text'],
      image_config: { aspect_ratio: '16:9', image_size: '1K' },
      stream: false,
    });
    expect((request?.body as { max_tokens?: number } | undefined)?.max_tokens).toBeGreaterThan(0);
    expect(fake.requests.some((r) => r.path.includes('/images/generations'))).toBe(false);
  });

  it('asks an image-only model for ["image"], from the catalogue', async () => {
    const image = await client().generateImage({
      prompt: 'Geometric poster',
      model: FLUX,
      imageSize: '2K',
    });
    expect([image.width, image.height]).toEqual([2688, 1536]);
    expect(fake.generations()[0]?.body).toMatchObject({ modalities: ['image'] });
  });

  it('fetches the model catalogue once per process', async () => {
    // A server of its own, so no earlier test has already filled the per-process cache.
    const other = await startFakeOpenRouter({ apiKey: KEY });
    try {
      const first = createOpenRouterClient({ apiKey: KEY, baseURL: other.baseURL });
      await first.generateImage({ prompt: 'one', model: NANO });
      await first.generateImage({ prompt: 'two', model: FLUX });
      await first.listImageModels();
      await createOpenRouterClient({ apiKey: KEY, baseURL: other.baseURL }).generateImage({
        prompt: 'three',
        model: NANO,
      });
      const asked = other.requests.filter((r) => r.path === '/api/v1/models');
      expect(asked).toHaveLength(1);
      expect(asked[0]?.query).toEqual({ output_modalities: 'image' });
      expect(other.generations()).toHaveLength(3);
    } finally {
      await other.close();
    }
  });

  it('falls back to the built-in table when the catalogue cannot be fetched', async () => {
    const other = await startFakeOpenRouter({ apiKey: KEY });
    try {
      const failingCatalogue: typeof fetch = (input, init) =>
        String(input).includes('/models')
          ? Promise.reject(new TypeError('fetch failed'))
          : fetch(input, init);
      const fallback = createOpenRouterClient({
        apiKey: KEY,
        baseURL: other.baseURL,
        fetch: failingCatalogue,
      });
      await fallback.generateImage({ prompt: 'poster', model: FLUX });
      await fallback.generateImage({ prompt: 'poster', model: NANO });
      expect(
        other.generations().map((r) => (r.body as { modalities: string[] }).modalities),
      ).toEqual([['image'], ['image', 'text']]);
      const error = await failure(fallback.listImageModels());
      expect(error.message).toContain('Could not list image models');
    } finally {
      await other.close();
    }
  });

  it('defaults apiKey and baseURL from OPENROUTER_API_KEY and OPENROUTER_BASE_URL', async () => {
    vi.stubEnv('OPENROUTER_API_KEY', KEY);
    vi.stubEnv('OPENROUTER_BASE_URL', fake.baseURL);
    try {
      const fromEnv = createOpenRouterClient();
      expect(fromEnv.baseURL).toBe(fake.baseURL);
      await fromEnv.generateImage({ prompt: 'from env', model: NANO });
      expect(fake.generations()[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('sends the seed, and the fake answers a different image for a different seed', async () => {
    const a = await client().generateImage({ prompt: 'same', model: NANO, seed: 1 });
    const b = await client().generateImage({ prompt: 'same', model: NANO, seed: 2 });
    expect(fake.generations().map((r) => (r.body as { seed?: number }).seed)).toEqual([1, 2]);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
  });
});

describe('generateImage: validation before any request', () => {
  it.each([
    [
      '1.91:1',
      '1K',
      NANO,
      /aspectRatio "1\.91:1" is not accepted by google\/gemini-2\.5-flash-image; valid: 1:1, 2:3.*16:9, 21:9/,
    ],
    ['1200x630', '1K', NANO, /aspectRatio "1200x630"/],
    ['4:1', '1K', NANO, /aspectRatio "4:1" is not accepted by google\/gemini-2\.5-flash-image/],
    [
      '16:9',
      '0.5K',
      NANO,
      /imageSize "0\.5K" is not accepted by google\/gemini-2\.5-flash-image; valid: 1K, 2K, 4K/,
    ],
    ['16:9', '8K', EXTENDED, /imageSize "8K" .*valid: 0\.5K, 1K, 2K, 4K/],
  ])('rejects ratio %s size %s for %s', async (aspectRatio, imageSize, model, message) => {
    const error = await failure(
      client().generateImage({
        prompt: 'x',
        model,
        aspectRatio: aspectRatio as '16:9',
        imageSize: imageSize as '1K',
      }),
    );
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(message);
    expect(fake.generations()).toHaveLength(0);
  });

  it('accepts the extended ratios and 0.5K where the model allows them', async () => {
    const image = await client().generateImage({
      prompt: 'tall banner',
      model: EXTENDED,
      aspectRatio: '1:4',
      imageSize: '0.5K',
    });
    expect(image.height).toBeGreaterThan(image.width * 3);
  });

  it('rejects an unknown model with the list of image models, without sending', async () => {
    const error = await failure(client().generateImage({ prompt: 'x', model: 'acme/imaginary-1' }));
    expect(error.code).toBe('not_found');
    expect(error.message).toContain('acme/imaginary-1');
    expect(error.hint).toContain(NANO);
    expect(fake.generations()).toHaveLength(0);
  });

  it('refuses an empty prompt and a missing key', async () => {
    expect((await failure(client().generateImage({ prompt: '  ', model: NANO }))).code).toBe(
      'invalid_request',
    );
    vi.stubEnv('OPENROUTER_API_KEY', '');
    try {
      const error = await failure(
        client({ apiKey: '' }).generateImage({ prompt: 'x', model: NANO }),
      );
      expect(error.code).toBe('auth');
      expect(error.hint).toContain('OPENROUTER_API_KEY');
    } finally {
      vi.unstubAllEnvs();
    }
    expect(fake.generations()).toHaveLength(0);
  });
});

describe('generateImage: streaming', () => {
  it('collects delta.images across keep-alives and [DONE]', async () => {
    const image = await client().generateImage({
      prompt: 'streamed city',
      model: NANO,
      stream: true,
    });
    expect([image.width, image.height]).toEqual([1344, 768]);
    expect(image.generationId).toMatch(/^gen-/);
    expect(image.usage?.cost).toBeGreaterThan(0);
    expect(fake.generations()[0]?.body).toMatchObject({ stream: true });
  });

  it('fails on an error chunk after a 200, without retrying', async () => {
    fake.inject({ kind: 'mid_stream_error', message: 'Provider returned error' });
    const error = await failure(client().generateImage({ prompt: 'x', model: NANO, stream: true }));
    expect(error.message).toMatch(/mid-stream.*Provider returned error/);
    expect(error.retryable).toBe(false);
    expect(fake.generations()).toHaveLength(1);
  });

  it('fails clearly when the stream is cut before any image', async () => {
    fake.inject({ kind: 'truncated_json' });
    const error = await failure(client().generateImage({ prompt: 'x', model: NANO, stream: true }));
    expect(error.code).toBe('bad_response');
  });
});

describe('generateImage: responses that are not an image', () => {
  it('a 200 carrying an error object is classified by its code', async () => {
    fake.inject({ kind: 'error_in_200', code: 402, message: 'Insufficient credits' });
    const error = await failure(client().generateImage({ prompt: 'x', model: NANO }));
    expect(error.code).toBe('insufficient_credits');
    expect(error.message).toContain('Insufficient credits');
  });

  it('a 200 carrying a retryable error (502) is retried like the status would be', async () => {
    fake.inject({ kind: 'error_in_200', code: 502, message: 'Provider returned error' });
    const image = await client().generateImage({ prompt: 'x', model: NANO });
    expect(image.width).toBe(1344);
    expect(fake.generations()).toHaveLength(2);
  });

  it('a 200 without images is a no_image error with a hint about modalities', async () => {
    fake.inject({ kind: 'no_images', text: 'I cannot draw that, but here is a poem.' });
    const error = await failure(client().generateImage({ prompt: 'x', model: NANO }));
    expect(error.code).toBe('no_image');
    expect(error.message).toContain('here is a poem');
    expect(error.hint).toMatch(/output modalities/);
    expect(error.hint).toMatch(/modalities/);
    expect(error.hint).toMatch(/prompt/);
    expect(fake.generations()).toHaveLength(1);
  });

  it.each([
    ['invalid_base64', /not valid base64/],
    ['not_an_image', /not PNG, JPEG, WebP, GIF or AVIF/],
    ['wrong_type', /declared as image\/png but its bytes are image\/jpeg/],
    ['bomb', /60000×60000 pixels/],
    ['svg', /not PNG, JPEG, WebP, GIF or AVIF/],
  ] as const)('%s is a bad_response naming the model', async (kind, message) => {
    fake.inject({ kind });
    const error = await failure(client().generateImage({ prompt: 'x', model: NANO }));
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(NANO);
    expect(fake.generations()).toHaveLength(1);
  });

  it.each(['not_an_image', 'wrong_type', 'bomb', 'svg'] as const)(
    '%s hands the paid-for bytes on with the error, out of its serialisation',
    async (kind) => {
      fake.inject({ kind });
      const error = await failure(client().generateImage({ prompt: 'x', model: NANO }));
      const bytes = error.rejectedImage as Uint8Array;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      expect(sha256).toBe(fake.generations()[0]?.answer?.imageSha256);
      expect(Object.keys(error)).not.toContain('rejectedImage');
      expect(JSON.stringify(error).length).toBeLessThan(1000);
    },
  );

  it('hands on no bytes when there were none to decode', async () => {
    fake.inject({ kind: 'invalid_base64' });
    const error = await failure(client().generateImage({ prompt: 'x', model: NANO }));
    expect(error.rejectedImage).toBeUndefined();
  });

  it('truncated JSON and an HTML page get a short excerpt, not a crash', async () => {
    fake.inject({ kind: 'truncated_json' });
    const truncated = await failure(client().generateImage({ prompt: 'x', model: NANO }));
    expect(truncated.code).toBe('bad_response');
    expect(truncated.message).toMatch(/not JSON .*: \{/);
    expect(truncated.message.length).toBeLessThan(400);

    fake.inject({ kind: 'html', status: 200 });
    const html = await failure(client().generateImage({ prompt: 'x', model: NANO }));
    expect(html.code).toBe('bad_response');
    expect(html.message).toMatch(/<html|<!doctype/i);
    expect(html.message.length).toBeLessThan(400);
  });

  it('a body over maxResponseBytes is refused', async () => {
    fake.inject({ kind: 'large_body', megabytes: 3 });
    const error = await failure(
      client({ maxResponseBytes: 2 * 2 ** 20 }).generateImage({ prompt: 'x', model: NANO }),
    );
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(/larger than 2 MiB/);
  });

  it('a stream over maxResponseBytes is refused too, as it arrives', async () => {
    fake.inject({ kind: 'large_body', megabytes: 3 });
    const error = await failure(
      client({ maxResponseBytes: 2 * 2 ** 20 }).generateImage({
        prompt: 'x',
        model: NANO,
        stream: true,
      }),
    );
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(/The response stream is larger than 2 MiB/);
  });

  it.each([
    ['another host', 'https://images.example'],
    ['the same host on another scheme', 'https://127.0.0.1'],
  ])('refuses an image URL on %s than the API, fetching nothing', async (_, origin) => {
    fake.inject({ kind: 'image_url', origin });
    const error = await failure(client().generateImage({ prompt: 'linked', model: NANO }));
    expect(error.code).toBe('bad_response');
    expect(error.message).toMatch(
      /neither a data: URL nor on 127\.0\.0\.1:\d+, the API's own host, so it was not fetched/,
    );
    expect(fake.requests.filter((r) => r.path.startsWith('/files/'))).toEqual([]);
  });

  it('accepts an image given as a URL, and does not send the key to it', async () => {
    fake.inject({ kind: 'image_url' });
    const image = await client().generateImage({ prompt: 'linked', model: NANO });
    expect([image.width, image.height]).toEqual([1344, 768]);
    const download = fake.requests.find((r) => r.path.startsWith('/files/'));
    expect(download).toBeDefined();
    expect(download?.headers.authorization).toBeUndefined();
  });
});

describe('generateImage: HTTP errors', () => {
  it.each([
    [400, 'invalid_request'],
    [402, 'insufficient_credits'],
    [403, 'moderation'],
    [404, 'not_found'],
    [500, 'upstream'],
  ] as const)('%i → %s, never retried', async (status, code) => {
    fake.inject(
      { kind: 'status', status, message: `status ${status} from fake` },
      { always: true },
    );
    const error = await failure(client().generateImage({ prompt: 'x', model: NANO }));
    expect(error).toMatchObject({ code, status, retryable: false });
    expect(error.message).toContain(`status ${status} from fake`);
    expect(fake.generations()).toHaveLength(1);
  });

  it('401 from a wrong key is auth, with a hint and no retry', async () => {
    const error = await failure(
      client({ apiKey: 'sk-or-v1-wrong-key' }).generateImage({ prompt: 'x', model: NANO }),
    );
    expect(error).toMatchObject({ code: 'auth', status: 401 });
    expect(error.hint).toContain('OPENROUTER_API_KEY');
    expect(fake.generations()).toHaveLength(1);
  });

  it('a base URL that 404s says that /chat/completions is missing and why', async () => {
    const wrong = createOpenRouterClient({
      apiKey: KEY,
      baseURL: `${fake.url}/v1`,
      retryBaseDelayMs: 5,
    });
    const error = await failure(wrong.generateImage({ prompt: 'x', model: NANO }));
    expect(error.code).toBe('not_found');
    expect(error.hint).toContain('OPENROUTER_BASE_URL');
    expect(error.hint).toContain('/images/generations');
  });

  it('a server-side 404 for a model it does not know names the model', async () => {
    const noCatalogue: typeof fetch = (input, init) =>
      String(input).includes('/models')
        ? Promise.reject(new TypeError('offline'))
        : fetch(input, init);
    const other = await startFakeOpenRouter({ apiKey: KEY });
    try {
      const blind = createOpenRouterClient({
        apiKey: KEY,
        baseURL: other.baseURL,
        fetch: noCatalogue,
      });
      const error = await failure(blind.generateImage({ prompt: 'x', model: 'acme/imaginary-2' }));
      expect(error.code).toBe('not_found');
      expect(error.message).toContain('acme/imaginary-2');
      expect(error.hint).toContain('headerforge models');
    } finally {
      await other.close();
    }
  });

  it('a server-side 400 for a ratio is invalid_request (when the client could not know)', async () => {
    const other = await startFakeOpenRouter({
      apiKey: KEY,
      models: [
        {
          id: 'acme/square-only',
          name: 'Square only',
          architecture: { input_modalities: ['text'], output_modalities: ['image'] },
          pricing: { prompt: '0', completion: '0.00001' },
          aspectRatios: ['1:1'],
          imageSizes: ['1K'],
        },
      ],
    });
    try {
      const error = await failure(
        createOpenRouterClient({ apiKey: KEY, baseURL: other.baseURL }).generateImage({
          prompt: 'x',
          model: 'acme/square-only',
        }),
      );
      expect(error).toMatchObject({ code: 'invalid_request', status: 400, retryable: false });
      expect(error.message).toMatch(/aspect_ratio/);
      expect(other.generations()).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe('generateImage: retries', () => {
  it('honours Retry-After in seconds on 429, then succeeds', async () => {
    fake.inject({ kind: 'rate_limit', retryAfter: 1 });
    const retries: RetryEvent[] = [];
    const started = Date.now();
    const image = await client({ onRetry: (event) => retries.push(event) }).generateImage({
      prompt: 'x',
      model: NANO,
    });
    expect(image.width).toBe(1344);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: 1000, model: NANO });
    expect(retries[0]?.error.code).toBe('rate_limited');
    expect(fake.generations()).toHaveLength(2);
  });

  it('honours Retry-After as an HTTP date', async () => {
    fake.inject({ kind: 'rate_limit', retryAfter: new Date(Date.now() + 2000).toUTCString() });
    const retries: RetryEvent[] = [];
    await client({ onRetry: (event) => retries.push(event) }).generateImage({
      prompt: 'x',
      model: NANO,
    });
    expect(retries[0]?.delayMs).toBeGreaterThan(0);
    expect(retries[0]?.delayMs).toBeLessThanOrEqual(2000);
    expect(fake.generations()).toHaveLength(2);
  });

  it('fails at once when Retry-After is beyond maxRetryDelayMs', async () => {
    fake.inject({ kind: 'rate_limit', retryAfter: 3600 });
    const error = await failure(client().generateImage({ prompt: 'x', model: NANO }));
    expect(error.code).toBe('rate_limited');
    expect(error.message).toContain('3600 s');
    expect(fake.generations()).toHaveLength(1);
  });

  it.each([502, 503, 504])('retries %i with backoff, three attempts by default', async (status) => {
    fake.inject({ kind: 'status', status }, { always: true });
    const error = await failure(client().generateImage({ prompt: 'x', model: NANO }));
    expect(error).toMatchObject({ code: 'upstream', status, retryable: true });
    expect(DEFAULT_MAX_RETRIES).toBe(2);
    expect(fake.generations()).toHaveLength(3);
  });

  it('recovers from a 503 and a 429 without Retry-After', async () => {
    fake.inject({ kind: 'status', status: 503 }, { nth: 1 });
    fake.inject({ kind: 'rate_limit' }, { nth: 2 });
    const image = await client().generateImage({ prompt: 'x', model: NANO });
    expect(image.width).toBe(1344);
    expect(fake.generations()).toHaveLength(3);
  });

  it('retries an HTML 502 from a proxy and quotes it', async () => {
    fake.inject({ kind: 'html' }, { always: true });
    const error = await failure(
      client({ maxRetries: 1 }).generateImage({ prompt: 'x', model: NANO }),
    );
    expect(error).toMatchObject({ code: 'upstream', status: 502 });
    expect(error.message).toMatch(/unexpected body: .*<(html|!doctype)/i);
    expect(fake.generations()).toHaveLength(2);
  });

  it('retries a connection reset before any response', async () => {
    fake.inject({ kind: 'reset' });
    const image = await client().generateImage({ prompt: 'x', model: NANO });
    expect(image.width).toBe(1344);
    expect(fake.generations()).toHaveLength(2);
  });

  it('gives up on resets after maxRetries with a transport error', async () => {
    fake.inject({ kind: 'reset' }, { always: true });
    const error = await failure(
      client({ maxRetries: 1 }).generateImage({ prompt: 'x', model: NANO }),
    );
    expect(error).toMatchObject({ code: 'upstream', retryable: true });
    expect(error.message).toContain('Could not reach');
    expect(fake.generations()).toHaveLength(2);
  });
});

describe('generateImage: timeouts and aborts', () => {
  it('defaults to a per-attempt timeout of at least 180 s', () => {
    expect(DEFAULT_TIMEOUT_MS).toBeGreaterThanOrEqual(180_000);
  });

  it('times out a slow answer, without retrying it', async () => {
    fake.inject({ kind: 'latency', ms: 2000 });
    const error = await failure(
      client({ timeoutMs: 200 }).generateImage({ prompt: 'x', model: NANO }),
    );
    expect(error.code).toBe('timeout');
    expect(error.message).toContain('0.2 s');
    expect(fake.generations()).toHaveLength(1);
  });

  it('cuts off a body that stalls after the headers', async () => {
    fake.inject({ kind: 'stall' });
    const started = Date.now();
    const error = await failure(
      client({ timeoutMs: 300 }).generateImage({ prompt: 'x', model: NANO }),
    );
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/did not finish the response/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('cuts off a stream that stalls', async () => {
    fake.inject({ kind: 'stall', afterBytes: 40 });
    const error = await failure(
      client({ timeoutMs: 300 }).generateImage({ prompt: 'x', model: NANO, stream: true }),
    );
    expect(error.code).toBe('timeout');
  });

  it("passes a caller's abort through and never retries it", async () => {
    fake.inject({ kind: 'latency', ms: 5000 });
    const controller = new AbortController();
    const pending = client().generateImage({ prompt: 'x', model: NANO, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user cancelled')), 100);
    await expect(pending).rejects.toThrow('user cancelled');
    expect(fake.generations()).toHaveLength(1);
  });

  it('an abort during the retry wait stops at once', async () => {
    fake.inject({ kind: 'rate_limit', retryAfter: 30 });
    const controller = new AbortController();
    const pending = client().generateImage({ prompt: 'x', model: NANO, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop waiting')), 300);
    await expect(pending).rejects.toThrow('stop waiting');
    expect(fake.generations()).toHaveLength(1);
  });
});

describe('the API key never leaks', () => {
  const echoingProxy: typeof fetch = async (input, init) => {
    if (String(input).includes('/models')) return fetch(input, init);
    const auth = new Headers(init?.headers).get('authorization');
    return new Response(`<html>bad gateway; you sent ${auth}</html>`, { status: 400 });
  };

  it('from errors, their serialisation, inspection or retry events', async () => {
    const retryLog: string[] = [];
    const errors: unknown[] = [];
    const scenarios = [
      { kind: 'status', status: 500 },
      { kind: 'error_in_200', code: 400 },
      { kind: 'no_images' },
      { kind: 'invalid_base64' },
      { kind: 'truncated_json' },
      { kind: 'html', status: 200 },
      { kind: 'mid_stream_error' },
      { kind: 'bomb' },
    ] as const;
    for (const scenario of scenarios) {
      fake.inject(scenario);
      errors.push(
        await failure(
          client().generateImage({
            prompt: 'x',
            model: NANO,
            stream: scenario.kind === 'mid_stream_error',
          }),
        ),
      );
    }
    fake.inject({ kind: 'reset' }, { always: true });
    errors.push(
      await failure(
        client({
          maxRetries: 1,
          onRetry: (event) => retryLog.push(inspect(event, { depth: 8 })),
        }).generateImage({
          prompt: 'x',
          model: NANO,
        }),
      ),
    );
    errors.push(
      await failure(client({ fetch: echoingProxy }).generateImage({ prompt: 'x', model: NANO })),
    );
    errors.push(
      await failure(
        client({ timeoutMs: 100 }).generateImage({ prompt: 'x', model: 'acme/unknown' }),
      ),
    );

    const echoed = errors.at(-2) as HeaderforgeError;
    expect(echoed.message).toContain('you sent Bearer [redacted]');

    for (const error of errors) {
      const views = [
        String(error),
        JSON.stringify(error),
        inspect(error, { depth: 10, showHidden: true }),
        (error as Error).stack ?? '',
        String((error as Error).cause ?? ''),
      ];
      for (const view of views) expect(view).not.toContain(KEY);
    }
    expect(retryLog.length).toBeGreaterThan(0);
    for (const line of retryLog) expect(line).not.toContain(KEY);
  });
});
