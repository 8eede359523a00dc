import { BUILT_IN_CUES } from '../../shared/domain/cues';
import { MAX_MATCHES, ThreadIndex } from '../../shared/domain/matching';
import { HEADLINES, SEEDED } from './inbox-fixture';

const index = new ThreadIndex(SEEDED);
const match = (h: (typeof HEADLINES)[number]) =>
  index.match(h.text, BUILT_IN_CUES, new Date(h.publishedAt), h.language);

describe('matching inbox items to the seeded scenario’s threads', () => {
  it.each(HEADLINES.filter((h) => h.thread !== null).map((h) => [h.language, h.text, h] as const))(
    '[%s] %s: its thread first',
    (_lang, _text, h) => {
      // Act
      const matches = match(h);
      // Assess
      expect(matches[0]?.threadId).toBe(h.thread);
      expect(matches[0]!.score).toBeGreaterThan(0);
      expect(matches[0]!.score).toBeLessThanOrEqual(1);
      expect(matches.length).toBeLessThanOrEqual(MAX_MATCHES);
    },
  );

  it.each(HEADLINES.filter((h) => h.thread === null).map((h) => [h.language, h.text, h] as const))(
    '[%s] %s: no match (one shared word such as "ceasefire" or "sanctions" is not enough)',
    (_lang, _text, h) => {
      expect(match(h)).toEqual([]);
    },
  );

  it('suggests the status the text reports, where it reports one', () => {
    // Prepare
    const labelled = HEADLINES.filter((h) => typeof h.status === 'string');
    // Act
    const suggested = labelled.map((h) => match(h)[0]?.suggestedStatus);
    // Assess
    expect(suggested).toEqual(labelled.map((h) => h.status));
  });

  it('suggests no status when the text reports none', () => {
    // Act: the exchange is the topic, but nothing says how it stands.
    const [m] = index.match(
      'Zelensky says talks are under way to resume prisoner exchanges with Russia',
      BUILT_IN_CUES,
      new Date('2025-11-15T12:00:00Z'),
      'en',
    );
    // Assess
    expect(m?.threadId).toBe('prisoner-exchange');
    expect(m!.suggestedStatus).toBeNull();
  });

  it('suggests the date the text gives for the event, at its precision', () => {
    // Act
    const [m] = index.match(
      'Trump says he will meet Putin on August 15 in Alaska',
      BUILT_IN_CUES,
      new Date('2025-08-08T20:00:00Z'),
      'en',
    );
    // Assess
    expect(m).toMatchObject({
      threadId: 'trump-putin-meeting',
      suggestedOccurredAt: '2025-08-15',
      suggestedPrecision: 'day',
    });
  });

  it('matches a Ukrainian or Russian name to its keyword whatever its case ending', () => {
    // "Путіна" (genitive) and "Будапешті" (locative) against the keywords "Путін" and "Будапешт".
    const [m] = index.match(
      'Зустріч Трампа і Путіна в Будапешті скасували',
      BUILT_IN_CUES,
      new Date('2025-10-22T12:00:00Z'),
      'uk',
    );
    expect(m?.threadId).toBe('trump-putin-meeting');
    expect(m?.suggestedStatus).toBe('cancelled');
  });

  it('matches nothing when the scenario has no threads', () => {
    expect(
      new ThreadIndex([]).match('Trump and Putin meet in Alaska', BUILT_IN_CUES, new Date(), 'en'),
    ).toEqual([]);
  });
});
