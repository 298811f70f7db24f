import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute, relative } from 'node:path';
import {
  type HeaderforgeOptions,
  type HeaderService,
  type HeadersEvent,
  loadReview,
  logLineFor,
  type ServiceUpdate,
} from '@headerforge/core/adapter';
import type { ViteDevServer } from 'vite';
import { createReviewEvents } from './events.js';
import { createReviewGuard } from './guard.js';
import { reviewPage } from './page.js';

type ReviewModule = Awaited<ReturnType<typeof loadReview>>;

/** Where the review page lives on the dev server. */
export const REVIEW_PATH = '/__headerforge/';
/** A POST body is a post's path and a prompt at most. */
const MAX_BODY_BYTES = 64 * 1024;
/** The page's script, compiled from `client/review.ts` (tsconfig.client.json). */
const CLIENT_SCRIPT = new URL('./review.js', import.meta.url);

export interface ReviewInput {
  server: ViteDevServer;
  root: string;
  /** The site's options as its config gives them: the edits resolve them as the CLI does. */
  options: HeaderforgeOptions;
  /** The service serving the headers now (a plugin may make a new one). */
  service: () => HeaderService | undefined;
}

export interface Review {
  /** Passes the service's progress to the open pages. */
  onEvent(event: HeadersEvent): void;
  close(): void;
}

/**
 * The review page and its JSON API, on the dev server only. Every route checks the Host;
 * every write also the Origin and the session token (`guard.ts`), and edits only a content
 * file the site's `include` globs match.
 */
