import * as chrono from 'chrono-node';
import { franc } from 'franc-min';
import { getDomain } from 'tldts';
import type { Precision } from './time';

/**
 * What an inbox item's text and URL tell without a person: the outlet, the language, the date an
 * event is given for. Each is one maintained library (docs/architecture.md says why each).
 */

/**
 * The outlet: the registrable domain of the URL by the Public Suffix List (`news.bbc.co.uk` →
 * `bbc.co.uk`); null for an address that has none (an IP address, `localhost`).
 */
export const outletOf = (url: string): string | null =>
  getDomain(url, { allowPrivateDomains: false }) ?? null;

/**
 * franc answers ISO 639-3; the contract speaks ISO 639-1. These are the languages franc-min knows
 * that have a two-letter code (the others — Cebuano, Fula, … — have none and give null).
 */
const ISO_639_1: Readonly<Record<string, string>> = {
  spa: 'es',
  eng: 'en',
  por: 'pt',
  ind: 'id',
  fra: 'fr',
  deu: 'de',
  jav: 'jv',
  vie: 'vi',
  ita: 'it',
  tur: 'tr',
  pol: 'pl',
  swh: 'sw',
  sun: 'su',
  ron: 'ro',
  hau: 'ha',
  bos: 'bs',
  hrv: 'hr',
  nld: 'nl',
  srp: 'sr',
  ckb: 'ku',
  yor: 'yo',
  uzn: 'uz',
  zlm: 'ms',
  ibo: 'ig',
  tgl: 'tl',
  hun: 'hu',
  azj: 'az',
  ces: 'cs',
  run: 'rn',
  plt: 'mg',
  nya: 'ny',
  kin: 'rw',
  zul: 'zu',
  swe: 'sv',
  lin: 'ln',
  som: 'so',
  ilo: 'ilo',
  rus: 'ru',
  ukr: 'uk',
  bel: 'be',
  bul: 'bg',
  kaz: 'kk',
  arb: 'ar',
  urd: 'ur',
  pes: 'fa',
  pbu: 'ps',
  hin: 'hi',
  mar: 'mr',
  mai: 'mai',
  npi: 'ne',
  cmn: 'zh',
  ben: 'bn',
  jpn: 'ja',
  kor: 'ko',
  tel: 'te',
  tam: 'ta',
  guj: 'gu',
  kan: 'kn',
  mal: 'ml',
  pan: 'pa',
  amh: 'am',
  ell: 'el',
  heb: 'he',
  tha: 'th',
  khm: 'km',
  mya: 'my',
  kat: 'ka',
  hye: 'hy',
  sin: 'si',
  ori: 'or',
};

/**
 * Trigrams need text: on a headline alone (under this many characters) franc-min is often wrong —
 * "EU adopts 19th sanctions package against Russia on 23 October 2025" comes out French, "Slovaks
 * veto Russia sanctions at EU Council" too — so a shorter text gets no language (null) rather than a
 * wrong one, unless its letters settle it. A headline with its first paragraph is long enough.
 */
export const MIN_LANGUAGE_TEXT = 80;

/**
 * Letters of one Cyrillic alphabet alone, tried in this order: Ukrainian ї є ґ, Belarusian ў,
 * Serbian ђ ћ, Macedonian ѓ ќ ѕ; then ы э, which of the rest only Russian writes.
 */
const UNIQUE_LETTERS: readonly (readonly [RegExp, string])[] = [
  [/[їєґЇЄҐ]/u, 'uk'],
  [/[ўЎ]/u, 'be'],
  [/[ђћЂЋ]/u, 'sr'],
  [/[ѓќѕЃЌЅ]/u, 'mk'],
  [/[ыэЫЭ]/u, 'ru'],
];

/**
 * The language of a text as an ISO 639-1 code, or null when franc cannot tell (too short, or a
 * language without a two-letter code). A headline alone is often too short to tell; title and
 * summary together usually are. Only ISO 639-1 codes of two letters are returned.
 */
export function languageOf(text: string): string | null {
  // Letters only one Cyrillic alphabet has settle it before the trigrams: franc-min takes short
  // Ukrainian headlines for Serbian (test/unit/inbox-text.test.ts), and a headline is what we have.
  for (const [letters, code] of UNIQUE_LETTERS) if (letters.test(text)) return code;
  if ([...text.trim()].length < MIN_LANGUAGE_TEXT) return null;
  const code = ISO_639_1[franc(text, { minLength: MIN_LANGUAGE_TEXT })];
  return code !== undefined && code.length === 2 ? code : null;
}

/** A date given in a text, at the precision the text gives it. */
export interface TextDate {
  /** `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. */
  date: string;
  precision: Extract<Precision, 'day' | 'month' | 'year'>;
}

const PARSERS: Readonly<Record<string, chrono.Chrono>> = {
  en: chrono.en.casual,
  uk: chrono.uk.casual,
  ru: chrono.ru.casual,
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The first date a text gives for something (`on 15 August`, `15 серпня`, `in May 2025`), read
 * relative to `reference` (when the text was published): a day without a year gets the year chrono
 * implies from the reference (the nearest such day), and a relative date (`yesterday`) counts from it. Tried in the text's language first, then in
 * the others. A time of day is not kept: news gives days, and a day is what an update's date needs.
 * Null when the text gives none.
 */
export function dateInText(text: string, reference: Date, language: string | null = null): TextDate | null {
  const order = [language ?? 'en', ...Object.keys(PARSERS).filter((l) => l !== language)];
  for (const lang of order) {
    const parser = PARSERS[lang];
    if (!parser) continue;
    for (const result of parser.parse(text, reference)) {
      const s = result.start;
      // "in a week" after the reference is a span ("the fourth swap in a week"), not the event's
      // date; "yesterday" and "3 days ago" are dates.
      if (result.tags().has('result/relativeDate') && s.date() > reference) continue;
      if (!s.isCertain('month') && !s.isCertain('year') && !s.isCertain('day')) continue;
      // A weekday or "yesterday" is certain of its day through the reference: keep it as a day.
      const y = s.get('year');
      const m = s.get('month');
      const d = s.get('day');
      if (y === null || m === null || d === null) continue;
      if (s.isCertain('day') || (s.isCertain('weekday') && !s.isCertain('month')))
        return { date: `${pad(y, 4)}-${pad(m)}-${pad(d)}`, precision: 'day' };
      if (s.isCertain('month')) return { date: `${pad(y, 4)}-${pad(m)}`, precision: 'month' };
      if (s.isCertain('year')) return { date: pad(y, 4), precision: 'year' };
    }
  }
  return null;
}

/** The first instant of a text date's period, as a full UTC time. */
export const startOf = (d: TextDate): string =>
  d.precision === 'day'
    ? `${d.date}T00:00:00.000Z`
    : d.precision === 'month'
      ? `${d.date}-01T00:00:00.000Z`
      : `${d.date}-01-01T00:00:00.000Z`;
