import { firstCandidateKey } from '../cache/keys.js';
import { asHeaderforgeError } from '../errors/headerforge-error.js';
import { deriveHeaders } from './derive-headers.js';
import { generateBatches } from './generate-batch.js';
import type { HeaderJob } from './header-job.js';
import { obtainImage } from './obtain.js';
import { groupByKey, planImages } from './plan.js';
import { finishRun, noteHalt, onWriteError, settleWrites, startRun } from './run.js';
import { byFile, compareText, countKnown } from './run-known.js';
import type { RunPipelineOptions } from './settings.js';
import type { HeaderResult, PipelineResult } from './summary.js';

/**
 * Makes every post's header: plans which images the committed cache already holds, obtains
 * each missing original (from the remote, as offline art, or paid for: deduplicated,
 * concurrency-limited, budgeted and locked across processes, saved before anything else
 * can fail), derives each post's files, and summarises. One post's failure never costs
 * another post its image: failures are collected in the result, not thrown.
 */
export async function runPipeline(
  jobs: HeaderJob[],
  options: RunPipelineOptions,
): Promise<PipelineResult> {
  const started = performance.now();
  // Posts whose whole header the warm index knows need no lookup and no derived set.
  const knownHeaders: HeaderResult[] = [];
  const toLookUp: HeaderJob[] = [];
  for (const job of jobs) {
    const header = options.known?.get(job);
    if (header) knownHeaders.push(header);
    else toLookUp.push(job);
  }
  const groups = groupByKey(toLookUp);
  const lookedUp = new Set(groups.map((group) => group.key));
  // Their images, but for those that other posts' groups bring already.
  const knownImages = new Set(
    knownHeaders.map((header) => header.key).filter((key) => !lookedUp.has(key)),
  );
  const run = startRun(groups, jobs.length, options, knownImages.size);

  // 1. Plan: which images are already in the committed cache.
  const planned = await planImages(groups, run.store);
  for (const { group, found } of planned) {
    if (found.status === 'corrupt') run.tally.corrupt(group.key, found.reason, found.movedTo);
  }
  const missing = planned.filter(({ found }) => found.status !== 'hit').length;
  run.emit({
    type: 'planned',
    posts: jobs.length,
    unique: groups.length + knownImages.size,
    cached: groups.length + knownImages.size - missing,
    missing,
    mode: run.mode,
  });
  const headers: HeaderResult[] = [...knownHeaders];
  for (const header of knownHeaders) options.onHeader?.(header);
  countKnown(run.tally, knownImages.size);

  // 2. Obtain every original (a post's missing candidates several per request where the model
  // allows, beside the other posts' requests), then 3. derive its posts' headers, each image
  // as soon as it is ready.
  const batches = generateBatches(run, planned);
  // A prompt's later candidates are filed in its first image's entry: each waits for that
  // image to be settled first (they are planned after it).
  const settledImages = new Map<string, Promise<void>>();
  for (const image of planned) {
    const { input } = image.group;
    const first = input.candidate ? firstCandidateKey(input) : undefined;
    const before = first === undefined ? undefined : settledImages.get(first);
    settledImages.set(
      image.group.key,
      (async () => {
        await before;
        try {
          const settled = batches.keys.has(image.group.key)
            ? (await batches.made).get(image.group.key)
            : undefined;
          if (settled && 'failed' in settled) throw settled.failed;
          const obtained = settled ?? (await obtainImage(run, image));
          if (obtained) {
            const made = await deriveHeaders(run, image.group, obtained);
            headers.push(...made);
            for (const header of made) {
              options.onHeader?.(header);
              // A crop standing in for a title card is looked up again each build, so that
              // installing the font it lacked draws the card (and the warning repeats till then).
              if (!run.cardFallbacks.has(header.job)) options.known?.remember(header);
            }
          }
        } catch (error) {
          if (run.signal?.aborted) throw run.signal.reason;
          const reported = asHeaderforgeError(onWriteError(run, error, 'writing to the caches'));
          noteHalt(run, reported, image.group.input.model);
          run.tally.failed(image.group, reported);
        } finally {
          run.tally.progress();
        }
      })(),
    );
  }
  // Stopped (a dev server closing): every image's step ends before the run does, so that
  // nothing writes into the caches once the caller thinks the run is over.
  for (const settled of await Promise.allSettled(settledImages.values())) {
    if (settled.status === 'rejected') throw settled.reason;
  }

  // 4. Summarise, once the caches are tidy and what this run learnt is saved.
  await finishRun(run);
  const summary = run.tally.summary(performance.now() - started);
  run.emit({ type: 'done', summary });
  return {
    headers: headers.sort(byFile),
    failures: [...run.tally.failures].sort((a, b) => compareText(a.file, b.file)),
    summary,
    ...(options.writeBehind ? { writesDone: settleWrites(run) } : {}),
  };
}
