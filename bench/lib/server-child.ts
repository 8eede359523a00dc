/**
 * The local server in its own process, for the throughput benchmark: the load generator (autocannon)
 * must not share an event loop with the server it measures. Logging stays at the deployed level
 * (INFO, one access line per request, to stdout — which the parent discards), metrics are off as in
 * `npm start` (the parent sets the environment). Tells the parent its URL over IPC.
 */

import type { AddressInfo } from 'node:net';
import { createContext, setAppContext } from '../../shared/app/context';
import { readConfig } from '../../shared/config';
import { createLocalServer } from '../../local/server';

const cfg = readConfig({ ...process.env, EVENT_BUS_NAME: '', TRACKER_WEBHOOK_URL: '' });
setAppContext(createContext(cfg));
const server = createLocalServer({});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
// CPU time spent so far (µs), so the parent can charge the server per request.
process.on('message', (m) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  // Memory now, the highest RSS sampled since `sample` (every 10 ms) and the process's lifetime
  // peak (bytes): what the export-memory benchmark reads around one export.
  if (m === 'sample') {
    sampledMax = process.memoryUsage().rss;
    clearInterval(sampler);
    sampler = setInterval(() => (sampledMax = Math.max(sampledMax, process.memoryUsage().rss)), 10);
  }
  if (m === 'memory') {
    clearInterval(sampler);
    const rss = process.memoryUsage().rss;
    process.send?.({
      rss,
      sampledMax: Math.max(sampledMax, rss),
      maxRss: process.resourceUsage().maxRSS * 1024,
    });
  }
});
let sampledMax = 0;
let sampler: NodeJS.Timeout | undefined;
process.on('disconnect', () => process.exit(0));
