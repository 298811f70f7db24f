export const PHOTO_WIDTH: number;
export const PHOTO_HEIGHT: number;
export const PHOTO_KINDS: string[];
export function photoLikePixels(
  kind: string,
  seed: number,
  width?: number,
  height?: number,
): Promise<Buffer>;
export function photoLikePng(
  kind: string,
  seed: number,
  width?: number,
  height?: number,
): Promise<Buffer>;
