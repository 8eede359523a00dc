import './lib/quiet';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSubscription } from '../shared/app/subscriptions';
import { createThread, postUpdate } from '../shared/app/threads';
import { startDeliveryLoop } from '../local/delivery-loop';
import { OutboxStream } from '../local/outbox-stream';
import { QUICK, fmt, log, median, percentile, runAlone, table, type Section } from './lib/common';
import { benchContext, useDynamo } from './lib/dynamo';

/**
 * The delay from a write to its webhook delivery, as `npm start` runs it (the delivery loop woken by
 * each fan-out): 10 local subscribers to every event, one of them dead (it never answers, so each of
 * its attempts runs to the 10 s timeout). The delay is the receiver's clock at arrival minus the
 * event's `time` (set in the write, before the commit), over the 9 live subscribers.
 */

const SUBSCRIBERS = 10;
const WRITES = QUICK ? 20 : 100;

async function receiver(
  dead: boolean,
  arrivals: Map<string, number[]>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const at = Date.now();
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (dead) return; // never answers
      const event = JSON.parse(body) as { id: string; time: string };
      arrivals.set(event.id, [...(arrivals.get(event.id) ?? []), at - Date.parse(event.time)]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

export async function run(): Promise<Section> {
  const started = Date.now();
  const dynamo = await useDynamo();
  const arrivals = new Map<string, number[]>();
  const receivers: Server[] = [];
  try {
    const ctx = await benchContext(dynamo.endpoint, undefined, {
      allowPrivateWebhooks: true,
      webhookSecretKey: randomBytes(32).toString('base64url'),
    });
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const r = await receiver(i === 0, arrivals);
      receivers.push(r.server);
      await createSubscription(ctx, { url: r.url });
    }
    const loop = startDeliveryLoop(ctx);
    ctx.wakeDeliveries = loop.wake;
    ctx.deliveryLoop = loop;
    // As `npm start`: the events leave the outbox through the relay over the table's stream.
    const relay = new OutboxStream({
      endpoint: dynamo.endpoint,
      tableName: ctx.config.tableName,
      publisher: ctx.publisher,
    });
    relay.start();
    const editor = { principal: { name: 'bench', role: 'editor' as const } };
    const render = () => undefined;
    await createThread(
      ctx,
      {
        id: 'hooked',
        scenario: 'bench',
        kind: 'other',
        title: 'Hooked',
        status: 'proposed',
        summary: 'Start.',
      },
      editor,
    ).then(render);
    log(`webhooks: ${WRITES} writes, ${SUBSCRIBERS} subscribers (one dead)`);
    const writeMs: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const w0 = Date.now();
      await postUpdate(
        ctx,
        'hooked',
        { status: i % 2 ? 'active' : 'stalled', summary: `Update ${i}.` },
        editor,
      ).then(render);
      writeMs.push(Date.now() - w0);
      // As the local server does after every write request it answers: the relay reads the stream now.
      relay.nudge();
      await new Promise((r) => setTimeout(r, 50));
    }
    // Every write emits UpdatePosted and ThreadStatusChanged; ThreadCreated came first.
    const events = 1 + 2 * WRITES;
    const deadline = Date.now() + 60_000;
    while (
      [...arrivals.values()].reduce((n, a) => n + a.length, 0) < events * (SUBSCRIBERS - 1) &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
    loop.stop();
    relay.stop();
    const delays = [...arrivals.values()].flat();
    const p50 = median(delays);
    const p99 = percentile(delays, 99);
    const met = p99 < 2_000 && delays.length === events * (SUBSCRIBERS - 1);
    const markdown = [
      `${WRITES} status updates to one thread, 50 ms apart, through the app layer with the local publisher and delivery loop (\`npm start\`'s): ${events} events, each to ${SUBSCRIBERS} subscriptions, one of which never answers (each attempt to it waits the full 10 s).`,
      '',
      table(
        ['measure', 'value'],
        [
          ['deliveries to the 9 live subscribers', `${delays.length} of ${events * (SUBSCRIBERS - 1)}`],
          ['write → delivery, median', `${fmt(p50, 0)} ms`],
          ['write → delivery, 99th percentile', `${fmt(p99, 0)} ms`],
          ['write → delivery, max', `${fmt(Math.max(...delays), 0)} ms`],
          [
            'write latency (the commit; the relay fans out from the stream), median',
            `${fmt(median(writeMs), 0)} ms`,
          ],
        ],
      ),
      '',
      'The dead subscriber holds at most 4 attempts at a time (the loop takes no more of its deliveries while they run), so the others, handed to the loop as they are fanned out, never wait for its timeouts.',
    ].join('\n');
    return {
      id: 'webhooks',
      title: 'Webhook delivery delay (10 subscribers, one dead)',
      markdown,
      targets: [
        {
          name: 'write → webhook delivery p99 < 2 s with a dead subscriber among 10',
          met,
          detail: `median ${fmt(p50, 0)} ms, p99 ${fmt(p99, 0)} ms over ${delays.length} deliveries`,
        },
      ],
      headline: [
        `Webhooks: write → delivery median ${fmt(p50, 0)} ms, p99 ${fmt(p99, 0)} ms with 10 subscribers, one dead.`,
      ],
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const s of receivers) s.closeAllConnections();
    await Promise.all(receivers.map((s) => new Promise((done) => s.close(done))));
    await dynamo.stop();
  }
}

if (require.main === module) runAlone(run);
