/**
 * Canonical JSON: object keys sorted (by UTF-16 code units, as JavaScript sorts strings), no whitespace, `undefined`
 * members left out (as JSON.stringify does). Two values that mean the same JSON always encode to the same string,
 * so a hash over the encoding survives a round trip through jsonb (which reorders keys) or any JSON parser.
 *
 * Iterative (an explicit stack of open arrays and objects, never recursion): the hash chain must be computable
 * for every value that was ever appended, however deep, so no nesting can overflow the call stack. The output is
 * byte-identical to the earlier recursive encoder (test/eventstore/canonical-json.test.ts checks it on random
 * values), so existing chains still verify. A cycle is refused with a TypeError, as JSON.stringify refuses it.
 */
interface OpenContainer {
  readonly container: object;
  /** Array indices, or the object's sorted keys whose value is not `undefined`. */
  readonly keys: readonly (string | number)[] | null;
  readonly length: number;
  index: number;
}

export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const open: OpenContainer[] = [];
  const onPath = new Set<object>();
  writeValue(value, out, open, onPath);
  while (open.length > 0) {
    const top = open[open.length - 1]!;
    if (top.index === top.length) {
      out.push(top.keys === null ? ']' : '}');
      open.pop();
      onPath.delete(top.container);
      continue;
    }
    const at = top.index++;
    if (at > 0) out.push(',');
    if (top.keys === null) {
      const items = top.container as unknown[];
      // A hole of a sparse array: the recursive encoder's `map(...).join(',')` wrote nothing for it.
      if (!(at in items)) continue;
      const item = items[at];
      if (item === undefined) out.push('null');
      else writeValue(item, out, open, onPath);
    } else {
      const key = top.keys[at] as string;
      out.push(`${JSON.stringify(key)}:`);
      writeValue((top.container as Record<string, unknown>)[key], out, open, onPath);
    }
  }
  return out.join('');
}

/** Writes a scalar, or opens a container (its members are written by the loop above). */
function writeValue(value: unknown, out: string[], open: OpenContainer[], onPath: Set<object>): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot encode ${value} as JSON`);
      out.push(JSON.stringify(value));
      return;
    case 'object':
      openContainer(value, out, open, onPath);
      return;
    default:
      throw new TypeError(`Cannot encode a ${typeof value} as JSON`);
  }
}

function openContainer(value: object, out: string[], open: OpenContainer[], onPath: Set<object>): void {
  if (value instanceof Date) {
    out.push(JSON.stringify(value.toISOString()));
    return;
  }
  if (onPath.has(value)) throw new TypeError('Cannot encode a circular structure as JSON');
  onPath.add(value);
  if (Array.isArray(value)) {
    out.push('[');
    open.push({ container: value, keys: null, length: value.length, index: 0 });
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  out.push('{');
  open.push({ container: value, keys, length: keys.length, index: 0 });
}
