import './lib/quiet';
import WebSocket from 'ws';
import { liveHubs } from '../local/server';
import { QUICK, fmt, log, median, percentile, runAlone, table, type Section } from './lib/common';
import { benchContext, useDynamo } from './lib/dynamo';
import { BENCH_TOKENS, listen, prepareTable } from './lib/server';

/**
 * The delay from a write to its event on a connected WebSocket, as `npm start` runs it: 100 clients
 * on the local server's /live (half subscribed to the scenario, half to the thread), status updates
 * POSTed over HTTP one after another, 50 ms apart. The delay is the client's clock when the
 * UpdatePosted frame arrived minus the moment the POST was sent (clients, server and writer share
 * one process and one clock).
 */

const CLIENTS = 100;
const WRITES = QUICK ? 20 : 100;
const SCENARIO = 'live-bench';
const THREAD = 'live-wire';

export async function run(): Promise<Section> {
  const started = Date.now();
  const dynamo = await useDynamo();
  const sockets: WebSocket[] = [];
  let server: Awaited<ReturnType<typeof listen>> | undefined;
  try {
    const ctx = await benchContext(dynamo.endpoint);
    await prepareTable(ctx, false);
    server = await listen({ relay: true });
    const { url } = server;
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${BENCH_TOKENS.editor}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await post('/threads', {
      id: THREAD,
      scenario: SCENARIO,
      kind: 'other',
      title: 'Live wire',
      status: 'proposed',
      summary: 'Start.',
    });
    if (created.status !== 201) throw new Error(`creating the thread answered ${created.status}`);

    // arrivals.get(updateId) = the arrival time at each client
    const arrivals = new Map<string, number[]>();
    for (let i = 0; i < CLIENTS; i++) {
      const ws = new WebSocket(`${url.replace('http', 'ws')}/live?token=${BENCH_TOKENS.reader}`);
      sockets.push(ws);
      await new Promise<void>((done, fail) => {
        ws.once('open', () => done());
        ws.once('error', fail);
      });
      const subscribed = new Promise<void>((done) =>
        ws.on('message', (data) => {
          const at = Date.now();
          const frame = JSON.parse(String(data)) as { type: string; updateId?: string };
          if (frame.type === 'Subscribed') done();
          if (frame.type === 'UpdatePosted' && frame.updateId)
            arrivals.set(frame.updateId, [...(arrivals.get(frame.updateId) ?? []), at]);
        }),
      );
      ws.send(
        JSON.stringify({ action: 'subscribe', ...(i % 2 ? { threadId: THREAD } : { scenario: SCENARIO }) }),
      );
      await subscribed;
    }
    log(`live: ${CLIENTS} WebSocket clients subscribed; ${WRITES} writes over HTTP`);

    const sent = new Map<string, number>();
    const writeMs: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const t0 = Date.now();
      const r = await post(`/threads/${THREAD}/updates`, {
        status: i % 2 ? 'active' : 'stalled',
        summary: `Update ${i}.`,
      });
      writeMs.push(Date.now() - t0);
      if (r.status !== 201) throw new Error(`update ${i} answered ${r.status}`);
      const body = (await r.json()) as { update: { id: string } };
      sent.set(body.update.id, t0);
      await new Promise((done) => setTimeout(done, 50));
    }
    const expected = WRITES * CLIENTS;
    const deadline = Date.now() + 30_000;
    const count = () => [...sent.keys()].reduce((n, id) => n + (arrivals.get(id)?.length ?? 0), 0);
    while (count() < expected && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
    await liveHubs.get(server.server)?.settled();

    const delays = [...sent].flatMap(([id, t0]) => (arrivals.get(id) ?? []).map((at) => at - t0));
    const p50 = median(delays);
    const p99 = percentile(delays, 99);
    const met = p99 < 2_000 && delays.length === expected;
    const markdown = [
      `${CLIENTS} WebSocket clients on the local server's \`/live\` (half subscribed to the scenario, half to the thread), ${WRITES} status updates POSTed over HTTP to one thread, one after another, 50 ms apart. Delay: the client's clock when the \`UpdatePosted\` frame arrived minus the moment its POST was sent (one process, one clock), over every client and write.`,
      '',
      table(
        ['measure', 'value'],
        [
          ['frames received', `${delays.length} of ${expected}`],
          ['write → event on the socket, median', `${fmt(p50, 0)} ms`],
          ['write → event on the socket, 99th percentile', `${fmt(p99, 0)} ms`],
          ['write → event on the socket, max', `${fmt(Math.max(...delays), 0)} ms`],
          ['POST latency (answered), median', `${fmt(median(writeMs), 0)} ms`],
        ],
      ),
      '',
      'The fan-out starts when the write hands its events to the publisher, before the answer is sent, and never holds the answer up: the median delay is about the write itself. In the cloud the path is longer (EventBridge → the fan-out function → API Gateway), typically a few hundred milliseconds more; it is not measured here.',
    ].join('\n');
    return {
      id: 'live',
      title: 'Live WebSocket delay (100 clients)',
      markdown,
      targets: [
        {
          name: 'write → event on a connected WebSocket p99 < 2 s with 100 clients',
          met,
          detail: `median ${fmt(p50, 0)} ms, p99 ${fmt(p99, 0)} ms over ${delays.length} frames`,
        },
      ],
      headline: [
        `Live: write → event on a WebSocket median ${fmt(p50, 0)} ms, p99 ${fmt(p99, 0)} ms with ${CLIENTS} clients.`,
      ],
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await server?.close();
    await dynamo.stop();
  }
}

if (require.main === module) runAlone(run);
