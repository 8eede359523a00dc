import {
  INITIAL_KEY_ID,
  KeyringFormatError,
  UnknownKeyError,
  keyOf,
  newKeyring,
  parseKeyring,
  retireKey,
  rotateKeyring,
} from '../../shared/domain/keyring';
import { main as keyring } from '../../local/keyring-cli';

const KEY = 'k'.repeat(40);

/** Runs `npm run keyring -- …` with this standard input; its exit code and output. */
function run(argv: string[], input = '') {
  const out: string[] = [];
  const err: string[] = [];
  const code = keyring(argv, {}, { input: () => input, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err: err.join('\n') };
}

describe('a keyring', () => {
  it('is made with one fresh current key and no previous ones, never twice the same', () => {
    // Act
    const [one, two] = [parseKeyring(newKeyring()), parseKeyring(newKeyring())];
    // Assess
    expect(one).toEqual({
      current: { id: expect.stringMatching(/^[0-9a-f]{8}$/), key: expect.stringMatching(/^[\w-]{43}$/) },
      previous: {},
    });
    expect(two.current.id).not.toBe(one.current.id);
    expect(two.current.key).not.toBe(one.current.key);
  });

  it('rotates: a fresh current key, the old one kept as previous under its id; retiring drops only that one', () => {
    // Prepare
    const first = newKeyring();
    // Act
    const second = rotateKeyring(first);
    const third = rotateKeyring(second);
    const retired = retireKey(third, parseKeyring(first).current.id);
    // Assess
    const [r1, r2, r3] = [parseKeyring(first), parseKeyring(second), parseKeyring(third)];
    expect(r3.previous).toEqual({ [r1.current.id]: r1.current.key, [r2.current.id]: r2.current.key });
    expect(parseKeyring(retired)).toEqual({
      current: r3.current,
      previous: { [r2.current.id]: r2.current.key },
    });
    expect(keyOf(parseKeyring(retired), r2.current.id)).toBe(r2.current.key);
    expect(() => keyOf(parseKeyring(retired), r1.current.id)).toThrow(UnknownKeyError);
    expect(() => retireKey(third, r3.current.id)).toThrow(/current key/);
  });

  it('reads a plain key (a secret of before keyrings) as the key "initial", which a rotation keeps', () => {
    expect(parseKeyring(` ${KEY}\n`)).toEqual({ current: { id: INITIAL_KEY_ID, key: KEY }, previous: {} });
    expect(parseKeyring(rotateKeyring(KEY)).previous).toEqual({ [INITIAL_KEY_ID]: KEY });
  });

  it.each([
    ['a short plain key', 'short'],
    ['broken JSON', '{"current":'],
    ['no current key', '{"previous":{}}'],
    ['a short key', '{"current":{"id":"a","key":"short"}}'],
    ['an id with a dot', `{"current":{"id":"a.b","key":"${KEY}"}}`],
    ['previous keys that are not an object', `{"current":{"id":"a","key":"${KEY}"},"previous":["${KEY}"]}`],
    ['one id both current and previous', `{"current":{"id":"a","key":"${KEY}"},"previous":{"a":"${KEY}"}}`],
  ])('refuses %s, never repeating a key', (_what, text) => {
    // Act
    const error = (() => {
      try {
        parseKeyring(text);
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    // Assess
    expect(error).toBeInstanceOf(KeyringFormatError);
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain('short"');
  });
});

describe('npm run keyring', () => {
  it('prints a new keyring, rotates and retires from standard input to standard output', () => {
    // Act
    const made = run(['new']);
    const rotated = run(['rotate'], made.out[0]);
    const oldId = parseKeyring(made.out[0]!).current.id;
    const retired = run(['retire', oldId], rotated.out[0]);
    // Assess
    expect([made.code, rotated.code, retired.code]).toEqual([0, 0, 0]);
    expect(parseKeyring(rotated.out[0]!).previous).toEqual({
      [oldId]: parseKeyring(made.out[0]!).current.key,
    });
    expect(parseKeyring(retired.out[0]!).previous).toEqual({});
  });

  it('shows key ids, never a key', () => {
    // Prepare
    const ring = rotateKeyring(KEY);
    // Act
    const shown = run(['show'], ring);
    // Assess
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out[0]!)).toEqual({
      current: parseKeyring(ring).current.id,
      previous: [INITIAL_KEY_ID],
    });
    expect(shown.out.join('')).not.toContain(KEY);
    expect(shown.out.join('')).not.toContain(parseKeyring(ring).current.key);
  });

  it('exits 1 on a keyring it cannot use and 2 on a usage mistake, with one line that names no key', () => {
    expect(run(['rotate'], 'short')).toMatchObject({ code: 1, out: [] });
    expect(run(['retire', 'nope'], newKeyring())).toMatchObject({
      code: 1,
      err: 'The keyring has no previous key nope.',
    });
    expect(run(['rotate', '--local', 'other']).code).toBe(2);
    expect(run(['spin']).code).toBe(2);
    expect(run(['retire']).code).toBe(2);
  });
});
