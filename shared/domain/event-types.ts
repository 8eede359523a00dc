/** Every notification type of contracts 1.1 and 1.2, in the contracts' order (shared/events/event.ts builds them). */
export const EVENT_TYPES = [
  'ThreadCreated',
  'ThreadStatusChanged',
  'UpdatePosted',
  'UpdateAmended',
  'UpdateRetracted',
  'ThreadStale',
  'ThreadOverdue',
  // Contract 1.2 "Thread changes are events".
  'ThreadChanged',
  'Ping',
] as const;

export type TrackerEventType = (typeof EVENT_TYPES)[number];
