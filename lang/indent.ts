/**
 * Indentation pre-pass: turns a PyQL script into logical lines framed by INDENT/DEDENT marker
 * characters so the Ohm grammar can stay context-free. It also strips comments, joins lines
 * (inside brackets, after a trailing backslash, and for block headers that have not reached their
 * `:`), accepts CRLF and counts a tab as 4 spaces. Every output character maps back to an
 * original line and column so errors can point at the user's text.
 */
import { DbError } from './errors.ts';

export const INDENT = '\u0001';
export const DEDENT = '\u0002';

export interface Prepared {
  text: string;
  /** Original 1-based line of each output character (one extra entry for end of input). */
  lines: Int32Array;
  /** Original 1-based column of each output character. */
  cols: Int32Array;
  /** The original source lines, for error messages. */
  source: string[];
}

const HEADER_WORDS = new Set(['if', 'elif', 'else', 'for', 'while', 'match', 'reverse_match', 'def']);

/** Leading identifier of a line, used to recognise block headers. */
function firstWord(s: string): string {
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s);
  return m ? m[0] : '';
}

export function compileError(code: string, detail: string, line: number, column: number, source: string[]): DbError {
  return new DbError('parse', code, detail, { line, column, source: source[line - 1] ?? '' });
}

export function prepare(script: string): Prepared {
  const source = script.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  const lines: number[] = [];
  const cols: number[] = [];
  const push = (ch: string, line: number, col: number): void => {
    out.push(ch);
    lines.push(line);
    cols.push(col);
  };

  const stack = [0];
  let i = 0;
  while (i < source.length) {
    const first = source[i]!;
    const { width, offset } = measureIndent(first);
    const rest = first.slice(offset);
    if (rest === '' || rest.startsWith('#')) {
      i++;
      continue;
    }
    const lineNo = i + 1;
    if (width > stack[stack.length - 1]!) {
      stack.push(width);
      push(INDENT, lineNo, offset + 1);
    } else {
      while (width < stack[stack.length - 1]!) {
        stack.pop();
        push(DEDENT, lineNo, offset + 1);
      }
      if (width !== stack[stack.length - 1]) {
        throw compileError('bad_indent', `line ${lineNo}: dedent to a width that no enclosing block uses`, lineNo, offset + 1, source);
      }
    }
    // One logical line, possibly spanning several physical lines.
    const header = HEADER_WORDS.has(firstWord(rest));
    let depth = 0;
    let sawColon = false;
    let physical = i;
    let col = offset;
    for (;;) {
      const text = source[physical]!;
      let quote = '';
      let lastSignificant = -1;
      let outAtLastSignificant = out.length;
      for (; col < text.length; col++) {
        const ch = text[col]!;
        if (quote) {
          push(ch, physical + 1, col + 1);
          if (ch === '\\' && col + 1 < text.length) {
            col++;
            push(text[col]!, physical + 1, col + 1);
          } else if (ch === quote) {
            quote = '';
          }
          lastSignificant = col;
          outAtLastSignificant = out.length;
          continue;
        }
        if (ch === '#') break;
        if (ch === "'" || ch === '"') quote = ch;
        else if (ch === '(' || ch === '[' || ch === '{') depth++;
        else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
        else if (ch === ':' && depth === 0) sawColon = true;
        push(ch, physical + 1, col + 1);
        if (ch !== ' ' && ch !== '\t') {
          lastSignificant = col;
          outAtLastSignificant = out.length;
        }
      }
      if (quote) {
        throw compileError('unterminated_string', `line ${physical + 1}: string is not closed on this line`, physical + 1, text.length + 1, source);
      }
      // Drop trailing blanks so a backslash or colon is really last.
      out.length = outAtLastSignificant;
      lines.length = outAtLastSignificant;
      cols.length = outAtLastSignificant;
      const backslash = lastSignificant >= 0 && text[lastSignificant] === '\\';
      if (backslash) {
        out.length--;
        lines.length--;
        cols.length--;
      }
      const more = physical + 1 < source.length;
      if (more && (depth > 0 || backslash || (header && !sawColon))) {
        push(' ', physical + 1, text.length + 1);
        physical++;
        col = measureIndent(source[physical]!).offset;
        continue;
      }
      push('\n', physical + 1, text.length + 1);
      break;
    }
    i = physical + 1;
  }
  const endLine = source.length;
  const endCol = (source[endLine - 1] ?? '').length + 1;
  while (stack.length > 1) {
    stack.pop();
    push(DEDENT, endLine, endCol);
  }
  lines.push(endLine);
  cols.push(endCol);
  return { text: out.join(''), lines: Int32Array.from(lines), cols: Int32Array.from(cols), source };
}

function measureIndent(line: string): { width: number; offset: number } {
  let width = 0;
  let offset = 0;
  for (; offset < line.length; offset++) {
    const ch = line[offset];
    if (ch === ' ') width++;
    else if (ch === '\t') width += 4;
    else break;
  }
  return { width, offset };
}
