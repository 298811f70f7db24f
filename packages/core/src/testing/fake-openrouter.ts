import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { abortableDelay } from './abortable-delay.js';
import {
  builtInFakeModels,
  chatModels,
  type FakeModel,
  filterByOutputModalities,
  modelListEntry,
} from './fake-models.js';
import { answerGeneration, type GenerationContext } from './generation.js';
import { GenerationLedger } from './generation-stats.js';
import { imageApiModels, imageModelEntry } from './image-models.js';
import { RateLimiter } from './rate-limiter.js';
import {
  type RecordedAnswer,
  type RecordedRequest,
  readBodyInto,
  recordArrival,
} from './recorded-request.js';
import { errorReply, jsonReply, type Reply, rawReply, writeReply } from './reply.js';
import {
  type FakeScenario,
  type FakeWhen,
  type GenerationEndpoint,
  ScenarioQueue,
} from './scenarios.js';

export interface FakeOpenRouterOptions {
  /** When set, the bearer must equal it (else 401); when unset any non-empty bearer passes. */
  apiKey?: string;
  /** Replaces the built-in catalogue (`builtInFakeModels`: `defaultFakeModels` and `imageOnlyFakeModels`). */
  models?: readonly FakeModel[];
  /**
   * How long every generation request takes, in ms (default 0): its response is sent no
   * sooner than this after the request arrived. Rendering counts towards it, as the real
   * API's latency includes its own rendering.
   */
  latencyMs?: number;
  /**
   * Report `usage.cost` in USD from the model's pricing (default true). `GET /generation`
   * reports `total_cost` either way.
   */
  includeCost?: boolean;
  /**
   * How long after its answer a generation can be looked up on `GET /generation?id=`, in ms
   * (default 0); sooner, it answers 404 as OpenRouter does while its stats are not ready.
   */
  generationStatsDelayMs?: number;
  /** Beyond `requests` generations in any sliding `windowMs`: 429 with Retry-After. */
  rateLimit?: { requests: number; windowMs: number };
  /** Injected at start, in order, as `inject()` would. */
  scenarios?: Array<{ scenario: FakeScenario } & FakeWhen>;
}

export interface FakeOpenRouter {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `${url}/api/v1`, what a client uses as its OpenRouter base URL. */
  baseURL: string;
  /** Every request, in arrival order, including the refused ones. */
  requests: RecordedRequest[];
  /** The paid requests: POST /chat/completions and POST /images. */
  generations(): RecordedRequest[];
  /**
   * Queues a scenario. Scenarios only meet generation requests that pass the credentials, the
   * rate limit and validation, so those answers stay true to OpenRouter whatever is queued.
   */
  inject(scenario: FakeScenario, when?: FakeWhen): void;
  /** Forgets requests, counters, rate-limit history, pending scenarios and generation stats. */
  reset(): void;
  /** Stops the server, cutting stalled and in-flight connections. */
  close(): Promise<void>;
}

const generationPaths = new Map<string, GenerationEndpoint>([
  ['/api/v1/chat/completions', 'chat'],
  ['/api/v1/images', 'images'],
]);
const modelsPath = '/api/v1/models';
const imageModelsPath = '/api/v1/images/models';
const generationStatsPath = '/api/v1/generation';
const filePath = /^\/files\/([A-Za-z0-9]+)\.png$/;

/**
 * A local stand-in for OpenRouter's image generation on 127.0.0.1 and a free port, both through
 * chat completions and through the Image API (`POST /images`): real HTTP, OpenRouter's validation
 * and error shapes, real (deterministic) images, and injectable failures for everything that goes
 * wrong in the wild.
 */
