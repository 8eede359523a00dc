/**
 * How many distinct outlets make a status corroborated (contract 1.2 "Corroboration"). Apart from
 * outlets.ts, which loads the Public Suffix List (tldts, about 120 KiB): the list filters and boards
 * that only compare counts with it never load that list.
 */
export const CORROBORATING_OUTLETS = 2;
