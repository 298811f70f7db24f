// The fake OpenRouter server in a process of its own, so that rendering its images does
// not take CPU from the pipeline being measured (as the real API's rendering would not).
// Started by `startFakeProcess(options)`; answers `generations`, `reset` and `close`.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { startFakeOpenRouter } from '@headerforge/core/testing';

/** Forks this file as the fake server; resolves once it listens. */
export async function startFakeProcess(options) {
  const child = fork(import.meta.filename, [JSON.stringify(options)], { stdio: 'inherit' });
  const [{ baseURL }] = await once(child, 'message');
  let next = 0;
  const ask = async (command) => {
    const id = ++next;
    child.send({ id, command });
    for (;;) {
      const [reply] = await once(child, 'message');
      if (reply.id === id) return reply.value;
    }
  };
  return {
    baseURL,
    /** How many generation requests the fake has seen (refused ones included). */
    generations: () => ask('generations'),
    reset: () => ask('reset'),
    close: async () => {
      await ask('close');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

if (process.send && process.argv[2]) {
  const fake = await startFakeOpenRouter(JSON.parse(process.argv[2]));
  process.send({ baseURL: fake.baseURL });
  process.on('message', async ({ id, command }) => {
    let value = null;
    if (command === 'generations') value = fake.generations().length;
    if (command === 'reset') fake.reset();
    if (command === 'close') await fake.close();
    process.send({ id, value });
    if (command === 'close') process.disconnect();
  });
}
