/**
 * The kinds of negotiation thread and the statuses each may take, as one declarative table.
 * Everything else (validation, the terminal rule, the OpenAPI enums) is derived from it, so adding
 * a kind or a status is a one-line change here.
 */
export const KINDS = {
  ceasefire: { statuses: ['proposed', 'negotiating', 'rejected', 'agreed', 'in_effect', 'violated', 'collapsed'], terminal: ['collapsed'] },
  prisoner_exchange: { statuses: ['proposed', 'negotiating', 'agreed', 'in_progress', 'completed', 'stalled', 'cancelled'], terminal: ['completed', 'cancelled'] },
  sanctions: { statuses: ['proposed', 'negotiating', 'adopted', 'in_force', 'eased', 'lifted', 'abandoned'], terminal: ['lifted', 'abandoned'] },
  summit: { statuses: ['proposed', 'announced', 'scheduled', 'held', 'postponed', 'cancelled'], terminal: ['held', 'cancelled'] },
  other: { statuses: ['proposed', 'active', 'stalled', 'resolved', 'abandoned'], terminal: ['resolved', 'abandoned'] },
} as const satisfies Record<string, { statuses: readonly string[]; terminal: readonly string[] }>;

export type Kind = keyof typeof KINDS;

export const KIND_NAMES = Object.keys(KINDS) as [Kind, ...Kind[]];

/** Every status some kind has; a `status` query value outside this set is a client error. */
export const ALL_STATUSES: readonly string[] = [...new Set(Object.values(KINDS).flatMap((k) => k.statuses as readonly string[]))].sort();

export const isStatusOf = (kind: Kind, status: string): boolean => (KINDS[kind].statuses as readonly string[]).includes(status);

export const isTerminal = (kind: Kind, status: string): boolean => (KINDS[kind].terminal as readonly string[]).includes(status);
