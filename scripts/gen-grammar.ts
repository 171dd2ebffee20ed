/** Regenerates lang/grammar.ts from lang/pyql.ohm so Workers can bundle the grammar as a string. */
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const text = readFileSync(new URL('lang/pyql.ohm', root), 'utf8');
const out = `/** Generated from lang/pyql.ohm by scripts/gen-grammar.ts — edit the .ohm file, then regenerate. */
export const GRAMMAR_SOURCE = ${JSON.stringify(text)};
`;
writeFileSync(new URL('lang/grammar.ts', root), out);
