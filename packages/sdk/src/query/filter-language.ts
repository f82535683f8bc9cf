/**
 * The filter language: the spec's `"query": "tags LIKE '#person:%'"` form, a small documented
 * language that parses to the same `QuerySpec` an `@query()` method compiles to (never to SQL).
 *
 *   query  := [FROM (entries | <Model>)] [WHERE] cond (AND cond)* [ORDER BY field [ASC|DESC]] [LIMIT n]
 *   cond   := field op value | field IS [NOT] NULL | field IN (value, …) | field CONTAINS value
 *   op     := = | != | <> | < | <= | > | >= | LIKE
 *   value  := 'text' ('' inside is a quote) | number | TRUE | FALSE | NULL | :param
 *
 * Keywords are case-insensitive; the source is entries when no FROM is given. Anything outside
 * the language is an error at its offset in the text (the ui_manifest check turns that into a
 * line and column of the file).
 * @see docs/queries.md#the-filter-language
 */
import { MAX_QUERY_LIMIT, QUERY_FIELD_PATTERN, type QueryOp } from "./constants.js";
import type { QueryFilter, QuerySpec, QueryValue } from "./spec.js";

export interface FilterError {
  /** Offset of the problem in the text, and how many characters it spans. */
  offset: number;
  length: number;
  message: string;
}

export type FilterParse = { ok: true; spec: QuerySpec; params: string[] } | { ok: false; error: FilterError };

type TokenKind = "word" | "string" | "number" | "param" | "symbol" | "end";
interface Token {
  kind: TokenKind;
  text: string;
  value: string | number;
  offset: number;
}

class FilterSyntaxError extends Error {
  constructor(readonly at: FilterError) {
    super(at.message);
  }
}

const fail = (token: Pick<Token, "offset" | "text">, message: string): never => {
  throw new FilterSyntaxError({ offset: token.offset, length: Math.max(1, token.text.length), message });
};

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) fail({ offset: start, text: text.slice(start) }, "unterminated string: close it with '");
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: "string", text: text.slice(start, i), value, offset: start });
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(text[i + 1] ?? ""))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i))!;
      i += match[0].length;
      tokens.push({ kind: "number", text: match[0], value: Number(match[0]), offset: start });
    } else if (c === ":") {
      const match = /^:([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
      if (!match) fail({ offset: start, text: ":" }, "a parameter is :name");
      i += match![0].length;
      tokens.push({ kind: "param", text: match![0], value: match![1]!, offset: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i))!;
      i += match[0].length;
      tokens.push({ kind: "word", text: match[0], value: match[0], offset: start });
    } else {
      const match = /^(<=|>=|!=|<>|=|<|>|\(|\)|,)/.exec(text.slice(i));
      if (!match) fail({ offset: start, text: c }, `unexpected "${c}": the filter language has no such symbol`);
      i += match![0].length;
      tokens.push({ kind: "symbol", text: match![0], value: match![0], offset: start });
    }
  }
  tokens.push({ kind: "end", text: "", value: "", offset: text.length });
  return tokens;
}

const KEYWORDS = new Set(["from", "where", "and", "or", "not", "order", "by", "asc", "desc", "limit", "is", "null", "in", "like", "contains", "true", "false"]);

class Parser {
  private i = 0;
  readonly params = new Set<string>();

  constructor(private readonly tokens: Token[]) {}

  private get token(): Token {
    return this.tokens[this.i]!;
  }

  private isWord(word: string): boolean {
    return this.token.kind === "word" && this.token.text.toLowerCase() === word;
  }

  private take(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.i++;
    return true;
  }

  private expect(word: string, why: string): void {
    if (!this.take(word)) fail(this.token, `expected ${word.toUpperCase()} ${why}, found ${this.describe()}`);
  }

  private describe(): string {
    return this.token.kind === "end" ? "the end of the query" : `"${this.token.text}"`;
  }

  private field(): string {
    const token = this.token;
    if (token.kind !== "word" || KEYWORDS.has(token.text.toLowerCase())) fail(token, `expected a field name, found ${this.describe()}`);
    if (!QUERY_FIELD_PATTERN.test(token.text)) fail(token, `"${token.text}" is not a field: at most three dotted names, like exif.latitude`);
    this.i++;
    return token.text;
  }

