import { derivedCacheLayout } from '../cache/layout.js';
import { type CardPlan, cardPlan } from '../derive/card-spec.js';
import { fileStem } from '../derive/file-names.js';
import type { GetTitleCardsInput } from '../derive/get-title-cards.js';
import type { HeaderJob } from './header-job.js';
import type { PipelineSettings } from './settings.js';

/**
 * What names a post's title cards when its card is one (else undefined): the original they
 * are cut from, the post's focus and title, and the site's look. A build that makes them, a
 * dev server that recalls them before it listens and a warm build that finds them all ask
 * here, so they never disagree on a card's key.
 */
export function titleCardInput(
  settings: Pick<PipelineSettings, 'og' | 'derivedCacheDir'>,
  job: HeaderJob,
  originalSha256: string,
  placeholder: boolean,
  /** The post's card plan, when the caller made it already. */
  plan: CardPlan = cardPlan(settings.og, job.og, job.title, job.file),
): Omit<GetTitleCardsInput, 'original'> | undefined {
  if (plan.kind !== 'title') return undefined;
  return {
    originalSha256,
    focus: job.focus,
    title: plan.title,
    placeholder,
    settings: plan.settings,
    cardsDir: derivedCacheLayout(settings.derivedCacheDir).cards,
    stem: fileStem(job.file),
  };
}
