import { KindConflictError, ValidationError } from './errors';

/**
 * The kinds of negotiation thread and the statuses each may take.
 *
 * The built-in kinds are one declarative table here; admins add custom kinds (`PUT /kinds/{kind}`),
 * stored in the table. Everything that asks "is this a kind, a status of it, a terminal one?" asks a
 * KindRegistry — the built-ins plus the custom kinds as the caller loaded them — so this module
 * stays pure: the application loads the custom kinds (cached, shared/app/kinds.ts) and hands the
 * registry to whatever needs it, the store included.
 */
export const KINDS = {
  ceasefire: {
    label: 'Ceasefire',
    statuses: [
      'proposed',
      'negotiating',
      'rejected',
      'agreed',
      'in_effect',
      'violated',
      'collapsed',
      'expired',
    ],
    terminal: ['collapsed', 'expired'],
  },
  prisoner_exchange: {
    label: 'Prisoner exchange',
    statuses: ['proposed', 'negotiating', 'agreed', 'in_progress', 'completed', 'stalled', 'cancelled'],
    terminal: ['completed', 'cancelled'],
  },
  // `blocked`: held up by a veto; not terminal (a blocked package is often adopted later).
  sanctions: {
    label: 'Sanctions',
    statuses: ['proposed', 'negotiating', 'adopted', 'in_force', 'eased', 'lifted', 'abandoned', 'blocked'],
    terminal: ['lifted', 'abandoned'],
  },
  summit: {
    label: 'Summit',
    statuses: ['proposed', 'announced', 'scheduled', 'held', 'postponed', 'cancelled'],
    terminal: ['held', 'cancelled'],
  },
  other: {
    label: 'Other',
    statuses: ['proposed', 'active', 'stalled', 'resolved', 'abandoned'],
    terminal: ['resolved', 'abandoned'],
  },
} as const satisfies Record<
  string,
  { label: string; statuses: readonly string[]; terminal: readonly string[] }
>;

/** A built-in kind's name. Threads may also have custom kinds: `Thread.kind` is a string. */
export type Kind = keyof typeof KINDS;

/** Kind and status names, as the contract fixes them. */
export const NAME = /^[a-z][a-z0-9_]{0,39}$/;
export const NAME_MESSAGE = 'must be 1–40 lower-case letters, digits or "_", starting with a letter';
export const KIND_LIMITS = { statuses: { min: 1, max: 30 }, label: 100, cue: 60, cuesPerStatus: 30 } as const;

export interface StatusDefinition {
  name: string;
  terminal: boolean;
}

/** A kind as `GET /kinds` presents it. */
export interface KindDefinition {
  kind: string;
  label: string;
  builtIn: boolean;
  statuses: StatusDefinition[];
  /**
   * Per status, the words that say a text reports it (the inbox's suggested status). Absent: the
   * built-in defaults (shared/domain/cues.ts) for a built-in kind, none for a custom one.
   */
  cues?: Record<string, string[]>;
}

export const BUILT_IN_KINDS: readonly KindDefinition[] = Object.entries(KINDS).map(([kind, k]) => ({
  kind,
  label: k.label,
  builtIn: true,
  statuses: k.statuses.map((name) => ({ name, terminal: (k.terminal as readonly string[]).includes(name) })),
}));

const byName = (a: { kind: string }, b: { kind: string }) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);

/** The kinds a process knows at one moment: the built-ins and the custom kinds it loaded. */
export class KindRegistry {
  private readonly kinds = new Map<string, KindDefinition>();

  constructor(custom: readonly KindDefinition[] = []) {
    // A stored kind can never shadow a built-in one (PUT refuses those names), but be sure.
    for (const k of custom) if (!(k.kind in KINDS)) this.kinds.set(k.kind, { ...k, builtIn: false });
    for (const k of BUILT_IN_KINDS) this.kinds.set(k.kind, k);
  }

  /** Every kind, ordered by name. */
  list(): KindDefinition[] {
    return [...this.kinds.values()].sort(byName);
  }

  get(kind: string): KindDefinition | undefined {
    return this.kinds.get(kind);
  }

  has(kind: string): boolean {
    return this.kinds.has(kind);
  }

  isStatusOf(kind: string, status: string): boolean {
    return this.kinds.get(kind)?.statuses.some((s) => s.name === status) ?? false;
  }

  /** A terminal status settles the thread: it is no longer watched for staleness. Unknown: not terminal. */
  isTerminal(kind: string, status: string): boolean {
    return this.kinds.get(kind)?.statuses.some((s) => s.name === status && s.terminal) ?? false;
  }

  /** Kinds in which `status` is terminal. */
  kindsTerminalIn(status: string): string[] {
    return this.list()
      .filter((k) => k.statuses.some((s) => s.name === status && s.terminal))
      .map((k) => k.kind);
  }

  /** Every status some kind has: a `status` query value outside it is a client error. */
  allStatuses(): string[] {
    return [...new Set(this.list().flatMap((k) => k.statuses.map((s) => s.name)))].sort();
  }

  /** 400 on `field` unless `kind` is known. */
  requireKind(kind: string, field = 'kind'): KindDefinition {
    const found = this.kinds.get(kind);
    if (!found)
      throw ValidationError.field(
        field,
        `must be one of: ${this.list()
          .map((k) => k.kind)
          .join(', ')}`,
      );
    return found;
  }

  /** 400 on `field` unless some kind has `status`. */
  requireSomeStatus(status: string, field = 'status'): void {
    const all = this.allStatuses();
    if (!all.includes(status)) throw ValidationError.field(field, `must be one of: ${all.join(', ')}`);
  }
}

/** The registry of the built-in kinds alone: what code that has no table at hand falls back to. */
export const BUILT_IN_REGISTRY = new KindRegistry();

/** What `PUT /kinds/{kind}` asks for. */
export interface KindChange {
  label: string;
  statuses: StatusDefinition[];
}

/**
 * Whether a kind may become `change`: built-in kinds never change, and a custom kind keeps every
 * status it has (threads and their histories may hold any of them); labels and terminal flags may
 * change and statuses may be added. Throws KindConflictError (409) otherwise.
 */
export function checkKindChange(
  kind: string,
  existing: KindDefinition | undefined,
  change: KindChange,
): void {
  if (kind in KINDS || existing?.builtIn)
    throw new KindConflictError(`${kind} is a built-in kind; built-in kinds cannot be changed.`);
  if (!existing) return;
  const kept = new Set(change.statuses.map((s) => s.name));
  const removed = existing.statuses.filter((s) => !kept.has(s.name)).map((s) => s.name);
  if (removed.length > 0) {
    throw new KindConflictError(
      `Kind ${kind} would lose ${removed.join(', ')}; statuses can be added but never removed.`,
    );
  }
}
