/** Every notification type of contract 1.1, in the contract's order (shared/events/event.ts builds them). */
export const EVENT_TYPES = [
  'ThreadCreated',
  'ThreadStatusChanged',
  'UpdatePosted',
  'UpdateAmended',
  'UpdateRetracted',
  'ThreadStale',
  'ThreadOverdue',
  'Ping',
] as const;

export type TrackerEventType = (typeof EVENT_TYPES)[number];
