import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createOpenRouterClient,
  createOpenRouterProvider,
  type HeaderJob,
  runPipeline,
} from '@headerforge/core';
import {
  defaultFakeModels,
  type FakeModel,
  type FakeScenario,
  startFakeOpenRouter,
} from '@headerforge/core/testing';
import { expect } from 'vitest';
import { seededRandom } from './prng.js';

const KEY = 'sk-or-v1-test-sentinel-budget';
const POSTS = 6;
const NANO = 'google/gemini-2.5-flash-image';
/** Answers of every kind: usable, refused after being paid for, failed unpaid, imageless. */
const FAULTS: Array<FakeScenario | undefined> = [
  undefined,
  undefined,
  { kind: 'status', status: 500 },
  { kind: 'not_an_image' },
  { kind: 'bomb' },
  { kind: 'no_images' },
];

const job = (i: number): HeaderJob => ({
  file: `src/content/p${i}.md`,
  prompt: `Budget prompt ${i}`,
  userPrompt: `Budget prompt ${i}`,
  alt: 'x',
  model: NANO,
  aspectRatio: '16:9',
  imageSize: '1K',
  focus: 'attention',
  auto: false,
});

/** What the rounds billed and counted, for the printed figure. */
export interface BudgetFigures {
  runs: number;
  requests: number;
  billed: number;
  capped: number;
  refusedBilled: number;
}

/**
 * `runs` pipeline runs, each with its own random per-image price, `maxCostUsd`, concurrency
 * and faults (seeded: `seed` replays them). After each, it expects that what the fake billed
 * (OpenRouter's `usage.cost` of every answer, refused images included) is within the cap,
 * and that the summary shows no less than was billed.
 */
export async function budgetRounds(runs: number, seed: number): Promise<BudgetFigures> {
  const random = seededRandom(seed);
  const figures: BudgetFigures = { runs, billed: 0, capped: 0, refusedBilled: 0, requests: 0 };
  for (let run = 0; run < runs; run++) {
    const price = Number((0.005 + random.next() * 0.3).toFixed(4));
    const cap = Number((random.next() * price * POSTS).toFixed(4));
    const concurrency = random.int(1, 6);
    const nano = defaultFakeModels.find((model) => model.id === NANO) as FakeModel;
    const model: FakeModel = {
      ...nano,
      imageApi: {
        ...(nano.imageApi as NonNullable<FakeModel['imageApi']>),
        pricePerImage: String(price),
      },
    };
    const fake = await startFakeOpenRouter({ apiKey: KEY, models: [model] });
    const root = await mkdtemp(join(tmpdir(), 'hf-budget-'));
    try {
      for (let n = 1; n <= POSTS; n++) {
        const fault = FAULTS[random.int(0, FAULTS.length - 1)];
        if (fault) fake.inject(fault, { nth: n });
      }
      const client = createOpenRouterClient({
        apiKey: KEY,
        baseURL: fake.baseURL,
        retryBaseDelayMs: 1,
      });
      const result = await runPipeline(
        Array.from({ length: POSTS }, (_, i) => job(i)),
        {
          settings: {
            root,
            cacheDir: join(root, '.headerforge'),
            derivedCacheDir: join(root, 'node_modules/.cache/headerforge'),
            concurrency,
            widths: [320],
            formats: ['webp'],
            og: false,
            maxCostUsd: cap,
          },
          mode: 'generate',
          provider: createOpenRouterProvider(client),
        },
      );
      const answers = fake.generations().map((request) => request.answer);
      const billed = answers.reduce((sum, answer) => sum + (answer?.billedUsd ?? 0), 0);
      const what = `run ${run}: price $${price}, cap $${cap}, concurrency ${concurrency}`;
      expect(billed, what).toBeLessThanOrEqual(cap + 1e-9);
      expect(result.summary.costUsd, what).toBeLessThanOrEqual(cap + 1e-9);
      expect(result.summary.costUsd, what).toBeGreaterThanOrEqual(billed - 1e-9);
      figures.billed += billed;
      figures.capped += cap;
      figures.requests += answers.length;
      figures.refusedBilled += answers.filter(
        (answer) => answer?.scenario && answer.scenario !== 'status' && answer.billedUsd,
      ).length;
    } finally {
      await fake.close();
      await rm(root, { recursive: true, force: true });
    }
  }
  return figures;
}
