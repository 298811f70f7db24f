import type { ServerResponse } from 'node:http';
import type { Usage } from './usage.js';

/** How a reply reaches the client: whole, cut short, stalled, or not at all. */
export type Delivery =
  | { kind: 'full' }
  /** The first half of the body, then a clean end: the client has all the bytes it was promised. */
  | { kind: 'truncated' }
  /** The headers (promising the whole body) and the first bytes, then nothing, ever. */
  | { kind: 'stall'; afterBytes: number }
  /** The socket is destroyed before any byte is written. */
  | { kind: 'reset' };

/** A response the fake has decided on, written by `writeReply`. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** Written one after another: the events of a stream, or a single document. */
  parts: Array<string | Uint8Array>;
  /** A stream: no content-length, the parts go out as they are written. */
  streamed: boolean;
  delivery: Delivery;
  /** The image bytes the reply carries (decoded), kept for the request's record. */
  image?: Uint8Array;
  /** Image API: every image the reply carries that decodes, in order, kept for the record. */
  images?: Uint8Array[];
  /**
   * An answer with a generation id: what it bills, `cost` included whatever the reply shows, for
   * `GET /generation`.
   */
  billed?: Usage;
}

export function jsonReply(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    parts: [JSON.stringify(body)],
    streamed: false,
    delivery: { kind: 'full' },
  };
}

/** OpenRouter's error shape: `{"error":{"code","message","metadata"?}}`, status = code. */
export function errorReply(
  status: number,
  message: string,
  extra: { metadata?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Reply {
  const error = { code: status, message, ...(extra.metadata ? { metadata: extra.metadata } : {}) };
  return jsonReply(status, { error }, extra.headers);
}

/** A body that is not JSON: a proxy's HTML page, an image file. */
export function rawReply(status: number, contentType: string, body: string | Uint8Array): Reply {
  return {
    status,
    headers: { 'content-type': contentType },
    parts: [body],
    streamed: false,
    delivery: { kind: 'full' },
  };
}

export function eventStreamReply(events: string[], headers: Record<string, string> = {}): Reply {
  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers },
    parts: events,
    streamed: true,
    delivery: { kind: 'full' },
  };
}

/** No response at all: the connection drops before the first byte. */
export function connectionReset(): Reply {
  return { status: 0, headers: {}, parts: [], streamed: false, delivery: { kind: 'reset' } };
}

export function writeReply(res: ServerResponse, reply: Reply): void {
  const { delivery } = reply;
  if (delivery.kind === 'reset') {
    res.destroy();
    return;
  }
  if (reply.streamed && delivery.kind === 'full') {
    res.writeHead(reply.status, reply.headers);
    for (const part of reply.parts) res.write(part);
    res.end();
    return;
  }
  const body = Buffer.concat(
    reply.parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)),
  );
  const sent = delivery.kind === 'truncated' ? body.subarray(0, Math.floor(body.length / 2)) : body;
  const headers = { ...reply.headers };
  if (!reply.streamed) headers['content-length'] = String(sent.length);
  res.writeHead(reply.status, headers);
  if (delivery.kind === 'stall') {
    res.flushHeaders();
    // Never the whole body: with a content-length that would let the client finish.
    res.write(sent.subarray(0, Math.min(delivery.afterBytes, sent.length - 1)));
    return;
  }
  res.end(sent);
}
