import { encodeTime } from 'ulid';
import { listMark, type ListMarkContext } from '../../shared/app/list-marks';

/** listMark over stand-in stores: when a scenario list may be answered from its mark, and when not. */
const NOW = Date.UTC(2025, 4, 16, 12);
const BUDGET = 10_000;
const SETTLE = BUDGET + 2_000;
const carrierAt = (ms: number) => `${encodeTime(ms, 10)}0000000000000000`;

const context = (
  newest: string | undefined,
  version: number | null,
  keyId: string | null = 'k1',
): ListMarkContext => ({
  config: { writeRetryBudgetMs: BUDGET },
  pageTokens: {
    signingKeyId: () => {
      if (keyId === null) throw new Error('the keyring could not be read');
      return keyId;
    },
  },
  changes: { newestCarrier: async () => newest },
  scenarios: {
    get: async () => (version === null ? null : ({ scenario: { version } } as never)),
  },
});

describe('listMark', () => {
  it("is the newest carrier and the scenario's version once the carrier is older than the settle time", async () => {
    // Prepare
    const settled = carrierAt(NOW - SETTLE - 1);
    // Act and assess
    expect(await listMark(context(settled, 7), 's', NOW)).toBe(`${settled}~7~k1`);
    // A move's echo carrier (`#from`) is a mark as well.
    expect(await listMark(context(`${settled}#from`, 7), 's', NOW)).toBe(`${settled}#from~7~k1`);
    // A new signing key of page tokens is a new mark: a held nextToken may be signed with a retired key.
    expect(await listMark(context(settled, 7, 'k2'), 's', NOW)).toBe(`${settled}~7~k2`);
  });

  it('is none while the newest write may still be joined by an older one (within the settle time)', async () => {
    expect(await listMark(context(carrierAt(NOW - SETTLE), 7), 's', NOW)).toBeUndefined();
    expect(await listMark(context(carrierAt(NOW), 7), 's', NOW)).toBeUndefined();
  });

  it('is none without a carrier, or without a scenario item (an import under way puts it last)', async () => {
    expect(await listMark(context(undefined, 7), 's', NOW)).toBeUndefined();
    expect(await listMark(context(carrierAt(NOW - SETTLE - 1), null), 's', NOW)).toBeUndefined();
  });

  it('is none while the page-token keyring cannot be read (the page is read and answered as without marks)', async () => {
    expect(await listMark(context(carrierAt(NOW - SETTLE - 1), 7, null), 's', NOW)).toBeUndefined();
  });
});
