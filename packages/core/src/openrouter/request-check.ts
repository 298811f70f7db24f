import { HeaderforgeError } from '../errors/headerforge-error.js';
import type { Range } from './catalogue.js';
import type { Accepts } from './model-capabilities.js';

/** The parts of a request that a model may or may not accept. */
export interface CheckedRequest {
  aspectRatio: string;
  imageSize: string;
  n: number;
  references: number;
  seed: number | undefined;
  outputFormat: string | undefined;
}

const WHERE = { images: 'on the Image API', chat: 'on chat completions' } as const;

/**
 * Refuses, before anything is paid for, a value the model does not accept where the request
 * is going: a provider may otherwise ignore it silently (the wrong ratio, billed) or refuse
 * it only after the request was queued. The error names the model, the parameter, the
 * values it accepts and the nearest one.
 */
export function checkRequest(model: string, accepts: Accepts, request: CheckedRequest): void {
  const refuse = (
    parameter: string,
    value: string,
    accepted: string,
    nearest?: string,
    before = '',
  ) => {
    const guess = nearest === undefined ? '' : ` (did you mean ${nearest}?)`;
    const other =
      accepts.transport === 'images'
        ? "another model, or transport: 'chat'"
        : "another model, or transport: 'images' where the model is on the Image API";
    return new HeaderforgeError(
      'invalid_request',
      `${parameter} ${value} is not accepted by ${model}; valid: ${accepted}${guess} (${WHERE[accepts.transport]})`,
      {
        hint: `${before}Use a value it accepts, ${other}. \`headerforge models\` lists what each model accepts.`,
      },
    );
  };
  const { aspectRatio, imageSize, n, references, seed, outputFormat } = request;
  if (!accepts.aspectRatios.includes(aspectRatio)) {
    throw refuse(
      'aspectRatio',
      `"${aspectRatio}"`,
      listOf(accepts.aspectRatios),
      quoted(nearestRatio(aspectRatio, accepts.aspectRatios)),
      'For a social card (1.91:1, 1200×630) generate 16:9 and let headerforge crop it. ',
    );
  }
  if (!accepts.imageSizes.includes(imageSize)) {
    throw refuse(
      'imageSize',
      `"${imageSize}"`,
      listOf(accepts.imageSizes),
      quoted(nearestSize(imageSize, accepts.imageSizes)),
    );
  }
  if (n < accepts.n.min || n > accepts.n.max) {
    throw refuse('n', String(n), rangeText(accepts.n, 'image'), String(clamp(n, accepts.n)));
  }
  const range = accepts.inputReferences;
  if (range === undefined && references > 0) {
    throw refuse('inputReferences', String(references), 'none: it does not read images');
  }
  if (range !== undefined && (references < range.min || references > range.max)) {
    throw refuse(
      'inputReferences',
      String(references),
      rangeText(range, 'reference'),
      String(clamp(references, range)),
    );
  }
  if (seed !== undefined && !accepts.seed) {
    throw refuse('seed', String(seed), 'none: leave `seed` out for this model');
  }
  if (outputFormat !== undefined && !accepts.outputFormats?.includes(outputFormat)) {
    throw refuse(
      'outputFormat',
      `"${outputFormat}"`,
      accepts.outputFormats ? listOf(accepts.outputFormats) : 'none: the model picks the format',
    );
  }
}

function listOf(values: readonly string[]): string {
  return values.length === 0 ? 'no value' : values.join(', ');
}

function quoted(value: string | undefined): string | undefined {
  return value === undefined ? undefined : `"${value}"`;
}

function rangeText(range: Range, noun: string): string {
  const plural = (count: number) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  if (range.max === Number.POSITIVE_INFINITY) return `at least ${plural(range.min)}`;
  if (range.min === range.max) return `exactly ${plural(range.min)}`;
  return `${range.min} to ${plural(range.max)}`;
}

function clamp(value: number, range: Range): number {
  return Math.min(Math.max(value, range.min), range.max);
}

function ratioOf(text: string): number | undefined {
  const [w, h] = text.split(':').map(Number);
  return w && h && Number.isFinite(w / h) ? w / h : undefined;
}

/** The accepted ratio closest in shape (compared on a log scale, so 2:1 and 1:2 are as far from 1:1). */
export function nearestRatio(wanted: string, accepted: readonly string[]): string | undefined {
  const target = ratioOf(wanted);
  if (target === undefined) return undefined;
  return nearestBy(accepted, (ratio) => {
    const value = ratioOf(ratio);
    return value === undefined ? undefined : Math.abs(Math.log(value / target));
  });
}

const SIZE_SCALE: Readonly<Record<string, number>> = { '0.5K': 0.5, '1K': 1, '2K': 2, '4K': 4 };

export function nearestSize(wanted: string, accepted: readonly string[]): string | undefined {
  const target = SIZE_SCALE[wanted];
  if (target === undefined) return accepted[0];
  return nearestBy(accepted, (size) => {
    const value = SIZE_SCALE[size];
    return value === undefined ? undefined : Math.abs(Math.log2(value / target));
  });
}

function nearestBy(
  values: readonly string[],
  distance: (value: string) => number | undefined,
): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const value of values) {
    const d = distance(value);
    if (d !== undefined && d < bestDistance) {
      best = value;
      bestDistance = d;
    }
  }
  return best;
}
