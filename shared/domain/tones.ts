/**
 * The colour family ("tone") of each built-in status, for the desk page: early, progress, positive,
 * warning, negative. Presentation only, but kept next to the kinds so that a status added to a
 * built-in kind gets its tone here, in one place; the local server serves this map to the page as
 * /ui/tones.json (the page never copies it). A status with no tone (a custom kind's) shows as neutral.
 */
export type Tone = 'early' | 'progress' | 'positive' | 'warning' | 'negative';

export const STATUS_TONES: Readonly<Record<string, Tone>> = {
  proposed: 'early',
  announced: 'early',
  negotiating: 'progress',
  scheduled: 'progress',
  active: 'progress',
  in_progress: 'progress',
  agreed: 'positive',
  adopted: 'positive',
  in_effect: 'positive',
  in_force: 'positive',
  completed: 'positive',
  held: 'positive',
  resolved: 'positive',
  rejected: 'warning',
  stalled: 'warning',
  postponed: 'warning',
  violated: 'warning',
  eased: 'warning',
  blocked: 'warning',
  collapsed: 'negative',
  expired: 'negative',
  cancelled: 'negative',
  abandoned: 'negative',
  lifted: 'negative',
};
