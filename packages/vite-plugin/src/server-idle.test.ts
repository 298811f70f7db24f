import { EventEmitter } from 'node:events';
import type { ViteDevServer } from 'vite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { serverIdle } from './server-idle.js';

type Handler = (request: object, response: EventEmitter, next: () => void) => void;

/** A dev server in middleware mode (already listening) whose middleware can be called by hand. */
function stubServer() {
  let handler: Handler | undefined;
  const server = {
    httpServer: null,
    middlewares: { use: (fn: Handler) => (handler = fn) },
  } as unknown as ViteDevServer;
  const { idle } = serverIdle(server);
  const open = (accept: string) => {
    const response = new EventEmitter();
    (handler as Handler)({ headers: { accept } }, response, () => {});
    return () => response.emit('close');
  };
  return { idle, open };
}

/** Whether `idle()` has resolved after `ms` of fake time. */
async function idleAfter(idle: () => Promise<void>, ms: number): Promise<boolean> {
  let done = false;
  void idle().then(() => (done = true));
  await vi.advanceTimersByTimeAsync(ms);
  return done;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('serverIdle', () => {
  it('waits while a request is answered', async () => {
    const { idle, open } = stubServer();
    const close = open('text/html');
    expect(await idleAfter(idle, 500)).toBe(false);
    close();
    await vi.advanceTimersByTimeAsync(3000);
  });

  it('does not wait for an event stream that stays open (the review page’s progress)', async () => {
    const { idle, open } = stubServer();
    open('text/event-stream');
    expect(await idleAfter(idle, 500)).toBe(true);
  });
});