  private value(): QueryValue {
    const token = this.token;
    this.i++;
    if (token.kind === "string" || token.kind === "number") return token.value;
    if (token.kind === "param") {
      this.params.add(String(token.value));
      return { param: String(token.value) };
    }
    if (token.kind === "word") {
      const word = token.text.toLowerCase();
      if (word === "true" || word === "false") return word === "true";
      if (word === "null") return null;
    }
    this.i--;
    return fail(token, `expected a value ('text', a number, TRUE, FALSE, NULL or :param), found ${this.describe()}`);
  }

  private condition(): QueryFilter {
    const field = this.field();
    const token = this.token;
    if (this.take("is")) {
      const negated = this.take("not");
      this.expect("null", "after IS");
      return { field, op: negated ? "!=" : "=", value: null };
    }
    if (this.take("in")) {
      if (this.token.text !== "(") fail(this.token, `expected ( after IN, found ${this.describe()}`);
      this.i++;
      const values: Array<string | number | boolean> = [];
      for (;;) {
        const at = this.token;
        const value = this.value();
        if (value === null || typeof value === "object") fail(at, "IN takes literal values only ('text', numbers, TRUE, FALSE)");
        values.push(value as string | number | boolean);
        if (this.token.text === ",") {
          this.i++;
          continue;
        }
        if (this.token.text === ")") {
          this.i++;
          break;
        }
        fail(this.token, `expected , or ) in the IN list, found ${this.describe()}`);
      }
      return { field, op: "in", value: values };
    }
    let op: QueryOp;
    if (this.take("like")) op = "like";
    else if (this.take("contains")) op = "contains";
    else if (token.kind === "symbol" && ["=", "!=", "<>", "<", "<=", ">", ">="].includes(token.text)) {
      op = (token.text === "<>" ? "!=" : token.text) as QueryOp;
      this.i++;
    } else if (this.isWord("or")) return fail(token, "OR is not part of the filter language: declare an @query() method, or use IN (…)");
    else return fail(token, `expected an operator (=, !=, <, <=, >, >=, LIKE, IN, CONTAINS, IS NULL) after ${field}, found ${this.describe()}`);
    const at = this.token;
    const value = this.value();
    if (op === "like" && typeof value !== "string" && !(typeof value === "object" && value !== null)) fail(at, "LIKE takes a 'pattern'");
    return { field, op, value };
  }

  parse(): QuerySpec {
    let from: QuerySpec["from"] = { kind: "entries" };
    if (this.take("from")) {
      const token = this.token;
      if (token.kind !== "word" || KEYWORDS.has(token.text.toLowerCase()) || token.text.includes(".")) fail(token, `expected entries or a model name after FROM, found ${this.describe()}`);
      this.i++;
      from = token.text.toLowerCase() === "entries" ? { kind: "entries" } : { kind: "models", model: token.text };
    }
    const where: QueryFilter[] = [];
    const hasWhere = this.take("where");
    const startsCondition = this.token.kind === "word" && !this.isWord("order") && !this.isWord("limit");
    if (hasWhere || startsCondition) {
      where.push(this.condition());
      while (this.take("and")) where.push(this.condition());
    }
    const spec: QuerySpec = { from, where, show: {} };
    if (this.take("order")) {
      this.expect("by", "after ORDER");
      const field = this.field();
      const direction = this.take("desc") ? "desc" : (this.take("asc"), "asc");
      spec.orderBy = { field, direction };
    }
    if (this.take("limit")) {
      const token = this.token;
      if (token.kind !== "number" || !Number.isInteger(token.value) || (token.value as number) < 1 || (token.value as number) > MAX_QUERY_LIMIT) {
        fail(token, `LIMIT takes a whole number from 1 to ${MAX_QUERY_LIMIT}`);
      }
      this.i++;
      spec.limit = token.value as number;
    }
    if (this.token.kind !== "end") {
      if (this.isWord("or")) fail(this.token, "OR is not part of the filter language: declare an @query() method, or use IN (…)");
      fail(this.token, `unexpected ${this.describe()}: conditions are joined with AND, then ORDER BY and LIMIT`);
    }
    return spec;
  }
}

/** Parses filter-language text into a `QuerySpec`, or the first error with its offset. */
export function parseFilter(text: string): FilterParse {
  try {
    const parser = new Parser(tokenize(text));
    const spec = parser.parse();
    return { ok: true, spec, params: [...parser.params] };
  } catch (error) {
    if (error instanceof FilterSyntaxError) return { ok: false, error: error.at };
    throw error;
  }
}
