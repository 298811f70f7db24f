/** The ten ratios every OpenRouter image model accepts, with OpenRouter's documented pixels at 1K. */
const standardPixels: Record<string, readonly [number, number]> = {
  '1:1': [1024, 1024],
  '2:3': [832, 1248],
  '3:2': [1248, 832],
  '3:4': [864, 1184],
  '4:3': [1184, 864],
  '4:5': [896, 1152],
  '5:4': [1152, 896],
  '9:16': [768, 1344],
  '16:9': [1344, 768],
  '21:9': [1536, 672],
};

// Not in OpenRouter's table: picked to keep the ~1M pixel budget of the other 1K sizes.
const extendedPixels: Record<string, readonly [number, number]> = {
  '1:4': [512, 2048],
  '4:1': [2048, 512],
  '1:8': [384, 3072],
  '8:1': [3072, 384],
};

export const standardAspectRatios: readonly string[] = Object.keys(standardPixels);
export const extendedAspectRatios: readonly string[] = Object.keys(extendedPixels);
export const standardImageSizes: readonly string[] = ['1K', '2K', '4K'];

export const defaultAspectRatio = '1:1';
export const defaultImageSize = '1K';

/**
 * Pixel size of an image for a ratio and size: the 1K table scaled per side (0.5K halves, 2K
 * doubles, 4K quadruples). Ratios or sizes outside the tables (a custom FakeModel's) are derived
 * from their numbers so that custom catalogues still get sensible images.
 */
export function imageDimensions(
  aspectRatio: string,
  imageSize: string,
): { width: number; height: number } {
  const [width, height] =
    standardPixels[aspectRatio] ?? extendedPixels[aspectRatio] ?? pixelsForRatio(aspectRatio);
  const scale = sizeScale(imageSize);
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
