/**
 * Where a Nix module file assigns config values, found by reading its text: every
 * `a.b."c" = value;` with its full attribute path below the module's config (nested
 * blocks, `config.` and `config = { ... }` resolved), the priority wrappers around it
 * (mkForce, mkDefault, mkOverride N), its value when it is a literal, and which
 * conditional branch (mkIf, mkMerge element, if-then-else, `//` operand) it sits in.
 *
 * Each branch is one definition in the module system's eyes: a mkMerge element, an mkIf
 * content, a module of a module list. (`a // b` is one definition.)
 *
 * The module system records a definition's file but never its line; this is how a line
 * is found. It reads text, so it can be wrong: callers choose among these assignments
 * only where priority and value agree with what the module system reports, and say so
 * when several remain.
 */
import { tokenize, type Token } from './nix-tokens.js';

/** An attribute name, or `null` for one computed at evaluation time (`"${name}"`). */
export type Segment = string | null;

/** A literal value as JSON, or `undefined` when the text is not a literal. */
export type Literal = unknown;

export interface Wrapper {
  /** Length of the attribute path whose value it wraps. */
  depth: number;
  /** Its priority; null when written with a priority that is not a literal. */
  priority: number | null;
}

export interface Branch {
  id: number;
  /** Length of the attribute path at which the branch was opened. */
  depth: number;
  /**
   * The condition it depends on, as written (`cfg.enable`; `!(c)` for an else branch);
   * none for a mkMerge element or a module of a module list, which are always there.
   */
  condition?: string;
}

export interface Assignment {
  line: number;
  path: Segment[];
  /** The value is an attribute set written out (its attributes are assignments too). */
  block: boolean;
  value?: Literal;
  wrappers: Wrapper[];
  /** The conditional branches it sits in, outermost first. */
  branches: Branch[];
}

const PRIORITY_WRAPPERS = new Map([
  ['mkForce', 50],
  ['mkVMOverride', 10],
  ['mkImageMediaOverride', 60],
  ['mkDefault', 1000],
  ['mkOptionDefault', 1500],
]);
const ORDER_WRAPPERS = new Set(['mkBefore', 'mkAfter', 'mkOrder', 'mkFixStrictness']);
/** Attributes of a module that are not config. */
const MODULE_META = new Set(['options', '_file', 'key', 'disabledModules', 'meta', 'freeformType', '_class']);
/**
 * What ends an expression where a function application can stand: the end of a binding,
 * `assert` or `with`, of parentheses, of an if's condition or branch. (A list holds atoms,
 * formals are skipped whole, and a `let` body follows its bindings' `;`.)
 */
const STOP = new Set([';', ')', 'then', 'else']);
const BINARY = new Set(['//', '++', '+', '-', '*', '/', '==', '!=', '<', '>', '<=', '>=', '&&', '||', '->', '?']);

interface Context {
  /** Attribute path below the module's config; null where values are not config (let, options). */
  path: Segment[] | null;
  wrappers: Wrapper[];
  branches: Branch[];
  /** The next attribute set is a module: `config`, `options`, `imports` have their meaning. */
  moduleRoot: boolean;
  /** Line of the binding whose value this is. */
  line?: number;
}

const NOT_CONFIG: Context = {
  path: null,
  // Stryker disable next-line ArrayDeclaration: no context without a config path (null, or a module list's) records an assignment
  wrappers: [],
  branches: [],
  // Stryker disable next-line BooleanLiteral: bindingContext asks no context without a config path whether it is a module's root
  moduleRoot: false,
};

/** What an expression turned out to be, for the assignment it is the value of. */
interface Shape {
  block: boolean;
  opaque: boolean;
  value?: Literal;
}

const OPAQUE: Shape = { block: false, opaque: true };
const BLOCK: Shape = {
  block: true,
  // Stryker disable next-line BooleanLiteral: a block's opaqueness is never read (record and list test block first)
  opaque: false,
};

/** Every config assignment in a Nix file, by line; an empty list when the text cannot be read as Nix. */
export function findAssignments(source: string): Assignment[] {
  const parser = new Parser(tokenize(source));
  try {
    parser.expression({ path: [], wrappers: [], branches: [], moduleRoot: true });
  } catch {
    return [];
  }
  return parser.found.sort((a, b) => a.line - b.line || a.path.length - b.path.length);
}

/**
 * The path of a module list (`imports = [ ... ]`, or `modules = [ ... ]` outside config:
 * evalModules, nixosSystem), told by identity: no binding is recorded at it.
 */
