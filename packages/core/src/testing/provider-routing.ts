import { z } from 'zod';
import type { FakeModel } from './fake-models.js';
import { errorReply, type Reply } from './reply.js';

/** OpenRouter's `provider` preferences, on chat completions and the Image API alike. */
export const providerPreferencesSchema = z.looseObject({
  order: z.array(z.string()).optional(),
  only: z.array(z.string()).optional(),
  ignore: z.array(z.string()).optional(),
  allow_fallbacks: z.boolean().optional(),
});

export type ProviderPreferences = z.infer<typeof providerPreferencesSchema>;

/** Who answers when a model lists no providers of its own. */
export const defaultProvider = 'Fake OpenRouter';

/**
 * The provider that answers: the first of `order` that serves the model, else (unless
 * `allow_fallbacks` is false) the model's first one; `only` and `ignore` narrow the choice.
 * Names match like OpenRouter's slugs: case and spaces/hyphens do not matter.
 * Returns OpenRouter's 404 when nothing is left.
 */
export function routeProvider(
  model: FakeModel,
  preferences: ProviderPreferences | null | undefined,
): string | Reply {
  const { order, only, ignore, allow_fallbacks } = preferences ?? {};
  const serving = (model.providers ?? [defaultProvider]).filter(
    (name) =>
      (only === undefined || only.some((wanted) => sameProvider(wanted, name))) &&
      !(ignore ?? []).some((unwanted) => sameProvider(unwanted, name)),
  );
  for (const wanted of order ?? []) {
    const match = serving.find((name) => sameProvider(wanted, name));
    if (match !== undefined) return match;
  }
  const fallback = order === undefined || allow_fallbacks !== false ? serving[0] : undefined;
  return (
    fallback ??
    errorReply(404, `No endpoints found matching your provider preferences for ${model.id}`)
  );
}

function sameProvider(a: string, b: string): boolean {
  return slug(a) === slug(b);
}

function slug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replaceAll(/[\s_-]+/g, '-');
}