export function attachReview(input: ReviewInput): Review {
  const { server } = input;
  const guard = createReviewGuard(server);
  const events = createReviewEvents();
  let subscribed: HeaderService | undefined;
  let unsubscribe = () => {};
  /** The content as scanned for the page, made again after a file event outside the caches. */
  let scan: ReturnType<ReviewModule['reviewScan']> | undefined;
  /** The caches' folders, once the service has resolved them: images landing there are no content change. */
  let caches: string[] = [];
  const invalidate = () => scan?.invalidate();
  const onFileEvent = (_event: string, file: string) => {
    if (!caches.some((folder) => isInside(file, folder))) invalidate();
  };
  server.watcher.on('all', onFileEvent);

  const onUpdate = (update: ServiceUpdate) => {
    if (update.type === 'headers-changed') {
      events.send({ type: 'changed', files: update.files, placeholder: update.placeholder });
    } else if (update.type === 'failed') {
      events.send({
        type: 'failed',
        files: update.failures.map((failure) => failure.file),
        message: update.failures.map((failure) => failure.message).join('\n'),
      });
    } else {
      events.send({ type: 'progress', level: 'error', message: update.error.message });
    }
  };

  /** The current service, with this page listening to it (ready or not). */
  const listen = (): HeaderService => {
    const service = input.service();
    if (!service) throw new Error('headerforge has no header service on this dev server');
    if (subscribed !== service) {
      unsubscribe();
      scan = undefined;
      subscribed = service;
      unsubscribe = service.subscribe(onUpdate);
    }
    return service;
  };

  /** The current service, ready, with this page listening to it. */
  const ready = async () => {
    const service = listen();
    const result = await service.ready();
    caches = [result.options.cacheDir, result.options.derivedCacheDir];
    const review = await loadReview();
    scan ??= review.reviewScan(result.options);
    return { service, result, review, scan };
  };

  server.middlewares.use((request, response, next) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== REVIEW_PATH.slice(0, -1) && !url.pathname.startsWith(REVIEW_PATH)) {
      next();
      return;
    }
    const refused = guard.refuseHost(request);
    if (refused) {
      sendJson(response, 403, { error: { message: refused } });
      return;
    }
    route(request, response, url).catch((error: unknown) => {
      const { message, hint } = error as { message?: string; hint?: string };
      if (!response.headersSent)
        sendJson(response, 500, { error: { message: message ?? String(error), hint } });
      else response.end();
    });
  });

  async function route(request: IncomingMessage, response: ServerResponse, url: URL) {
    const path = url.pathname.slice(REVIEW_PATH.length);
    if (request.method === 'POST' && path.startsWith('api/')) return write(request, response, path);
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return sendJson(response, 405, {
        error: { message: `${request.method} is not allowed here` },
      });
    if (url.pathname === REVIEW_PATH.slice(0, -1)) {
      response.writeHead(302, { location: REVIEW_PATH }).end();
      return;
    }
    if (path === '') return send(response, 200, 'text/html', reviewPage({ token: guard.token }));
    if (path === 'client.js')
      return send(response, 200, 'text/javascript', await readFile(CLIENT_SCRIPT, 'utf8'));
    // Open before the service is ready: a page whose first run failed (a broken post) hears
    // when a later run, after the post is mended, succeeds.
    if (path === 'api/events') {
      listen();
      return events.open(response);
    }
    const { service, result, review, scan } = await ready();
    if (path === 'api/posts') {
      const listing = await review.reviewListing({
        options: result.options,
        scan,
        mode: result.mode,
        served: service.headers(),
        failures: service.failures(),
      });
      return sendJson(response, 200, listing);
    }
    if (path === 'api/image') {
      const post = url.searchParams.get('post') ?? '';
      const number = Number(url.searchParams.get('n'));
      const target = await review.reviewTarget(result.options, scan, post);
      if ('refused' in target)
        return sendJson(response, 403, { error: { message: target.message } });
      const image = await review.reviewThumbnail(result.options, scan, target.file, number);
      if (!image)
        return sendJson(response, 404, { error: { message: `${post}: no image ${number}` } });
      // The URL names the image's key: the same URL is always the same picture.
      response.setHeader('cache-control', 'private, max-age=31536000, immutable');
      return send(response, 200, 'image/webp', image);
    }
    sendJson(response, 404, { error: { message: `${url.pathname}: no such review route` } });
  }

  async function write(request: IncomingMessage, response: ServerResponse, path: string) {
    const refused = guard.refuseWrite(request);
    if (refused) return sendJson(response, 403, { error: { message: refused } });
    if (!/^application\/json\b/.test(request.headers['content-type'] ?? ''))
      return sendJson(response, 415, { error: { message: 'send the edit as application/json' } });
    const body = await readBody(request);
    if (body === undefined)
      return sendJson(response, 413, { error: { message: 'the request body is too large' } });
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return sendJson(response, 400, { error: { message: 'the request body is not JSON' } });
    }
    const { service, result, review, scan } = await ready();
    const parsed = review.parseReviewAction({
      ...(typeof value === 'object' && value !== null ? value : {}),
      action: path.slice('api/'.length),
    });
    if ('problem' in parsed) return sendJson(response, 400, { error: { message: parsed.problem } });
    const target = await review.reviewTarget(result.options, scan, parsed.action.post);
    if ('refused' in target) return sendJson(response, 403, { error: { message: target.message } });
    let done: unknown;
    try {
      done = await review.applyReviewAction(
        { root: input.root, options: input.options },
        { ...parsed.action, post: target.file },
      );
    } catch (error) {
      const { message, hint } = error as { message: string; hint?: string };
      return sendJson(response, 400, { error: { message, ...(hint ? { hint } : {}) } });
    }
    invalidate();
    // Without waiting for the file watcher: the page hears of the change at once, and the
    // image is made in the background through the service's own pipeline.
    void service.refresh();
    sendJson(response, 200, done);
  }

  return {
    onEvent(event) {
      const line = logLineFor(event);
      if (line) events.send({ type: 'progress', level: line.level, message: line.message });
    },
    close() {
      server.watcher.off('all', onFileEvent);
      unsubscribe();
      events.close();
    },
  };
}

/** The body as text, or undefined when it is larger than a review edit can be. */
async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array,
): void {
  response.statusCode = status;
  response.setHeader('content-type', type.startsWith('image/') ? type : `${type}; charset=utf-8`);
  response.setHeader('x-content-type-options', 'nosniff');
  if (!response.hasHeader('cache-control')) response.setHeader('cache-control', 'no-store');
  if (type === 'text/html') {
    // The page runs its own script only, and no other site may frame it.
    response.setHeader(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    );
  }
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, 'application/json', JSON.stringify(value));
}

function isInside(file: string, folder: string): boolean {
  const inside = relative(folder, file);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}
