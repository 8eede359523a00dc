import { systemLookup } from '../events/webhook-url';
import { useInProcessFanOut, useWebhooks } from './context';
import { SubscriptionFanOut } from './deliveries';
import { LiveTap } from './live';

/**
 * The parts a process without a bus hands its context: the local server, the command-line tools and
 * the tests. Published events are fanned out to webhook subscriptions and live sockets in the same
 * process, and subscription hosts are resolved here. The cloud functions never import this module
 * (the deliveries and live fan-out functions take events from the bus), so their bundles carry
 * neither the webhook signing nor the address checks they do not use.
 */
export function useInProcessParts(): void {
  useWebhooks(systemLookup);
  useInProcessFanOut((ctx) => [new SubscriptionFanOut(ctx), new LiveTap(ctx)]);
}
