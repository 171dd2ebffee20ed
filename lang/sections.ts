/**
 * Splits segment and batch request bodies into sections: `@segment name [k=v] [flag]:` and
 * `@histogram name [k=v]` headers followed by an indented script, `@column col [k=v]` and `@use a,b`.
 * Bodies are dedented so each compiles as a standalone script; `line` lets errors point at the body.
 */
import { DbError } from './errors.ts';

export type SectionKind = 'segment' | 'use' | 'column' | 'histogram';

export interface Section {
  kind: SectionKind;
  /** Segment, column or histogram name; for `@use` the raw list text. */
  name: string;
  /** `@use a,b` → ['a','b']; `*` stays as ['*']. Empty for other kinds. */
  names: string[];
  /** `k=v` pairs from the header; a bare word (e.g. `use_cached`) maps to 'true'. */
  params: Record<string, string>;
  /** Dedented script of the section (empty for `@column` and `@use`). */
  body: string;
  /** 1-based line of the header in the request body. */
  line: number;
  /** Line of the request body holding the script's first line, minus one (add to a script line). */
  lineOffset: number;
}

const KINDS = new Set<string>(['segment', 'use', 'column', 'histogram']);

function headerError(line: number, detail: string, source: string): DbError {
  return new DbError('parse', 'bad_section', `line ${line}: ${detail}`, { line, column: 1, source });
}

function parseParams(tokens: string[], line: number, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tok of tokens.flatMap((t) => t.split('&')).filter((t) => t !== '')) {
    const eq = tok.indexOf('=');
    if (eq === 0) throw headerError(line, `bad parameter '${tok}'`, source);
    if (eq < 0) out[tok] = 'true';
    else out[tok.slice(0, eq)] = tok.slice(eq + 1);
  }
  return out;
}

function dedent(lines: string[]): string {
  let min = Infinity;
  for (const l of lines) {
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    const w = /^[ \t]*/.exec(l)![0].length;
    if (w < min) min = w;
  }
  const cut = min === Infinity ? 0 : min;
  return lines.map((l) => (l.trim() === '' ? '' : l.slice(cut))).join('\n');
}

export function splitSections(text: string): Section[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const sections: Section[] = [];
  let open: { section: Section; body: string[] } | null = null;
  const close = (): void => {
    if (!open) return;
    while (open.body.length > 0 && open.body[open.body.length - 1]!.trim() === '') open.body.pop();
    open.section.body = dedent(open.body);
    sections.push(open.section);
    open = null;
  };
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.startsWith('@')) {
      close();
      const header = raw.trim().replace(/:$/, '').trim();
      const [word, ...rest] = header.slice(1).split(/\s+/);
      const kind = word ?? '';
      if (!KINDS.has(kind)) throw headerError(line, `unknown section '@${kind}' (expected @segment, @use, @column or @histogram)`, raw);
      const name = kind === 'use' ? rest.join(' ') : (rest[0] ?? '');
      if (name === '') throw headerError(line, `@${kind} needs a name`, raw);
      const section: Section = {
        kind: kind as SectionKind,
        name,
        names: kind === 'use' ? rest.join('').split(',').map((s) => s.trim()).filter((s) => s !== '') : [],
        params: kind === 'use' ? {} : parseParams(rest.slice(1), line, raw),
        body: '',
        line,
        lineOffset: line,
      };
      open = { section, body: [] };
      return;
    }
    if (!open) {
      if (raw.trim() === '' || raw.trim().startsWith('#')) return;
      throw headerError(line, 'text before the first @section header', raw);
    }
    const cur: { section: Section; body: string[] } = open;
    if (cur.section.kind === 'use' || cur.section.kind === 'column') {
      if (raw.trim() !== '' && !raw.trim().startsWith('#')) throw headerError(line, `@${cur.section.kind} takes no script`, raw);
      return;
    }
    cur.body.push(raw);
  });
  close();
  return sections;
}

/** Durations in section headers: `90`, `90s`, `15m`, `2h`, `1d` → milliseconds. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!m) return null;
  const unit = m[2] === 'm' ? 60_000 : m[2] === 'h' ? 3_600_000 : m[2] === 'd' ? 86_400_000 : 1000;
  return Math.round(Number(m[1]) * unit);
}
