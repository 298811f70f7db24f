/**
 * Server-sent events from a fetch body: yields each event's `data` (multi-line data joined
 * with "\n"). Comment lines (":" keep-alives) and other fields are skipped. An image chunk
 * is one multi-megabyte line, so lines are assembled from pieces rather than re-scanning
 * a growing buffer.
 */
export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  let pieces: string[] = [];
  let data: string[] = [];
  let sawData = false;

  function* takeLine(line: string): Generator<string> {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') {
      if (sawData) yield data.join('\n');
      data = [];
      sawData = false;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    data.push(value);
    sawData = true;
  }

  function* feed(text: string): Generator<string> {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      pieces.push(text.slice(start, nl));
      const line = pieces.join('');
      pieces = [];
      yield* takeLine(line);
      start = nl + 1;
    }
    if (start < text.length) pieces.push(text.slice(start));
  }

  for await (const chunk of body) yield* feed(decoder.decode(chunk, { stream: true }));
  yield* feed(decoder.decode());
  // A stream that ends without a blank line still delivers its last event.
  if (pieces.length > 0) yield* takeLine(pieces.join(''));
  if (sawData) yield data.join('\n');
}