export async function startFakeOpenRouter(
  options: FakeOpenRouterOptions = {},
): Promise<FakeOpenRouter> {
  const requests: RecordedRequest[] = [];
  const files = new Map<string, Buffer>();
  const scenarios = new ScenarioQueue();
  const ledger = new GenerationLedger(options.generationStatsDelayMs ?? 0);
  const shutdown = new AbortController();
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  let generationCount = 0;
  let url = '';

  const context: GenerationContext = {
    apiKey: options.apiKey,
    models: options.models ?? builtInFakeModels,
    includeCost: options.includeCost ?? true,
    limiter: options.rateLimit ? new RateLimiter(options.rateLimit) : undefined,
    scenarios,
    publishFile(png) {
      const id = randomUUID().replaceAll('-', '');
      files.set(id, png);
      return `${url}/files/${id}.png`;
    },
  };
  for (const { scenario, ...when } of options.scenarios ?? []) scenarios.add(scenario, when);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    const endpoint = req.method === 'POST' ? generationPaths.get(target.pathname) : undefined;
    const record = recordArrival(req, target, endpoint ? ++generationCount : 0);
    requests.push(record);
    // A client that hangs up, or close(), ends any wait at once and leaves no timer behind.
    const hungUp = new AbortController();
    res.once('close', () => hungUp.abort());
    await readBodyInto(record, req);

    if (endpoint === undefined) {
      writeReply(res, routeOther(record, target));
      return;
    }
    const { reply, extraDelayMs, scenario, stats } = await answerGeneration(
      endpoint,
      record,
      context,
    );
    const answer = recordAnswer(record, reply, scenario);
    const spent = performance.now() - arrived;
    await abortableDelay(
      Math.max(0, latencyMs - spent) + extraDelayMs,
      AbortSignal.any([hungUp.signal, shutdown.signal]),
    );
    if (res.destroyed) return;
    if (stats !== undefined) ledger.add(stats, Date.now());
    // 'finish': the last byte went to the connection. A cut reply never counts as delivered.
    if (reply.delivery.kind === 'full') res.once('finish', () => (answer.delivered = true));
    writeReply(res, reply);
  }

  function routeOther(record: RecordedRequest, target: URL): Reply {
    const { method } = record;
    if (method === 'GET' && target.pathname === modelsPath) {
      const listed = filterByOutputModalities(
        chatModels(context.models),
        target.searchParams.get('output_modalities') ?? undefined,
      );
      return jsonReply(200, { data: listed.map(modelListEntry) });
    }
    if (method === 'GET' && target.pathname === imageModelsPath) {
      return jsonReply(200, { data: imageApiModels(context.models).map(imageModelEntry) });
    }
    if (method === 'GET' && target.pathname === generationStatsPath) {
      return ledger.lookup(
        target.searchParams,
        record.headers.authorization,
        context.apiKey,
        Date.now(),
      );
    }
    const file =
      method === 'GET' ? files.get(filePath.exec(target.pathname)?.[1] ?? '') : undefined;
    if (file !== undefined) return rawReply(200, 'image/png', file);
    // Includes POST /api/v1/images/generations: OpenRouter has no such endpoint for these models.
    return errorReply(404, 'Not Found');
  }

  const server = createServer((req, res) => {
    // A write racing a hang-up must not surface as an unhandled 'error' event.
    res.on('error', () => {});
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      writeReply(res, errorReply(500, `Fake OpenRouter failed: ${String(error)}`));
    });
  });
  url = await listen(server);

  let closing: Promise<void> | undefined;
  return {
    url,
    baseURL: `${url}/api/v1`,
    requests,
    generations: () => requests.filter((request) => request.n > 0),
    inject: (scenario, when) => scenarios.add(scenario, when),
    reset() {
      requests.length = 0;
      generationCount = 0;
      scenarios.clear();
      ledger.clear();
      context.limiter?.clear();
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        shutdown.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function recordAnswer(
  record: RecordedRequest,
  reply: Reply,
  scenario: FakeScenario['kind'] | undefined,
): RecordedAnswer {
  const answer: RecordedAnswer = { status: reply.status, delivered: false };
  if (scenario) answer.scenario = scenario;
  const first = reply.image ?? reply.images?.[0];
  if (first) answer.imageSha256 = sha256(first);
  if (reply.images) answer.imageSha256s = reply.images.map(sha256);
  if (reply.billed?.cost !== undefined) answer.billedUsd = reply.billed.cost;
  record.answer = answer;
  return answer;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
