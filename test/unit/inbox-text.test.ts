import { NEAR_COPY_THRESHOLD, canonicalUrl, signature, similarity } from '../../shared/domain/inbox';
import { dateInText, languageOf, outletOf } from '../../shared/domain/inbox-text';

describe('canonical URLs', () => {
  it('lower-cases scheme and host, drops the fragment and utm_* parameters, keeps path case and other parameters', () => {
    // Act
    const canonical = canonicalUrl(
      'HTTPS://News.BBC.co.uk:443/News/World-Europe?id=7&utm_source=rss&UTM_Medium=feed#comments',
    );
    // Assess
    expect(canonical).toBe('https://news.bbc.co.uk/News/World-Europe?id=7');
  });

  it('leaves no bare question mark when every parameter was a utm_* one', () => {
    expect(canonicalUrl('https://kyivindependent.com/ukraine-russia-pow-swap/?utm_source=x')).toBe(
      'https://kyivindependent.com/ukraine-russia-pow-swap/',
    );
  });
});

describe('outlets', () => {
  it('is the registrable domain by the Public Suffix List', () => {
    expect(outletOf('https://news.bbc.co.uk/x')).toBe('bbc.co.uk');
    expect(outletOf('https://www.pravda.com.ua/eng/news/2025/07/23/7523145/')).toBe('pravda.com.ua');
    expect(outletOf('https://kyivindependent.com/ukraine-russia-pow-swap')).toBe('kyivindependent.com');
  });

  it('is null for an address without one', () => {
    expect(outletOf('http://127.0.0.1:8080/feed')).toBeNull();
  });
});

describe('near copies', () => {
  // The AP's first paragraph of 8 August 2025 (ktoo.org carried it), and two outlets' versions of it.
  const wire =
    'Trump sets meeting date with Putin in Alaska\nPresident Donald Trump said Friday he will meet with Russian President Vladimir Putin next Friday in Alaska, as the U.S. leader pushes to end the war in Ukraine.';
  const credited =
    'Trump sets meeting date with Putin in Alaska\n(AP) - President Donald Trump said on Friday he will meet with Russian President Vladimir Putin next Friday in Alaska, as the U.S. leader pushes to end the war in Ukraine.';
  const otherReport =
    'Trump and Putin to meet in Alaska on August 15\nThe Kremlin confirmed the summit in Anchorage, its first on U.S. soil since 2007, and said the talks would focus on a long-term settlement in Ukraine.';

  it('finds wire copy carried with a credit and a changed word', () => {
    // Act
    const s = similarity(signature(wire)!, signature(credited)!);
    // Assess
    expect(s).toBeGreaterThanOrEqual(NEAR_COPY_THRESHOLD);
  });

  it('keeps two reports of the same event apart', () => {
    expect(similarity(signature(wire)!, signature(otherReport)!)).toBeLessThan(0.2);
  });

  it('never calls a bare headline a copy: it has no signature', () => {
    expect(signature('Trump sets meeting date with Putin')).toBeNull();
  });
});

describe('language', () => {
  it('gives none for a headline too short to tell, unless its letters settle it', () => {
    expect(languageOf('Slovaks veto Russia sanctions at EU Council')).toBeNull();
    expect(languageOf('ЄС ухвалив пакет санкцій')).toBe('uk');
    expect(languageOf('Россия и Украина провели обмен пленными')).toBe('ru');
  });

  it('tells English, Ukrainian and Russian apart as ISO 639-1 codes', () => {
    expect(
      languageOf('EU adopts 19th sanctions package against Russia, banning imports of liquefied natural gas'),
    ).toBe('en');
    expect(
      languageOf('Україна та Росія провели обмін полоненими за формулою 84 на 84, посередником стали ОАЕ'),
    ).toBe('uk');
    expect(
      languageOf('Евросоюз утвердил девятнадцатый пакет санкций против России, запретив импорт газа'),
    ).toBe('ru');
  });
});

describe('dates in text', () => {
  const published = new Date('2025-08-08T20:00:00Z');

  it('gives the day a text names, in the year of publication, at day precision', () => {
    expect(dateInText('Trump to meet Putin in Alaska on August 15', published, 'en')).toEqual({
      date: '2025-08-15',
      precision: 'day',
    });
    expect(dateInText('Зустріч Трампа і Путіна відбудеться 15 серпня на Алясці', published, 'uk')).toEqual({
      date: '2025-08-15',
      precision: 'day',
    });
  });

  it('gives a month at month precision', () => {
    expect(dateInText('The 28-point plan was drafted in November 2025', published, 'en')).toEqual({
      date: '2025-11',
      precision: 'month',
    });
  });

  it('does not read a span ahead ("in a week") as a date, and gives null when there is none', () => {
    expect(
      dateInText('Another prisoner exchange took place, the fourth in a week', published, 'en'),
    ).toBeNull();
  });
});
