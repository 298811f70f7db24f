import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type GenerationKeyInput, generationKey } from './keys.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const input: GenerationKeyInput = {
  provider: 'openrouter',
  prompt: 'A lighthouse at dusk, watercolour',
  model: 'google/gemini-2.5-flash-image',
  aspectRatio: '16:9',
  imageSize: '1K',
};

// Every committed image is filed under this key: a change to these bytes would make every
// site pay for every image again. The literal key is the one made before keys were written
// without a JSON replacer.
describe('generationKey', () => {
  it('is the sha256 of the canonical JSON, fields sorted, seed null when unset', () => {
    expect(generationKey(input)).toBe(
      sha256(
        '{"aspectRatio":"16:9","imageSize":"1K","model":"google/gemini-2.5-flash-image","prompt":"A lighthouse at dusk, watercolour","provider":"openrouter","seed":null,"v":1}',
      ),
    );
    expect(generationKey(input)).toBe(
      '0526e815d5df11786e4d918fff13282f41191d1f15dfa19b77b63943e21e89e3',
    );
  });

  it('writes references and a later candidate only when set, in their sorted places', () => {
    const refs = ['a'.repeat(64), 'b'.repeat(64)];
    expect(generationKey({ ...input, seed: 2, references: refs, candidate: 3 })).toBe(
      sha256(
        `{"aspectRatio":"16:9","candidate":3,"imageSize":"1K","model":"google/gemini-2.5-flash-image","prompt":"A lighthouse at dusk, watercolour","provider":"openrouter","references":["${refs[0]}","${refs[1]}"],"seed":2,"v":1}`,
      ),
    );
    expect(generationKey({ ...input, references: [], candidate: 1 })).toBe(generationKey(input));
    expect(generationKey({ ...input, seed: undefined, candidate: undefined })).toBe(
      generationKey(input),
    );
  });
});
