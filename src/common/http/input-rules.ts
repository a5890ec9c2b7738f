import type { FieldProblem } from '../errors/domain-error.js';

/**
 * Rules every request must pass before any controller sees it, whatever the route: they protect the process and the
 * database rather than express a business rule, so they live here once instead of in every DTO and webhook schema.
 */

/** Deeper JSON is refused before it is parsed: recursive code after the parser (validation, copying) would overflow. */
export const MAX_JSON_DEPTH = 64;

/** A validation answer lists at most this many problems (and says how many there were). */
export const MAX_LISTED_PROBLEMS = 50;

/**
 * Property names that reach `Object.prototype` when a plain object is copied or merged (`__proto__`, or
 * `constructor.prototype`); refused anywhere in a body so no later merge can pollute prototypes.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests arrays/objects deeper than `maxDepth`. A linear scan over the bytes that skips string
 * contents; it never recurses, so it answers for any input. Malformed JSON is left to the parser.
 */
export function exceedsJsonDepth(text: Uint8Array, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/**
 * Why PostgreSQL `text`/`jsonb` cannot hold a string, or undefined when it can: U+0000 is refused by both, and a lone
 * UTF-16 surrogate is not Unicode (jsonb refuses its escape; `text` would silently store U+FFFD instead).
 */
export function unstorableReason(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0) return `contains U+0000 (NUL) at position ${i}, which cannot be stored`;
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `contains a lone UTF-16 surrogate (U+${code.toString(16).toUpperCase()}) at position ${i}; text must be valid Unicode`;
    }
  }
  return undefined;
}

/** `a.b.0.c` for a path, `(body)` for the root: the same dotted form the validation errors use. */
function dotted(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(body)' : path.join('.');
}

/**
 * Every string (key or value) in a parsed JSON value that cannot be stored, and every forbidden key, as field
 * problems named by dotted path. Iterative, so a value of any depth is safe to walk; stops after `limit` problems.
 */
export function bodyProblems(root: unknown, limit = MAX_LISTED_PROBLEMS + 1): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: Array<{ value: unknown; path: (string | number)[] }> = [{ value: root, path: [] }];
  while (stack.length > 0 && problems.length < limit) {
    const { value, path } = stack.pop() as { value: unknown; path: (string | number)[] };
    if (typeof value === 'string') {
      const reason = unstorableReason(value);
      if (reason) problems.push({ field: dotted(path), rule: 'storableText', message: `${dotted(path)} ${reason}` });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        const field = dotted([...path, key]);
        if (FORBIDDEN_KEYS.has(key)) {
          problems.push({ field, rule: 'forbiddenKey', message: `"${key}" is not allowed as a property name` });
          continue;
        }
        const keyReason = unstorableReason(key);
        if (keyReason) {
          problems.push({ field: dotted(path), rule: 'storableText', message: `a property name ${keyReason}` });
          continue;
        }
        stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
      }
    }
  }
  return problems;
}

/**
 * Problems in flat name → value maps (query string, path parameters, headers): `describe` says where a name lives,
 * e.g. `query parameter`, so a message tells a body field from a parameter of the same name.
 */
export function parameterProblems(
  values: Record<string, unknown> | undefined,
  describe: string,
  nameOf: (name: string) => string = (name) => name,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [name, value] of Object.entries(values ?? {})) {
    const field = nameOf(name);
    const keyReason = unstorableReason(name);
    if (keyReason) {
      problems.push({ field: '(name)', rule: 'storableText', message: `a ${describe} name ${keyReason}` });
      continue;
    }
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      const reason = typeof item === 'string' ? unstorableReason(item) : undefined;
      if (reason) {
        problems.push({ field, rule: 'storableText', message: `${describe} ${field} ${reason}` });
        break;
      }
    }
  }
  return problems;
}
