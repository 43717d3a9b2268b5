// One subscription through a real client library, each result a JSON line on stdout with the
// time it arrived (ms since the epoch, sub-millisecond), until the stream completes or fails.
// usage: node subscribe.mjs ws|sse URL '{"query": ..., "variables": ..., "token": ...}'
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';

const [, , protocol, url, spec] = process.argv;
const { query, variables, token } = JSON.parse(spec);
const now = () => performance.timeOrigin + performance.now();
const out = (message) => process.stdout.write(JSON.stringify({ ...message, at: now() }) + '\n');

function described(error) {
  if (Array.isArray(error)) return { errors: error };
  if (error && typeof error.code === 'number') return { code: error.code, reason: error.reason };
  return { message: String(error && error.message ? error.message : error) };
}

const client = protocol === 'ws'
  ? createWsClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: token ? { Authorization: `Bearer ${token}` } : undefined,
      retryAttempts: 0,
      on: { connected: () => out({ type: 'connected' }) },
    })
  : createSseClient({
      url,
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
    });

client.subscribe({ query, variables }, {
  next: (result) => out({ type: 'next', result }),
  error: (error) => { out({ type: 'error', error: described(error) }); process.exit(0); },
  complete: () => { out({ type: 'complete' }); process.exit(0); },
});
