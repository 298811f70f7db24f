/**
 * Something that goes wrong (or slow) on a generation request, the way it does on the real API.
 * Every kind applies to both `POST /chat/completions` ("chat") and `POST /images` ("images");
 * where they differ, the doc says what each endpoint does.
 */
export type FakeScenario =
  /** Wait `ms` longer, then answer normally. */
  | { kind: 'latency'; ms: number }
  /** 429 with OpenRouter's error JSON and, when given, `Retry-After` exactly as given. */
  | { kind: 'rate_limit'; retryAfter?: string | number }
  /** Any status (500, 502, 503, 402 …) with OpenRouter's error JSON. */
  | { kind: 'status'; status: number; message?: string }
  /**
   * 200 whose body is `{"error":{code, message}}` (default 502 "Provider returned error"): the
   * provider failed after routing. Chat: no choices (streaming: one error chunk). Images: no data.
   */
  | { kind: 'error_in_200'; code?: number; message?: string }
  /**
   * Chat: 200 with text only, the model chose not to draw. Images: 200 with `data: []` and usage
   * (nothing billed); `text` is not used there.
   */
  | { kind: 'no_images'; text?: string }
  /**
   * Fewer images than asked: `count` of them (default n − 1, clamped to 0…n), billed for those
   * only. Images: `data` has `count` entries. Chat asks for one image: `count` 0 (the default)
   * answers like no_images, 1 answers normally.
   */
  | { kind: 'fewer_images'; count?: number }
  /**
   * More images than asked: `count` more (default 1) than n, billed for all of them. Images
   * only; chat answers as usual.
   */
  | { kind: 'extra_images'; count?: number }
  /**
   * Payload that is not valid base64. Chat: the `data:image/png;base64,` URL. Images: the first
   * entry's `b64_json`.
   */
  | { kind: 'invalid_base64' }
  /** Valid base64 of bytes that are no image, labelled image/png (images: the first entry). */
  | { kind: 'not_an_image' }
  /** Labelled image/png, but the bytes are a real JPEG (images: the first entry). */
  | { kind: 'wrong_type' }
  /** 200 application/json (or an event stream) cut in half; a stream then lacks `[DONE]`. */
  | { kind: 'truncated_json' }
  /** A proxy's HTML error page instead of JSON (default status 502). */
  | { kind: 'html'; status?: number }
  /** The socket is destroyed before any response byte. */
  | { kind: 'reset' }
  /** 200 headers and the first `afterBytes` (default 64) bytes of the body, then silence. */
  | { kind: 'stall'; afterBytes?: number }
  /**
   * Chat streaming: normal chunks, then an error chunk with finish_reason "error". Chat without
   * streaming, and images (never streamed here): error_in_200 with `message` (default "Provider
   * disconnected unexpectedly").
   */
  | { kind: 'mid_stream_error'; message?: string }
  /**
   * The image comes as an http URL served by the fake (`/files/<id>.png`, always a PNG). Chat:
   * instead of the data URL. Images: every entry has `url` instead of `b64_json`. With
   * `origin` (e.g. `https://images.example`), the URL names that origin instead of the fake's:
   * one a client must refuse to fetch.
   */
  | { kind: 'image_url'; origin?: string }
  /** A tiny PNG whose header claims 60000×60000 pixels (images: the first entry). */
  | { kind: 'bomb' }
  /** An SVG (with a script) labelled image/svg+xml (images: the first entry). */
  | { kind: 'svg' }
  /**
   * A real PNG padded so the response body is about `megabytes` (default 40) MB (images: the
   * first entry).
   */
  | { kind: 'large_body'; megabytes?: number };

/** The scenario of one kind, e.g. `ScenarioOf<'status'>`. */
export type ScenarioOf<K extends FakeScenario['kind']> = Extract<FakeScenario, { kind: K }>;

/** How many images a `fewer_images` scenario lets through of the `n` asked for. */
export function fewerImagesCount(scenario: ScenarioOf<'fewer_images'>, n: number): number {
  const count = scenario.count ?? n - 1;
  return Math.min(n, Math.max(0, Number.isFinite(count) ? Math.floor(count) : 0));
}

/** `url` with its origin replaced by `origin`, when one is given (the `image_url` scenario). */
export function rehosted(url: string, origin: string | undefined): string {
  if (origin === undefined) return url;
  const { pathname, search } = new URL(url);
  return `${origin}${pathname}${search}`;
}

/** Which generation requests a scenario applies to. */
export interface FakeWhen {
  /**
   * The nth generation request, chat and images counted together (1-based, since start or reset).
   * With `times` or `always`: from the nth on.
   */
  nth?: number;
  /** The next `times` matching generation requests (default 1). */
  times?: number;
  /** Every matching generation request; the scenario is never used up. */
  always?: boolean;
  /**
   * Only requests whose prompt (substring or RegExp), model (exact id) and endpoint match. The
   * prompt is the last user message's text on chat, the `prompt` field on images.
   */
  match?: { prompt?: string | RegExp; model?: string; endpoint?: GenerationEndpoint };
}

/** The endpoints that generate (and bill): chat completions and the Image API. */
export type GenerationEndpoint = 'chat' | 'images';

/** What a scenario can be matched against. */
export interface ScenarioSubject {
  n: number;
  endpoint: GenerationEndpoint;
  prompt: string;
  model: string;
}

interface PendingScenario {
  scenario: FakeScenario;
  when: FakeWhen;
  remaining: number;
}

/** Injected scenarios, consumed in injection order by the first request each one matches. */
export class ScenarioQueue {
  readonly #pending: PendingScenario[] = [];

  add(scenario: FakeScenario, when: FakeWhen = {}): void {
    checkWhen(when);
    const remaining = when.always ? Number.POSITIVE_INFINITY : (when.times ?? 1);
    this.#pending.push({ scenario, when, remaining });
  }

  /** The scenario for this request, if any; a counted one is used up by the call. */
  take(subject: ScenarioSubject): FakeScenario | undefined {
    const index = this.#pending.findIndex((pending) => matches(pending.when, subject));
    const pending = this.#pending[index];
    if (pending === undefined) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.#pending.splice(index, 1);
    return pending.scenario;
  }

  clear(): void {
    this.#pending.length = 0;
  }
}

function matches(when: FakeWhen, subject: ScenarioSubject): boolean {
  if (when.nth !== undefined) {
    // A bare `nth` names one request; with a count it is where the run starts.
    const onlyThatOne = when.times === undefined && !when.always;
    if (onlyThatOne ? subject.n !== when.nth : subject.n < when.nth) return false;
  }
  const { prompt, model, endpoint } = when.match ?? {};
  if (endpoint !== undefined && subject.endpoint !== endpoint) return false;
  if (model !== undefined && subject.model !== model) return false;
  if (typeof prompt === 'string') return subject.prompt.includes(prompt);
  if (prompt instanceof RegExp) {
    // A /g or /y RegExp remembers where it stopped; each request must be tested from the start.
    prompt.lastIndex = 0;
    return prompt.test(subject.prompt);
  }
  return true;
}

function checkWhen(when: FakeWhen): void {
  for (const key of ['nth', 'times'] as const) {
    const value = when[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) {
      throw new RangeError(`FakeWhen.${key} must be a positive integer, got ${value}.`);
    }
  }
  if (when.always && when.times !== undefined) {
    throw new TypeError('FakeWhen: give either `times` or `always`, not both.');
  }
}
