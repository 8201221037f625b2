/**
 * Tokenizer for DBC text. Tokens keep their 1-based line and column so that every syntax error can
 * point at the exact place. Signs are separate punctuation tokens (never part of a number) because
 * DBC uses `-` both as a sign (`(-0.1,0)`) and as a separator (`@0-`, SG_MUL_VAL_ `0-3`).
 */
import { DbcSyntaxError } from './errors.js';

export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  column: number;
  /** True when no other token precedes this one on its line. */
  firstOnLine: boolean;
}

const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);

export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let lastTokenLine = 0;
  const push = (kind: TokenKind, start: number, end: number, startLine: number, startCol: number, value?: string): void => {
    tokens.push({ kind, text: value ?? text.slice(start, end), line: startLine, column: startCol, firstOnLine: lastTokenLine !== startLine });
    lastTokenLine = startLine;
  };
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 0xfeff || c === 12 || c === 11) {
      i++;
      continue;
    }
    const column = i - lineStart + 1;
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      // `//` line comment (tolerated by most tools, not part of the spec).
      while (i < text.length && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 34) {
      const startLine = line;
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new DbcSyntaxError(file, startLine, column, 'unterminated string');
        const d = text.charCodeAt(j);
        if (d === 34) break;
        if (d === 92 && j + 1 < text.length) {
          value += text[j + 1];
          if (text.charCodeAt(j + 1) === 10) {
            line++;
            lineStart = j + 2;
          }
          j += 2;
          continue;
        }
        if (d === 10) {
          line++;
          lineStart = j + 1;
        }
        if (d !== 13) value += text[j];
        j++;
      }
      push('string', i, j + 1, startLine, column, value);
      i = j + 1;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      let j = i;
      if (c === 48 && (text.charCodeAt(i + 1) | 32) === 120) {
        j += 2; // 0x... hex literal (non-standard but seen in the wild)
        while (j < text.length && /[0-9a-fA-F]/.test(text[j] as string)) j++;
      } else {
        while (j < text.length && isDigit(text.charCodeAt(j))) j++;
        if (text.charCodeAt(j) === 46) {
          j++;
          while (j < text.length && isDigit(text.charCodeAt(j))) j++;
        }
        const e = text.charCodeAt(j) | 32;
        if (e === 101) {
          let k = j + 1;
          if (text[k] === '+' || text[k] === '-') k++;
          if (isDigit(text.charCodeAt(k))) {
            while (k < text.length && isDigit(text.charCodeAt(k))) k++;
            j = k;
          }
        }
      }
      // A number running straight into letters (e.g. `12abc`) is an identifier-like word: keep it whole.
      if (j < text.length && isIdentStart(text.charCodeAt(j))) {
        while (j < text.length && isIdentPart(text.charCodeAt(j))) j++;
        push('ident', i, j, line, column);
      } else push('number', i, j, line, column);
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < text.length && isIdentPart(text.charCodeAt(j))) j++;
      push('ident', i, j, line, column);
      i = j;
      continue;
    }
    push('punct', i, i + 1, line, column);
    i++;
  }
  tokens.push({ kind: 'eof', text: '', line, column: i - lineStart + 1, firstOnLine: true });
  return tokens;
}
