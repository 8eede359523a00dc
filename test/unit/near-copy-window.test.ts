import { NearCopyWindows } from '../../shared/app/inbox';

/**
 * The near-copy window an instance keeps per scenario (shared/app/inbox.ts): a burst of arrivals
 * reads the scenario's newest signatures once per NEAR_COPY_WINDOW_TTL_MS, not once per arrival,
 * and an item made here is compared with at once. TTLs of 0 and Infinity keep the tests off the clock.
 */

const signed = (n: number) => ({ id: `inb_${n}`, signature: `sig-${n}` });

/** A store whose window holds the given items, counting its reads. */
function store(items = [signed(2), signed(1)]) {
  const reads: string[] = [];
  return {
    reads,
    recentSignatures: async (scenario: string, window: number) => {
      reads.push(scenario);
      return items.slice(0, window);
    },
  };
}

describe('the near-copy window', () => {
  it('is read once for a burst of arrivals while it is fresh, per scenario', async () => {
    // Prepare
    const s = store();
    const windows = new NearCopyWindows(s, Infinity);
    // Act
    const seen = await Promise.all([1, 2, 3, 4, 5].map(() => windows.recent('talks')));
    await windows.recent('other');
    // Assess
    expect(s.reads).toEqual(['talks', 'other']);
    expect(seen.every((w) => w.length === 2)).toBe(true);
  });

  it('holds an item made here at once, newest first, within its size', async () => {
    // Prepare
    const windows = new NearCopyWindows(store(), Infinity, 2);
    await windows.recent('talks');
    // Act
    windows.add('talks', signed(3));
    // Assess
    expect((await windows.recent('talks')).map((x) => x.id)).toEqual(['inb_3', 'inb_2']);
  });

  it('is read again once stale, so other instances’ items are compared with', async () => {
    // Prepare
    const s = store();
    const windows = new NearCopyWindows(s, 0);
    // Act
    await windows.recent('talks');
    await windows.recent('talks');
    // Assess
    expect(s.reads).toEqual(['talks', 'talks']);
  });

  it('does not keep a failed read', async () => {
    // Prepare
    let fail = true;
    const s = {
      recentSignatures: async () => {
        if (fail) throw new Error('throttled');
        return [signed(1)];
      },
    };
    const windows = new NearCopyWindows(s, Infinity);
    // Act
    await expect(windows.recent('talks')).rejects.toThrow('throttled');
    fail = false;
    // Assess
    expect(await windows.recent('talks')).toEqual([signed(1)]);
  });
});
