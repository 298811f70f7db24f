/**
 * The aspect ratios and image sizes image models are asked for, and the pixel sizes they
 * answer with. Which model accepts which is `openrouter/model-capabilities.ts`.
 */

export const ASPECT_RATIOS = [
  '1:1',
  '2:3',
  '3:2',
  '3:4',
  '4:3',
  '4:5',
  '5:4',
  '9:16',
  '16:9',
  '21:9',
] as const;
export const EXTENDED_ASPECT_RATIOS = ['1:4', '4:1', '1:8', '8:1'] as const;
export const IMAGE_SIZES = ['1K', '2K', '4K'] as const;
export const EXTENDED_IMAGE_SIZES = ['0.5K'] as const;

export type AspectRatio = (typeof ASPECT_RATIOS)[number] | (typeof EXTENDED_ASPECT_RATIOS)[number];
export type ImageSize = (typeof IMAGE_SIZES)[number] | (typeof EXTENDED_IMAGE_SIZES)[number];

/** Pixels at 1K for each ratio, as the models answer (not exact ratios: 16:9 is 1344×768). */
const PIXELS_AT_1K: Readonly<Record<AspectRatio, readonly [number, number]>> = {
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
  '1:4': [512, 2048],
  '4:1': [2048, 512],
  '1:8': [384, 3072],
  '8:1': [3072, 384],
};
const SIZE_SCALE: Readonly<Record<ImageSize, number>> = { '0.5K': 0.5, '1K': 1, '2K': 2, '4K': 4 };

/** The pixel size a model is expected to return for a ratio and size (used for offline art). */
export function nominalPixelSize(
  aspectRatio: AspectRatio,
  imageSize: ImageSize,
): { width: number; height: number } {
  const [width, height] = PIXELS_AT_1K[aspectRatio];
  const scale = SIZE_SCALE[imageSize];
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

/** `'16:9'` → 16/9: the exact ratio a header is cropped to. */
export function ratioValue(aspectRatio: AspectRatio): number {
  const [w, h] = aspectRatio.split(':').map(Number) as [number, number];
  return w / h;
}
