/** Something that goes wrong (or slow) on a generation request, the way it does on the real API. */
export type FakeScenario =
  /** Wait `ms` longer, then answer normally. */
  | { kind: 'latency'; ms: number }
  /** 429 with OpenRouter's error JSON and, when given, `Retry-After` exactly as given. */
  | { kind: 'rate_limit'; retryAfter?: string | number }
  /** Any status (500, 502, 503, 402 …) with OpenRouter's error JSON. */
  | { kind: 'status'; status: number; message?: string }
  /** 200 whose body is `{"error":{…}}` and no choices: the provider failed after routing. */
  | { kind: 'error_in_200'; code?: number; message?: string }
  /** 200 with text only: the model chose not to draw. */
  | { kind: 'no_images'; text?: string }
  /** A `data:image/png;base64,` URL whose payload is not valid base64. */
  | { kind: 'invalid_base64' }
  /** Valid base64 of bytes that are no image, labelled image/png. */
  | { kind: 'not_an_image' }
  /** Labelled image/png, but the bytes are a real JPEG. */
  | { kind: 'wrong_type' }
  /** 200 application/json (or an event stream) cut in half; a stream then lacks `[DONE]`. */
  | { kind: 'truncated_json' }
  /** A proxy's HTML error page instead of JSON (default status 502). */
  | { kind: 'html'; status?: number }
  /** The socket is destroyed before any response byte. */
  | { kind: 'reset' }
  /** 200 headers and the first `afterBytes` (default 64) bytes of the body, then silence. */
  | { kind: 'stall'; afterBytes?: number }
  /** Streaming: normal chunks, then an error chunk with finish_reason "error". Otherwise error_in_200. */
  | { kind: 'mid_stream_error'; message?: string }
  /** The image comes as an http URL served by the fake (`/files/<id>.png`), not a data URL. */
  | { kind: 'image_url' }
  /** A tiny PNG whose header claims 60000×60000 pixels. */
  | { kind: 'bomb' }
  /** A real PNG padded so the response body is about `megabytes` (default 40) MB. */
  | { kind: 'large_body'; megabytes?: number };

/** The scenario of one kind, e.g. `ScenarioOf<'status'>`. */
export type ScenarioOf<K extends FakeScenario['kind']> = Extract<FakeScenario, { kind: K }>;

/** Which generation requests a scenario applies to. */
export interface FakeWhen {
  /** The nth generation request (1-based, counted since start or reset). With `times` or `always`: from the nth on. */
  nth?: number;
  /** The next `times` matching generation requests (default 1). */
  times?: number;
  /** Every matching generation request; the scenario is never used up. */
  always?: boolean;
  /** Only requests whose last user message text (substring or RegExp) and model (exact id) match. */
  match?: { prompt?: string | RegExp; model?: string };
}

/** What a scenario can be matched against. */
export interface ScenarioSubject {
  n: number;
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
  const { prompt, model } = when.match ?? {};
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
