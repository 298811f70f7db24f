import type { IncomingMessage } from 'node:http';

/** One request as the fake received it. */
export interface RecordedRequest {
  method: string;
  /** Without the query, e.g. `/api/v1/chat/completions`. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  bodyText: string;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
  /** 1-based index among generation requests (POST /api/v1/chat/completions); 0 for others. */
  n: number;
  /** `Date.now()` on arrival. */
  at: number;
}

/** The record of a request that has just arrived; its body is filled in by `readBodyInto`. */
export function recordArrival(req: IncomingMessage, target: URL, n: number): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers,
    bodyText: '',
    body: undefined,
    n,
    at: Date.now(),
  };
}

export async function readBodyInto(record: RecordedRequest, req: IncomingMessage): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  record.bodyText = Buffer.concat(chunks).toString('utf8');
  record.body = parseJson(record.bodyText);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
