import type { IncomingMessage } from 'node:http';
import type { FakeScenario } from './scenarios.js';

/** What the fake answered to a generation request. */
export interface RecordedAnswer {
  /** HTTP status; 0 when the connection was reset instead. */
  status: number;
  /** The injected scenario that shaped the answer, if any. */
  scenario?: FakeScenario['kind'];
  /** sha256 (hex) of the image bytes the answer carried, when they decode to bytes at all. */
  imageSha256?: string;
  /**
   * POST /images answers: sha256 (hex) of every image the answer carried that decodes, in order
   * (`imageSha256` is the first of them). Absent on chat answers, which carry one image at most.
   */
  imageSha256s?: string[];
  /** What OpenRouter would bill for the answer, in USD (its `usage.cost`, shown or not). */
  billedUsd?: number;
  /**
   * The whole answer was handed to the connection. False while it is being written, and for
   * good when it was cut (truncated, stalled, reset) or the client hung up first.
   */
  delivered: boolean;
}

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
  /**
   * 1-based index among generation requests (POST /api/v1/chat/completions and POST
   * /api/v1/images, counted together); 0 for others.
   */
  n: number;
  /** `Date.now()` on arrival. */
  at: number;
  /**
   * The prompt a generation request asked for, whichever the endpoint: `prompt` on the Image
   * API, the last user message's text on chat completions. Undefined when the body has neither.
   */
  prompt?: string;
  /** Generation requests only, once the fake has decided its answer. */
  answer?: RecordedAnswer;
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
  const prompt = promptOf(record.body);
  if (prompt !== undefined) record.prompt = prompt;
}

function promptOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { prompt, messages } = body as { prompt?: unknown; messages?: unknown };
  if (typeof prompt === 'string') return prompt;
  if (!Array.isArray(messages)) return undefined;
  const last = messages.findLast((message) => message?.role === 'user') as
    | { content?: unknown }
    | undefined;
  const content = last?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part) => (typeof part?.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
