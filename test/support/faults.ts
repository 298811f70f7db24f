import type { HeaderforgeOptions } from '@headerforge/core';
import type { FakeOpenRouter, FakeScenario } from '@headerforge/core/testing';

/** The per-attempt timeout of fault builds: a stall or a slow answer fails after this. */
export const FAULT_TIMEOUT_MS = 4000;

/** What a build must do with a fault: get the image anyway, or fail that post clearly. */
export type FaultOutcome = { survives: true } | { survives: false; code: string; message: RegExp };

export interface Fault {
  name: string;
  scenario: FakeScenario;
  /** How many of the post's requests meet it (default 1); `always`: every one. */
  times?: number;
  always?: boolean;
  outcome: FaultOutcome;
}

const survives: FaultOutcome = { survives: true };
const fails = (code: string, message: RegExp): FaultOutcome => ({
  survives: false,
  code,
  message,
});

/**
 * Every fault of the fake server, as it meets one post of a build (the client's defaults:
 * three attempts for 429, 502/503/504 and connection failures; nothing else is retried,
 * since the provider may already have billed it).
 */
export const FAULTS: readonly Fault[] = [
  {
    name: '429 burst with Retry-After',
    scenario: { kind: 'rate_limit', retryAfter: 0.2 },
    times: 2,
    outcome: survives,
  },
  {
    name: '429 burst without Retry-After',
    scenario: { kind: 'rate_limit' },
    times: 2,
    outcome: survives,
  },
  {
    name: '429 that never ends',
    scenario: { kind: 'rate_limit', retryAfter: 0.1 },
    always: true,
    outcome: fails('rate_limited', /answered 429/),
  },
  {
    name: '500',
    scenario: { kind: 'status', status: 500 },
    outcome: fails('upstream', /answered 500/),
  },
  { name: '502', scenario: { kind: 'status', status: 502 }, times: 2, outcome: survives },
  { name: '503', scenario: { kind: 'status', status: 503 }, times: 2, outcome: survives },
  {
    name: '503 that never ends',
    scenario: { kind: 'status', status: 503 },
    always: true,
    outcome: fails('upstream', /answered 503/),
  },
  { name: 'connection reset', scenario: { kind: 'reset' }, outcome: survives },
  {
    name: 'connection reset every time',
    scenario: { kind: 'reset' },
    always: true,
    outcome: fails('upstream', /Could not reach/),
  },
  {
    name: 'stalled body',
    scenario: { kind: 'stall' },
    outcome: fails('timeout', /did not finish the response/),
  },
  {
    name: 'timeout',
    scenario: { kind: 'latency', ms: 60_000 },
    outcome: fails('timeout', /did not answer/),
  },
  { name: '200 carrying a 502 error', scenario: { kind: 'error_in_200' }, outcome: survives },
  {
    name: '200 carrying a 400 error',
    scenario: { kind: 'error_in_200', code: 400, message: 'Invalid prompt' },
    outcome: fails('invalid_request', /error in a 200 response.*Invalid prompt/),
  },
  {
    name: '200 with no image',
    scenario: { kind: 'no_images' },
    outcome: fails('no_image', /answered without an image/),
  },
  {
    name: 'corrupt base64',
    scenario: { kind: 'invalid_base64' },
    outcome: fails('bad_response', /not valid base64/),
  },
  {
    name: 'non-image bytes',
    scenario: { kind: 'not_an_image' },
    outcome: fails('bad_response', /not PNG, JPEG, WebP, GIF or AVIF/),
  },
  {
    name: 'JPEG labelled PNG',
    scenario: { kind: 'wrong_type' },
    outcome: fails('bad_response', /declared as image\/png but its bytes are image\/jpeg/),
  },
  {
    name: 'decompression bomb',
    scenario: { kind: 'bomb' },
    outcome: fails('bad_response', /60000×60000 pixels/),
  },
  {
    name: 'truncated JSON',
    scenario: { kind: 'truncated_json' },
    outcome: fails('bad_response', /not JSON/),
  },
  { name: 'HTML page from a proxy', scenario: { kind: 'html' }, outcome: survives },
  { name: 'image as an http URL', scenario: { kind: 'image_url' }, outcome: survives },
  { name: '40 MB body', scenario: { kind: 'large_body' }, outcome: survives },
];

/** Queues `fault` for the requests whose prompt contains `tag`, and only those. */
export function injectFault(fake: FakeOpenRouter, fault: Fault, tag: string): void {
  const match = { prompt: tag };
  fake.inject(
    fault.scenario,
    fault.always ? { always: true, match } : { times: fault.times ?? 1, match },
  );
}

/** Counts for a run, printed by the tests and recorded in bench/README.md. */
export interface ReliabilityFigures {
  faultsTried: number;
  /** Posts that got their image all the same (retried, or the fault was harmless). */
  gotImage: number;
  /** Posts that failed with a clear error naming them, the image unpaid or kept. */
  failedClearly: number;
  requests: number;
  /** Answers delivered with image bytes: what the user was billed for. */
  paidImages: number;
  paidImagesLost: number;
}

export function printFigures(title: string, figures: ReliabilityFigures): void {
  const survived = figures.gotImage + figures.failedClearly;
  console.log(
    `[reliability] ${title}: faults tried ${figures.faultsTried} · survived ${survived} (${figures.gotImage} got their image, ${figures.failedClearly} failed naming the post) · requests made ${figures.requests} · paid images ${figures.paidImages} · paid images lost ${figures.paidImagesLost}`,
  );
}

/** The smallest images the API makes (0.5K: 672×384), so that many posts stay cheap. */
export const SMALL_IMAGES = {
  model: 'google/gemini-3.1-flash-image-preview',
  imageSize: '0.5K',
} as const;

/** A reliability test site: posts in `posts/`, small images, one small variant. */
export const SMALL_SITE = {
  include: ['posts/*.md'],
  ...SMALL_IMAGES,
  widths: [320],
  formats: ['webp'],
} satisfies HeaderforgeOptions;
