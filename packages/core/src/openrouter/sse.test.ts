import { describe, expect, it } from 'vitest';
import { readServerSentEvents } from './sse.js';

async function events(...chunks: string[]): Promise<string[]> {
  const encoder = new TextEncoder();
  async function* body() {
    for (const chunk of chunks) yield encoder.encode(chunk);
  }
  const out: string[] = [];
  for await (const data of readServerSentEvents(body())) out.push(data);
  return out;
}

describe('readServerSentEvents', () => {
  it('yields data fields and skips keep-alive comments', async () => {
    expect(
      await events(': OPENROUTER PROCESSING\n\ndata: {"a":1}\n\n: ping\n\ndata: [DONE]\n\n'),
    ).toEqual(['{"a":1}', '[DONE]']);
  });

  it('reassembles lines split across chunks, including multi-byte characters', async () => {
    const text = 'data: {"text":"héllo ✓"}\n\n';
    const bytes = new TextEncoder().encode(text);
    const out: string[] = [];
    async function* body() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    for await (const data of readServerSentEvents(body())) out.push(data);
    expect(out).toEqual(['{"text":"héllo ✓"}']);
  });

  it('joins multi-line data, accepts CRLF and ignores other fields', async () => {
    expect(await events('event: x\r\nid: 4\r\ndata: one\r\ndata:two\r\n\r\n')).toEqual([
      'one\ntwo',
    ]);
  });

  it('delivers a last event that has no trailing blank line', async () => {
    expect(await events('data: {"b":2}')).toEqual(['{"b":2}']);
  });
});