const MODULE_LIST: Segment[] = [];

class Parser {
  readonly found: Assignment[] = [];
  private i = 0;
  private branchIds = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }

  /** Whether the token `k` ahead is this punctuation or keyword (a string's text has its quotes). */
  private is(text: string, k = 0): boolean {
    return this.peek(k)?.text === text;
  }

  private next(): Token {
    const t = this.tokens[this.i++];
    // Stryker disable next-line StringLiteral: findAssignments discards every error's message
    if (!t) throw new Error('unexpected end of file');
    return t;
  }

  private expect(text: string): void {
    // Stryker disable next-line StringLiteral,LogicalOperator,OptionalChaining: findAssignments discards every error, a TypeError past the end as well
    if (!this.is(text)) throw new Error(`expected ${text} at line ${this.peek()?.line ?? 'end'}`);
    this.i++;
  }

  private branch(ctx: Context, depth = ctx.path?.length ?? 0, condition?: string): Branch[] {
    return [...ctx.branches, { id: ++this.branchIds, depth, condition }];
  }

  private inBranch(ctx: Context, condition?: string): Context {
    return { ...ctx, branches: this.branch(ctx, undefined, condition) };
  }

  /** The source text of the tokens from `start` up to the current one, as a condition's identity. */
  private textFrom(start: number): string {
    return this.tokens.slice(start, this.i).map((t) => t.text).join(' ');
  }

  private wrap(ctx: Context, priority: number | null): Context {
    return { ...ctx, wrappers: [...ctx.wrappers, { depth: ctx.path?.length ?? 0, priority }] };
  }

  private atEnd(): boolean {
    const t = this.peek();
    return t === undefined || BINARY.has(t.text) || STOP.has(t.text);
  }

  /** An expression whose value is assigned at `ctx.path`. */
  expression(ctx: Context): Shape {
    if (this.is('let')) {
      this.i++;
      this.bindings(NOT_CONFIG, 'in');
      this.expect('in');
      return this.expression(ctx);
    }
    if (this.is('with') || this.is('assert')) {
      this.i++;
      this.expression(NOT_CONFIG);
      this.expect(';');
      return this.expression(ctx);
    }
    if (this.is('if')) {
      this.i++;
      const start = this.i;
      this.expression(NOT_CONFIG);
      const condition = this.textFrom(start);
      this.expect('then');
      this.expression(this.inBranch(ctx, condition));
      this.expect('else');
      this.expression(this.inBranch(ctx, `!(${condition})`));
      return OPAQUE;
    }
    if (this.isLambda()) {
      this.skipFormals();
      // A function at a config path is a module (a submodule written as a function).
      return this.expression({ ...ctx, moduleRoot: true });
    }
    return this.operators(ctx);
  }

  /** `x: ...`, `x@{ ... }: ...`, `{ ... }: ...` or `{ ... }@x: ...` */
  private isLambda(): boolean {
    if (this.is(':', 1) || this.is('@', 1)) return true;
    if (!this.is('{')) return false;
    const after = this.tokens[this.matching(this.i) + 1]?.text;
    return after === ':' || after === '@';
  }

  /** Index of the token closing the bracket at `open`. */
  private matching(open: number): number {
    let depth = 0;
    for (let k = open; k < this.tokens.length; k++) {
      const t = this.tokens[k]!;
      if (t.text === '{' || t.text === '[' || t.text === '(') depth++;
      else if (t.text === '}' || t.text === ']' || t.text === ')') {
        depth--;
        if (depth === 0) return k;
      }
    }
    // Stryker disable next-line StringLiteral: findAssignments discards every error's message
    throw new Error('unbalanced brackets');
  }

  private skipFormals(): void {
    if (this.peek()!.kind === 'id') {
      this.i++;
      if (this.is('@')) {
        // Stryker disable next-line ArithmeticOperator: the name and `@` before the `{` are no brackets, so a scan from either closes at the same token
        const brace = this.i + 1;
        this.i = this.matching(brace) + 1;
      }
    } else {
      this.i = this.matching(this.i) + 1;
      if (this.is('@')) this.i += 2;
    }
    this.expect(':');
  }

  /** Applications joined by binary operators: only the operands of `//` stay config (one definition). */
  private operators(ctx: Context): Shape {
    const start = this.i;
    const operands = [start];
    const ops: string[] = [];
    this.skipApplication();
    // Stryker disable next-line StringLiteral: any text that is no operator stands for the end of the text here
    while (BINARY.has(this.peek()?.text ?? '')) {
      ops.push(this.next().text);
      operands.push(this.i);
      this.skipApplication();
    }
    if (ops.length === 0) {
      this.i = start;
      return this.application(ctx);
    }
    const end = this.i;
    const update = ops.every((o) => o === '//');
    for (const at of operands) {
      this.i = at;
      this.application(update ? ctx : NOT_CONFIG);
    }
    this.i = end;
    return update ? OPAQUE : this.record(ctx, OPAQUE);
  }

  /** Atoms up to the end of an application (a prefix `!` or `-` counts as one). */
  private skipApplication(): void {
    do this.skipAtom();
    while (!this.atEnd());
  }

  private skipAtom(): void {
    const t = this.next();
    if (t.text === '{' || t.text === '[' || t.text === '(') this.i = this.matching(this.i - 1) + 1;
    else if (t.text === 'rec' && this.is('{')) this.i = this.matching(this.i) + 1;
    this.skipSelectionTail();
  }

  /** `.a."b".${c}` and `or default` after an atom. */
  private skipSelectionTail(): void {
    while (this.is('.')) {
      this.i++;
      this.next();
    }
    if (this.is('or')) {
      this.i++;
      this.skipAtom();
    }
  }

  /** A function application or a single atom; the module system's wrappers are understood. */
  private application(ctx: Context): Shape {
    if (this.is('-') && this.peek(1)?.kind === 'number') {
      this.i++;
      const n = Number(this.next().text);
      return this.atEnd() ? this.record(ctx, { block: false, opaque: false, value: -n }) : this.opaqueRest(ctx);
    }
    const head = this.i;
    const name = this.lastName();
    if (!this.atEnd()) {
      const priority = PRIORITY_WRAPPERS.get(name);
      if (priority !== undefined) return this.lastArgument(this.wrap(ctx, priority));
      if (name === 'mkOverride') {
        const p = this.peek()!;
        this.skipAtom();
        return this.lastArgument(this.wrap(ctx, p.kind === 'number' ? Number(p.text) : null));
      }
      if (name === 'mkOrder') this.skipAtom();
      if (ORDER_WRAPPERS.has(name)) return this.lastArgument(ctx);
      if (name === 'mkMerge' && this.is('[')) {
        this.i++;
        while (!this.is(']')) this.atom(this.inBranch(ctx));
        this.i++;
        return this.atEnd() ? OPAQUE : this.opaqueRest(ctx);
      }
      if (name === 'mkIf' || name === 'optionalAttrs') {
        const start = this.i;
        this.skipAtom();
        return this.lastArgument(this.inBranch(ctx, this.textFrom(start)));
      }
    }
    this.i = head;
    return this.lastArgument(ctx);
  }

  /**
   * The name a reference ends in (`lib.mkIf` -> mkIf), consuming it. Any other token's text
   * is returned as it is: it names no wrapper (a string's text has its quotes).
   */
  private lastName(): string {
    let t = this.next();
    while (this.is('.')) {
      this.i++;
      t = this.next();
    }
    return t.text;
  }

  /** One atom as the value (a wrapper's last argument); anything after it makes the value unknown. */
  private lastArgument(ctx: Context): Shape {
    const start = this.i;
    this.skipAtom();
    const single = this.atEnd();
    this.i = start;
    if (single) return this.atom(ctx);
    this.atom(NOT_CONFIG);
    return this.opaqueRest(ctx);
  }

  /**
   * The rest of an application we do not understand: the value at `ctx.path` is unknown.
   * Its arguments are still read for module lists (`lib.evalModules { modules = ...; }`).
   */
  private opaqueRest(ctx: Context): Shape {
    while (!this.atEnd()) this.atom(NOT_CONFIG);
    return this.record(ctx, OPAQUE);
  }

  /** One atom: a literal, an attribute set, a list, a parenthesised expression or a reference. */
  private atom(ctx: Context): Shape {
    const t = this.next();
    const rec = t.text === 'rec' && this.is('{');
    if (rec || t.text === '(' || t.text === '{') {
      const open = rec ? this.i++ : this.i - 1;
      // `{ a = x; }.a`, `(f y).a`: what is written there is not the value at the path.
      const selected = this.tokens[this.matching(open) + 1]?.text === '.';
      const inner = selected ? NOT_CONFIG : ctx;
      if (t.text === '(') {
        const shape = this.expression(inner);
        this.expect(')');
        if (!selected) return shape;
      } else {
        this.bindings(inner, '}');
        this.expect('}');
        if (!selected) return this.record(ctx, BLOCK);
      }
      this.skipSelectionTail();
      return this.record(ctx, OPAQUE);
    }
    if (t.text === '[') return this.record(ctx, this.list(ctx));
    // A selection or `or` never follows a literal in Nix that evaluates.
    this.skipSelectionTail();
    return this.record(ctx, literal(t));
  }

  private list(ctx: Context): Shape {
    const values: Literal[] = [];
    let literal = true;
    const modules = isModuleList(ctx.path);
    while (!this.is(']')) {
      const element = modules
        ? this.atom({ path: [], wrappers: [], branches: this.branch(ctx, 0), moduleRoot: true })
        : this.atom(NOT_CONFIG);
      if (element.opaque || element.block) literal = false;
      else values.push(element.value);
    }
    this.i++;
    return literal ? { block: false, opaque: false, value: values } : OPAQUE;
  }

  /** `name = value;` and `inherit` bindings up to `end`, recorded under `ctx.path`. */
  private bindings(ctx: Context, end: string): void {
    while (!this.is(end)) {
      if (this.is('inherit')) {
        this.i++;
        if (this.is('(')) this.i = this.matching(this.i) + 1;
        while (!this.is(';')) {
          const t = this.next();
          if (ctx.path !== null && !isModuleList(ctx.path)) {
            this.found.push({ line: t.line, path: [...ctx.path, nameOf(t)], block: false, wrappers: ctx.wrappers, branches: ctx.branches });
          }
        }
        this.i++;
        continue;
      }
      const line = this.peek()!.line;
      const names: Segment[] = [nameOf(this.next())];
      while (this.is('.')) {
        this.i++;
        names.push(nameOf(this.next()));
      }
      this.expect('=');
      this.expression(this.bindingContext(ctx, names, line));
      this.expect(';');
    }
  }

  /** Where a binding's value goes: `config.` and a module's own attributes are resolved at its root. */
  private bindingContext(ctx: Context, names: Segment[], line: number): Context {
    const first = names[0];
    const last = names[names.length - 1];
    if (ctx.path === null || isModuleList(ctx.path)) {
      // Not config, but `modules = [ ... ]` lists modules (evalModules, nixosSystem).
      return last === 'modules' || last === 'imports' ? { ...NOT_CONFIG, path: MODULE_LIST, line } : NOT_CONFIG;
    }
    if (ctx.moduleRoot) {
      if (first === 'config') return { ...ctx, path: [...ctx.path, ...names.slice(1)], moduleRoot: false, line };
      if (first === 'imports' || first === 'require') return { ...NOT_CONFIG, path: MODULE_LIST, line };
      // Stryker disable next-line StringLiteral: any text that is no module attribute stands for a computed name here
      if (MODULE_META.has(first ?? '')) return NOT_CONFIG;
    }
    return { ...ctx, path: [...ctx.path, ...names], moduleRoot: false, line };
  }

  /** Record that the value at `ctx.path` is assigned at the binding's line. */
  private record(ctx: Context, shape: Shape): Shape {
    // Every non-empty path was set by a binding, with its line (a module list's path is empty).
    if (ctx.path !== null && ctx.path.length > 0) {
      this.found.push({
        line: ctx.line!,
        path: ctx.path,
        block: shape.block,
        ...(!shape.opaque && !shape.block ? { value: shape.value } : {}),
        wrappers: ctx.wrappers,
        branches: ctx.branches,
      });
    }
    return shape;
  }
}

function isModuleList(path: Segment[] | null): boolean {
  return path === MODULE_LIST;
}

/** An attribute name: an identifier, or a string without interpolation (the only tokens with a value). */
function nameOf(t: Token): Segment {
  return t.kind === 'id' ? t.text : (t.value ?? null);
}

/** What a token is as a literal value; opaque when it is none. */
function literal(t: Token): Shape {
  if (t.kind === 'number') return { block: false, opaque: false, value: Number(t.text) };
  if (t.value !== undefined) return { block: false, opaque: false, value: t.value };
  if (t.text === 'true' || t.text === 'false') return { block: false, opaque: false, value: t.text === 'true' };
  return t.text === 'null' ? { block: false, opaque: false, value: null } : OPAQUE;
}
