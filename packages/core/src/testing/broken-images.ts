import { decompressionBombPng, padPng } from './crafted-png.js';
import { type ArtSpec, renderArt } from './render-art.js';
import type { ScenarioOf } from './scenarios.js';

/** Scenarios that send a broken or hostile image where a good one belongs. */
export type BrokenImageScenario = ScenarioOf<
  'invalid_base64' | 'not_an_image' | 'wrong_type' | 'bomb' | 'large_body' | 'svg'
>;

/** An SVG with a script: what an image answer must never be served or cached as. */
const hostileSvg = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="1344" height="768"><script>alert(document.cookie)</script><rect width="1344" height="768" fill="#08e"/></svg>\n',
);

const notAnImage = Buffer.from('This is not an image: plain text labelled image/png.\n'.repeat(4));

/**
 * The base64 payload a scenario sends, the type it is labelled with (image/png unless said),
 * and the bytes it decodes to: none when it does not decode at all.
 */
export async function brokenImage(
  scenario: BrokenImageScenario,
  art: ArtSpec,
): Promise<{ base64: string; bytes?: Buffer; mediaType?: string }> {
  switch (scenario.kind) {
    case 'invalid_base64': {
      const start = (await renderArt(art)).toString('base64').slice(0, 61);
      return { base64: `${start}!*~%=QUJ=D` };
    }
    case 'not_an_image':
      return encoded(notAnImage);
    case 'wrong_type':
      return encoded(await renderArt(art, 'jpeg'));
    case 'bomb':
      return encoded(decompressionBombPng());
    case 'svg':
      return { ...encoded(hostileSvg), mediaType: 'image/svg+xml' };
    case 'large_body': {
      // base64 grows bytes by 4/3, so this many PNG bytes make a body of about the size asked.
      const pngBytes = Math.floor(((scenario.megabytes ?? 40) * 1024 * 1024 * 3) / 4);
      return encoded(padPng(await renderArt(art), pngBytes));
    }
  }
}

function encoded(bytes: Buffer): { base64: string; bytes: Buffer } {
  return { base64: bytes.toString('base64'), bytes };
}
