import type { HeaderforgeError } from '../errors/headerforge-error.js';
import { errorForStatus } from './classify.js';
import { excerpt } from './redact.js';
import { ModelsResponseSchema } from './schemas.js';

export interface ImageModel {
  id: string;
  name: string;
  inputModalities: string[];
  outputModalities: string[];
  /** USD per unit, as OpenRouter sends them (strings), e.g. `{ prompt: "0.0000003" }`. */
  pricing: Record<string, string>;
}

export type CatalogueResult =
  | { ok: true; models: ImageModel[] }
  | { ok: false; error: HeaderforgeError | Error };

export interface CatalogueRequest {
  baseURL: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  fetch: typeof fetch;
  timeoutMs: number;
}

// One fetch per base URL per process: the catalogue changes slowly and every generation
// needs it, so a build of 200 posts asks once.
const catalogues = new Map<string, Promise<CatalogueResult>>();

export function loadImageModelCatalogue(request: CatalogueRequest): Promise<CatalogueResult> {
  let pending = catalogues.get(request.baseURL);
  if (!pending) {
    pending = fetchCatalogue(request);
    catalogues.set(request.baseURL, pending);
  }
  return pending;
}

async function fetchCatalogue(request: CatalogueRequest): Promise<CatalogueResult> {
  const url = `${request.baseURL}/models?output_modalities=image`;
  const context = { baseURL: request.baseURL, apiKey: request.apiKey };
  try {
    const response = await request.fetch(url, {
      headers: request.headers,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) return { ok: false, error: errorForStatus(response.status, text, context) };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`GET ${url} did not return JSON: ${excerpt(text, request.apiKey)}`);
    }
    const parsed = ModelsResponseSchema.safeParse(json);
    if (!parsed.success) throw new Error(`GET ${url} returned an unexpected shape`);
    const models = parsed.data.data
      .map((entry) => ({
        id: entry.id,
        name: entry.name ?? entry.id,
        inputModalities: entry.architecture?.input_modalities ?? [],
        outputModalities: entry.architecture?.output_modalities ?? [],
        pricing: Object.fromEntries(
          Object.entries(entry.pricing ?? {})
            .filter(([, value]) => value != null)
            .map(([key, value]) => [key, String(value)]),
        ),
      }))
      .filter((model) => model.outputModalities.includes('image'));
    return { ok: true, models };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}
