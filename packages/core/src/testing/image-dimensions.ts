import {
  ASPECT_RATIOS,
  type AspectRatio,
  EXTENDED_ASPECT_RATIOS,
  IMAGE_SIZES,
  type ImageSize,
  nominalPixelSize,
} from '../image/ratios.js';

export const standardAspectRatios: readonly string[] = ASPECT_RATIOS;
export const extendedAspectRatios: readonly string[] = EXTENDED_ASPECT_RATIOS;
export const standardImageSizes: readonly string[] = IMAGE_SIZES;

export const defaultAspectRatio = '1:1';
export const defaultImageSize = '1K';

const knownRatios: readonly string[] = [...ASPECT_RATIOS, ...EXTENDED_ASPECT_RATIOS];

/**
 * Pixel size of an image for a ratio and size: OpenRouter's 1K table scaled per side (0.5K
 * halves, 2K doubles, 4K quadruples). Ratios or sizes outside the tables (a custom
 * FakeModel's) are derived from their numbers so that custom catalogues still get sensible images.
 */
export function imageDimensions(
  aspectRatio: string,
  imageSize: string,
): { width: number; height: number } {
  const scale = sizeScale(imageSize);
  if (knownRatios.includes(aspectRatio)) {
    const { width, height } = nominalPixelSize(aspectRatio as AspectRatio, '1K' as ImageSize);
    return { width: Math.round(width * scale), height: Math.round(height * scale) };
  }
  const [width, height] = pixelsForRatio(aspectRatio);
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

function pixelsForRatio(aspectRatio: string): readonly [number, number] {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(aspectRatio);
  const ratio = match ? Number(match[1]) / Number(match[2]) : 1;
  if (!Number.isFinite(ratio) || ratio <= 0) return [1024, 1024];
  const width = Math.sqrt(1024 * 1024 * ratio);
  return [roundTo32(width), roundTo32(width / ratio)];
}

function sizeScale(imageSize: string): number {
  const match = /^(\d+(?:\.\d+)?)K$/.exec(imageSize);
  const scale = match ? Number(match[1]) : 1;
  return scale > 0 ? scale : 1;
}

function roundTo32(value: number): number {
  return Math.max(32, Math.round(value / 32) * 32);
}
