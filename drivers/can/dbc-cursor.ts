/**
 * A cursor over DBC tokens with the small vocabulary the parser is written in: peek, expect a
 * kind of token (or fail with a DbcSyntaxError at that token's line and column), skip a statement.
 */
import { DbcSyntaxError } from './errors.js';
import type { Token } from './dbc-lexer.js';

/** Keywords that begin a top-level statement; a skip stops at one of these when it starts a line. */
export const KEYWORDS = new Set([
  'VERSION', 'NS_', 'BS_', 'BU_', 'BO_', 'SG_', 'CM_', 'BA_DEF_', 'BA_', 'BA_DEF_DEF_', 'VAL_', 'VAL_TABLE_',
  'EV_', 'ENVVAR_DATA_', 'SGTYPE_', 'SGTYPE_VAL_', 'BA_DEF_SGTYPE_', 'BA_SGTYPE_', 'SIG_TYPE_REF_', 'SIG_GROUP_',
  'SIG_VALTYPE_', 'SIGTYPE_VALTYPE_', 'BO_TX_BU_', 'BA_DEF_REL_', 'BA_REL_', 'BA_DEF_DEF_REL_', 'BU_SG_REL_',
  'BU_EV_REL_', 'BU_BO_REL_', 'SG_MUL_VAL_', 'CAT_DEF_', 'CAT_', 'FILTER', 'NS_DESC_',
]);

export class TokenCursor {
  protected pos = 0;

  constructor(
    protected readonly tokens: Token[],
    protected readonly file: string,
  ) {}

  protected peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }
  protected next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }
  protected fail(t: Token, reason: string): never {
    throw new DbcSyntaxError(this.file, t.line, t.column, reason);
  }
  protected describe(t: Token): string {
    return t.kind === 'eof' ? 'end of file' : `${t.kind} "${t.text}"`;
  }
  protected expectPunct(ch: string): Token {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== ch) this.fail(t, `expected "${ch}", found ${this.describe(t)}`);
    return t;
  }
  protected isPunct(ch: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === ch;
  }
  protected expectIdent(what: string): string {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(t, `expected ${what}, found ${this.describe(t)}`);
    return t.text;
  }
  protected expectString(what: string): string {
    const t = this.next();
    if (t.kind !== 'string') this.fail(t, `expected ${what} (a quoted string), found ${this.describe(t)}`);
    return t.text;
  }
  /** A number with an optional sign token in front of it. */
  protected expectNumber(what: string): number {
    let sign = 1;
    if (this.isPunct('-') || this.isPunct('+')) sign = this.next().text === '-' ? -1 : 1;
    const t = this.next();
    if (t.kind !== 'number') this.fail(t, `expected ${what} (a number), found ${this.describe(t)}`);
    const value = sign * Number(t.text);
    if (!Number.isFinite(value)) this.fail(t, `${what} "${t.text}" is not a finite number`);
    return value;
  }
  protected expectInt(what: string, min: number, max: number): number {
    const t = this.peek();
    const value = this.expectNumber(what);
    if (!Number.isInteger(value) || value < min || value > max) this.fail(t, `${what} must be an integer in ${min}..${max}, found ${value}`);
    return value;
  }
  /** Skips the rest of a statement: through its `;`, or up to the next keyword that starts a line. */
  protected skipStatement(): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') return;
      if (t.kind === 'punct' && t.text === ';') {
        this.pos++;
        return;
      }
      if (t.kind === 'ident' && t.firstOnLine && KEYWORDS.has(t.text) && this.pos > 0) return;
      this.pos++;
    }
  }
}
