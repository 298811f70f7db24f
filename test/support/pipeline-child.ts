import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// A build in its own process (test/fixtures/run-pipeline.mjs, on the built packages), so
// that one can be killed with SIGKILL and several can race on one cache or one remote.
const script = join(import.meta.dirname, '..', 'fixtures', 'run-pipeline.mjs');

export interface PipelineChildConfig {
  root: string;
  baseURL: string;
  apiKey: string;
  prompts: string[];
  concurrency?: number;
  /** A shared remote cache URL, and its credentials / read-only switch in `env`. */
  remote?: string;
  env?: Record<string, string>;
}

export interface PipelineChild {
  process: ChildProcess;
  events: Array<Record<string, unknown>>;
  exit: Promise<number | null>;
}

export function runPipelineChild(
  config: PipelineChildConfig,
  onEvent?: (event: Record<string, unknown>, child: PipelineChild) => void,
): PipelineChild {
  const child = spawn(process.execPath, [script, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const handle: PipelineChild = {
    process: child,
    events: [],
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const event = JSON.parse(line) as Record<string, unknown>;
    handle.events.push(event);
    onEvent?.(event, handle);
  });
  return handle;
}
