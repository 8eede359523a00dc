/**
 * Realistic Ukrainian-language copy for tests that need big updates: Cyrillic takes two bytes a
 * character in UTF-8, so a 2,000-character summary and six 1,000-character quotes make ~15 KB.
 */
const PROSE =
  'Делегації України та Росії зустрілися в Стамбулі вдруге за місяць. Сторони погодили обмін полоненими ' +
  'за формулою «тисяча на тисячу», але розійшлися щодо припинення вогню та гарантій безпеки. ' +
  'Міністр закордонних справ заявив, що Київ готовий до прямих переговорів на рівні лідерів, ' +
  'якщо Москва відмовиться від ультиматумів щодо територій. Наступна зустріч можлива наприкінці червня. ';

/** `length` characters of prose, shifted by `seed` so that texts differ. */
export const ukrainianText = (length: number, seed = 0): string => {
  const start = seed % PROSE.length;
  let text = '';
  while (text.length < length + start) text += PROSE;
  return text.slice(start, start + length);
};

/** An update body as a Ukrainian desk posts it: a long summary, six long quotes, three sources. */
export const largeUkrainianUpdate = (i: number) => ({
  status: null,
  summary: ukrainianText(2000, i),
  quotes: Array.from({ length: 6 }, (_, q) => ({
    speaker: `Речник делегації ${q + 1}`,
    text: ukrainianText(1000, i + q * 7),
  })),
  sources: Array.from({ length: 3 }, (_, k) => ({
    url: `https://news.example.ua/${i}/${k}`,
    title: `Переговори у Стамбулі: день ${i}, джерело ${k + 1}`,
    publisher: 'Укрінформ',
  })),
});
