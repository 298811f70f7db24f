import type { CardFont } from './card-fonts.js';
import type { CardNode } from './card-layout.js';
import type { Box } from './scrim.js';

export interface FitTextOptions {
  /** The SVG's size. */
  width: number;
  height: number;
  fonts: CardFont[];
  /** The id of the text node that must fit, and the height it may take. */
  fitId: string;
  room: number;
  /** The type sizes to start from and not to go below. */
  largest: number;
  smallest: number;
}

export interface FittedText {
  svg: string;
  fontSize: number;
  /** True when even the smallest size overflowed and the lines were cut with an ellipsis. */
  truncated: boolean;
  /** The boxes of the laid-out nodes that have an id, by id (in the order satori met them). */
  boxes: Map<string, Box[]>;
}

/**
 * Text laid out by satori (real line breaking, per-glyph font fallback, bidi) at the
 * largest type size that fits: `tree(fontSize)` at `largest`, then smaller until its node
 * `fitId` fits `room` (wrapping first, as satori breaks lines at the width), and at
 * `smallest`, `tree(fontSize, maxLines)` with the lines that fit. The title cards and the
 * placeholder art's title both fit their text here.
 */
export async function fitText(
  tree: (fontSize: number, maxLines?: number) => CardNode,
  options: FitTextOptions,
): Promise<FittedText> {
  const { default: satori } = await import('satori');
  const { room, largest, smallest } = options;
  const layOut = async (fontSize: number, maxLines?: number) => {
    const boxes = new Map<string, Box[]>();
    let fitHeight = 0;
    const svg = await satori(tree(fontSize, maxLines) as unknown as Parameters<typeof satori>[0], {
      width: options.width,
      height: options.height,
      fonts: options.fonts,
      onNodeDetected: (node) => {
        const id = (node.props as { id?: string } | undefined)?.id;
        if (id === undefined) return;
        if (id === options.fitId) fitHeight = node.height;
        boxes.set(id, [...(boxes.get(id) ?? []), boxOf(node)]);
      },
      // Every face the text needs is given up front; nothing is fetched.
      loadAdditionalAsset: async () => [],
    });
    return { svg, fitHeight, boxes };
  };

  let fontSize = largest;
  let laid = await layOut(fontSize);
  while (laid.fitHeight > room && fontSize > smallest) {
    const scaled = Math.floor(fontSize * Math.min(0.92, Math.sqrt(room / laid.fitHeight)));
    fontSize = Math.max(smallest, scaled);
    laid = await layOut(fontSize);
  }
  let truncated = false;
  if (laid.fitHeight > room) {
    truncated = true;
    laid = await layOut(fontSize, Math.max(1, Math.floor(room / (fontSize * 1.2))));
  }
  return { svg: laid.svg, fontSize, truncated, boxes: laid.boxes };
}

const boxOf = (node: { left: number; top: number; width: number; height: number }): Box => ({
  left: Math.floor(node.left),
  top: Math.floor(node.top),
  right: Math.ceil(node.left + node.width) - 1,
  bottom: Math.ceil(node.top + node.height) - 1,
});
