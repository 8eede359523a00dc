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
  // Contract 1.2: a new inbox item. Opt-in: only to subscriptions and live sockets that name it.
  'InboxItemArrived',
] as const;

export type TrackerEventType = (typeof EVENT_TYPES)[number];

/** Events a subscription gets only when its `events` name them (leaving `events` out does not include them). */
export const OPT_IN_EVENT_TYPES = ['InboxItemArrived'] as const satisfies readonly TrackerEventType[];
export type OptInEventType = (typeof OPT_IN_EVENT_TYPES)[number];

/** What a subscription gets when it names no `events`: every type but the opt-in ones. */
export const DEFAULT_EVENT_TYPES: readonly TrackerEventType[] = EVENT_TYPES.filter(
  (t) => !(OPT_IN_EVENT_TYPES as readonly string[]).includes(t),
);
