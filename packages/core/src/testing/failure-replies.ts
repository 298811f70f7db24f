import { STATUS_CODES } from 'node:http';
import { connectionReset, type Delivery, errorReply, type Reply, rawReply } from './reply.js';
import type { ScenarioOf } from './scenarios.js';

export const providerError = 'Provider returned error';

const statusMessages: Record<number, string> = {
  402: 'Insufficient credits. Add more using https://openrouter.ai/settings/credits',
  502: providerError,
  503: 'No available model provider that meets your routing requirements',
};

/** Scenarios that fail the same way whatever the endpoint: before any answer is made. */
export type TransportScenario = ScenarioOf<'rate_limit' | 'status' | 'html' | 'reset'>;
/** Scenarios that cut an otherwise normal answer short. */
export type CutScenario = ScenarioOf<'truncated_json' | 'stall'>;

/** An HTTP error, a proxy's page or a dropped connection, as the scenario says. */
export function transportFailure(scenario: TransportScenario): Reply {
  switch (scenario.kind) {
    case 'rate_limit': {
      const { retryAfter } = scenario;
      return errorReply(429, 'Rate limit exceeded. Please slow down and retry later.', {
        headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
      });
    }
    case 'status': {
      const { status, message } = scenario;
      return errorReply(status, message ?? statusMessages[status] ?? STATUS_CODES[status] ?? '');
    }
    case 'html':
      return htmlReply(scenario.status ?? 502);
    case 'reset':
      return connectionReset();
  }
}

/** The same reply, cut short the way the scenario says. */
export function cutShort(reply: Reply, scenario: CutScenario): Reply {
  const delivery: Delivery =
    scenario.kind === 'stall'
      ? { kind: 'stall', afterBytes: scenario.afterBytes ?? 64 }
      : { kind: 'truncated' };
  return { ...reply, delivery };
}

function htmlReply(status: number): Reply {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  const page = `<html>\n<head><title>${title}</title></head>\n<body>\n<center><h1>${title}</h1></center>\n<hr><center>cloudflare</center>\n</body>\n</html>\n`;
  return rawReply(status, 'text/html; charset=utf-8', page);
}
