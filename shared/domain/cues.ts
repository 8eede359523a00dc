/**
 * Default status cues of the built-in kinds: words and phrases that say a text reports a status, in
 * English, Ukrainian and Russian. Each word is a prefix of the words it finds (`adopt` finds
 * `adopted`, `ухвал` finds `ухвалили`), so stems are written, not whole words. A custom kind states
 * its own (`PUT /kinds/{kind}` `{ cues }`); a status with no cue is never suggested.
 *
 * Deliberately narrow: a suggestion an editor must correct costs more than none, so a cue says the
 * status, not merely that talks go on (`talks` alone suggests nothing).
 */
export const BUILT_IN_CUES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  ceasefire: {
    proposed: [
      'proposes ceasefire',
      'proposed a ceasefire',
      'calls for a ceasefire',
      'запропонував перемир',
      'предложил перемир',
    ],
    rejected: ['rejects', 'rejected', 'refuses', 'refused', 'відхил', 'відкин', 'отверг', 'отклонил'],
    agreed: ['agree to a ceasefire', 'agreed a ceasefire', 'agreed to a ceasefire', 'погодил', 'согласовал'],
    in_effect: [
      'takes effect',
      'took effect',
      'came into force',
      'набуло чинності',
      'вступило в силу',
      'вступил в силу',
    ],
    violated: ['violat', 'breach', 'поруш', 'наруш'],
    collapsed: ['collaps', 'зірва', 'сорва'],
    expired: ['expired', 'expires', 'закінчил', 'истек'],
  },
  prisoner_exchange: {
    agreed: [
      'agree to',
      'agreed to',
      'agree on',
      'agreed on',
      'agree to exchange',
      'agreed to exchange',
      'agree to swap',
      'agreed to swap',
      'agreed a swap',
      'домовил',
      'договорил',
    ],
    in_progress: ['first stage', 'second stage', 'next stage', 'етап', 'этап'],
    completed: ['completed', 'complete the exchange', 'final stage', 'завершил', 'завершен'],
    stalled: ['stalled', 'stall', 'загальм', 'застопор'],
    cancelled: ['cancel', 'скасова', 'отмен'],
  },
  sanctions: {
    proposed: [
      'proposes',
      'proposed',
      'unveils',
      'unveiled',
      'presented',
      'запропонува',
      'представил',
      'предложил',
    ],
    adopted: ['adopts', 'adopted', 'approves', 'approved', 'ухвал', 'затверд', 'утвердил', 'принял'],
    in_force: [
      'in force',
      'takes effect',
      'took effect',
      'набув чинності',
      'набули чинності',
      'вступили в силу',
    ],
    blocked: ['veto', 'blocks', 'blocked', 'заблок', 'ветував'],
    eased: ['eases', 'eased', 'пом’як', "пом'як", 'смягч'],
    lifted: ['lifts', 'lifted', 'скасува', 'снял', 'отменил'],
  },
  summit: {
    announced: [
      'announces',
      'announced',
      'to meet',
      'will meet',
      'to hold',
      'оголосил',
      'зустрінуться',
      'встретятся',
      'объявил',
    ],
    scheduled: ['scheduled', 'sets meeting date', 'set for', 'date set', 'призначи', 'назначен'],
    held: [
      'met in',
      'meet in anchorage',
      'summit ends',
      'talks ended',
      'after meeting',
      'held talks',
      'відбулас',
      'зустрілися',
      'состоялась',
      'встретились',
    ],
    postponed: ['postpon', 'delay', 'відклад', 'перенес', 'отлож'],
    cancelled: ['cancel', 'called off', 'скасува', 'отмен'],
  },
  other: {},
};
