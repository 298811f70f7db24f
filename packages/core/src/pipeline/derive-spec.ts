import { cardPlan } from '../derive/card-spec.js';
import type { DeriveSpec } from '../derive/spec.js';
import type { HeaderJob } from './header-job.js';
import type { PipelineSettings } from './settings.js';

/** What a post's derived set is made to: its crop, and the site's widths, formats and card. */
export function deriveSpecFor(settings: PipelineSettings, job: HeaderJob): DeriveSpec {
  return {
    aspectRatio: job.aspectRatio,
    focus: job.focus,
    widths: settings.widths,
    formats: settings.formats,
    og: cardPlan(settings.og, job.og, job.title, job.file).kind === 'crop',
    variants: settings.variants !== false,
  };
}
