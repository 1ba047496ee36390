// A small subset of CEL, the expression language Inngest uses for trigger `if`, cancelOn,
// waitForEvent `if`, concurrency/idempotency/singleton keys. Enough for what functions write
// in practice: dotted paths on `event` / `async`, literals, comparison, `&&`, `||`, `!`, `+`.
// Like CEL, reading a missing field is an error, and a comparison that hits one is false
// (so `event.data.x == async.data.x` never matches two events that both lack `x`).

type Token = { type: "num" | "str" | "id" | "op"; value: string };
type Scope = Record<string, unknown>;

const MISSING = Symbol("missing");

export class ExpressionError extends Error {}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let value = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) j++;
        value += src[j++];
      }
      if (j >= src.length) throw new ExpressionError(`unterminated string in ${src}`);
      tokens.push({ type: "str", value });
      i = j + 1;
      continue;
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      tokens.push({ type: "num", value: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      tokens.push({ type: "id", value: id[0] });
      i += id[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|&&|\|\||[<>!+\-().[\]])/.exec(src.slice(i));
    if (!op) throw new ExpressionError(`unexpected "${c}" in ${src}`);
    tokens.push({ type: "op", value: op[0] });
    i += op[0].length;
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(
    private tokens: Token[],
    private scope: Scope,
    private src: string,
  ) {}

  parse(): unknown {
    const value = this.or();
    if (this.pos < this.tokens.length) throw new ExpressionError(`unexpected "${this.tokens[this.pos].value}" in ${this.src}`);
    return value;
  }
  private peek(value: string) {
    const t = this.tokens[this.pos];
    return t?.type === "op" && t.value === value;
  }
  private eat(value: string) {
    if (!this.peek(value)) throw new ExpressionError(`expected "${value}" in ${this.src}`);
    this.pos++;
  }
  private or(): unknown {
    let left = this.and();
    while (this.peek("||")) {
      this.pos++;
      const right = this.and();
      left = truthy(left) || truthy(right);
    }
    return left;
  }
  private and(): unknown {
    let left = this.equality();
    while (this.peek("&&")) {
      this.pos++;
      const right = this.equality();
      left = truthy(left) && truthy(right);
    }
    return left;
  }
  private equality(): unknown {
    let left = this.relation();
    while (this.peek("==") || this.peek("!=")) {
      const op = this.tokens[this.pos++].value;
      const right = this.relation();
      left = left === MISSING || right === MISSING ? false : op === "==" ? equal(left, right) : !equal(left, right);
    }
    return left;
  }
  private relation(): unknown {
    const left = this.additive();
    for (const op of ["<=", ">=", "<", ">"]) {
      if (!this.peek(op)) continue;
      this.pos++;
      const right = this.additive();
      if (left === MISSING || right === MISSING || typeof left !== typeof right) return false;
      const [a, b] = [left as number, right as number];
      return op === "<" ? a < b : op === ">" ? a > b : op === "<=" ? a <= b : a >= b;
    }
    return left;
  }
  private additive(): unknown {
    let left = this.unary();
    while (this.peek("+") || this.peek("-")) {
      const op = this.tokens[this.pos++].value;
      const right = this.unary();
      if (left === MISSING || right === MISSING) left = MISSING;
      else if (op === "+") left = typeof left === "number" && typeof right === "number" ? left + right : `${String(left)}${String(right)}`;
      else left = Number(left) - Number(right);
    }
    return left;
  }
  private unary(): unknown {
    if (this.peek("!")) {
      this.pos++;
      const v = this.unary();
      return v === MISSING ? false : !truthy(v);
    }
    if (this.peek("-")) {
      this.pos++;
      return -Number(this.unary());
    }
    return this.member(this.primary());
  }
  private primary(): unknown {
    const t = this.tokens[this.pos++];
    if (!t) throw new ExpressionError(`unexpected end of ${this.src}`);
    if (t.type === "num") return Number(t.value);
    if (t.type === "str") return t.value;
    if (t.type === "op" && t.value === "(") {
      const v = this.or();
      this.eat(")");
      return v;
    }
    if (t.type === "id") {
      if (t.value === "true") return true;
      if (t.value === "false") return false;
      if (t.value === "null") return null;
      return t.value in this.scope ? this.scope[t.value] : MISSING;
    }
    throw new ExpressionError(`unexpected "${t.value}" in ${this.src}`);
  }
  private member(base: unknown): unknown {
    let value = base;
    for (;;) {
      if (this.peek(".")) {
        this.pos++;
        const t = this.tokens[this.pos++];
        if (t?.type !== "id") throw new ExpressionError(`expected a field name in ${this.src}`);
        value = field(value, t.value);
      } else if (this.peek("[")) {
        this.pos++;
        const key = this.or();
        this.eat("]");
        value = field(value, key);
      } else return value;
    }
  }
}

function field(value: unknown, key: unknown): unknown {
  if (value === MISSING || value === null || typeof value !== "object") return MISSING;
  const k = String(key);
  return Object.prototype.hasOwnProperty.call(value, k) ? (value as Record<string, unknown>)[k] : MISSING;
}

function truthy(v: unknown): boolean {
  return v !== MISSING && Boolean(v);
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return a === b;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Evaluates an expression; a missing field yields `undefined`. Throws ExpressionError on bad syntax. */
export function evaluate(src: string, scope: Scope): unknown {
  const value = new Parser(tokenize(src), scope, src).parse();
  return value === MISSING ? undefined : value;
}

/** Boolean form used by filters: a syntax error or a missing field is "no match". */
export function matches(src: string | undefined, scope: Scope): boolean {
  if (!src || !src.trim()) return true;
  try {
    return truthy(new Parser(tokenize(src), scope, src).parse());
  } catch {
    return false;
  }
}

/** Key form used by concurrency, idempotency and singleton: values become strings. */
export function evaluateKey(src: string, scope: Scope): string {
  try {
    const value = evaluate(src, scope);
    return typeof value === "string" ? value : JSON.stringify(value ?? null);
  } catch {
    return "null";
  }
}
