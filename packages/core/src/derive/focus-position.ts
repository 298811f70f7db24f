import sharp from 'sharp';
import type { Focus } from '../image/focus.js';

/**
 * The `position` sharp's `fit: 'cover'` takes for a focus. Resolved per call rather than
 * in a module-level table, so importing this reads nothing from sharp.
 */
export function focusPosition(focus: Focus): string | number {
  switch (focus) {
    case 'attention':
      return sharp.strategy.attention;
    case 'entropy':
      return sharp.strategy.entropy;
    case 'center':
      return 'centre';
    case 'top left':
      return 'left top';
    case 'top right':
      return 'right top';
    case 'bottom left':
      return 'left bottom';
    case 'bottom right':
      return 'right bottom';
    default:
      // 'top' | 'bottom' | 'left' | 'right': sharp's own names.
      return focus;
  }
}
