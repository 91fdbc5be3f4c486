/**
 * What crosses between the PGlite worker (pglite-worker.ts) and its client on the main thread
 * (pglite-worker-client.ts). Messages go by structured clone, which carries what PGlite's `query` takes and returns
 * (Dates, Uint8Arrays, bigints, JSON values) as they are — except two things that need help: errors, whose
 * database fields (SQLSTATE `code`, `constraint`…) the clone drops, and very deep JSON values, which the clone
 * walks recursively (a 3,000-deep event stopped the thread once). Those cross as plain data and JSON text.
 */

/**
 * A statement for the worker. `id` 0 is the worker's start-up: `open` hands it PGlite's compiled WASM (null: it
 * compiles its own), and its answer says PGlite is ready or why not.
 */
export type WorkerRequest =
  | { id: 0; kind: 'open'; wasm: CompiledWasm | null }
  | ({ id: number; kind: 'query'; text: string; params: unknown[] | undefined; options: unknown } & PackedExtras)
  | ({ id: number; kind: 'prepared'; name: string; text: string; values: unknown[] } & PackedExtras)
  | { id: number; kind: 'close' };

/** A `WebAssembly.Module`: named as an object, since the build's `lib` (ES2023, no DOM) has no WebAssembly types. */
export type CompiledWasm = object;

/** What `packValues` took out of a statement's values. */
interface PackedExtras {
  deep: DeepValue[];
  buffers: number[];
}

export type WorkerReply =
  { id: number; ok: true; result: unknown; deep: DeepValue[] } | { id: number; ok: false; error: WireError };

/** A value sent as JSON text instead: its place (`[index]` in a list of values, `[row, column]` in rows) and text. */
export interface DeepValue {
  path: [number] | [number, string | number];
  json: string;
}

/** Deeper than this, a JSON value crosses as text: far below the depth where a recursive walk runs out of stack. */
const MAX_CLONED_DEPTH = 100;

function isJsonContainer(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  return Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
}

/** True when `value` nests plain objects or arrays deeper than `limit` (stops descending there). */
function deeperThan(value: unknown, limit: number): boolean {
  if (!isJsonContainer(value)) return false;
  if (limit === 0) return true;
  for (const child of Object.values(value)) if (deeperThan(child, limit - 1)) return true;
  return false;
}

/**
 * A copy of `values` with each too-deep one replaced by null, and those values as JSON text; and where Buffers
 * were: the clone delivers a Buffer as a plain Uint8Array, and PGlite sends the two differently to a parameter of
 * no declared type (a Buffer as its bytes, a Uint8Array as its numbers' text).
 */
export function packValues(values: readonly unknown[]): { values: unknown[]; deep: DeepValue[]; buffers: number[] } {
  const deep: DeepValue[] = [];
  const buffers: number[] = [];
  const packed = values.map((value, index) => {
    if (Buffer.isBuffer(value)) buffers.push(index);
    if (!deeperThan(value, MAX_CLONED_DEPTH)) return value;
    deep.push({ path: [index], json: JSON.stringify(value) });
    return null;
  });
  return { values: packed, deep, buffers };
}

/** Puts the deep values and the Buffers of `packValues` back into the list (in place). */
export function unpackValues(values: unknown[], deep: readonly DeepValue[], buffers: readonly number[]): unknown[] {
  for (const { path, json } of deep) values[path[0]] = JSON.parse(json);
  for (const index of buffers) {
    const bytes = values[index] as Uint8Array;
    values[index] = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return values;
}

type Row = Record<string | number, unknown>;

/** Replaces each too-deep column value of `rows` with null (in place) and returns those values as JSON text. */
export function packRows(rows: readonly Row[]): DeepValue[] {
  const deep: DeepValue[] = [];
  rows.forEach((row, index) => {
    for (const [column, value] of Object.entries(row)) {
      if (!deeperThan(value, MAX_CLONED_DEPTH)) continue;
      deep.push({ path: [index, Array.isArray(row) ? Number(column) : column], json: JSON.stringify(value) });
      row[column] = null;
    }
  });
  return deep;
}

/** Puts the deep values of `packRows` back into their rows (in place). */
export function unpackRows(rows: Row[], deep: readonly DeepValue[]): void {
  for (const { path, json } of deep) rows[path[0]]![path[1]!] = JSON.parse(json);
}

/** An error as data: its class name, message, stack, and every field of primitive value (`code`, `detail`…). */
export interface WireError {
  name: string;
  /** The constructor's name, so a TypeError is rebuilt as one (group commit tells statement errors by it). */
  kind: string;
  message: string;
  stack: string | undefined;
  fields: Record<string, string | number | boolean | null | undefined>;
}

/**
 * Fields that are not carried: the statement and its parameters (PGlite puts them on its errors) can be large or
 * deep, and the client puts back its own, which are the same.
 */
const LEFT_BEHIND = new Set(['name', 'message', 'stack', 'query', 'params', 'queryOptions']);

export function toWireError(thrown: unknown): WireError {
  const error = thrown instanceof Error ? thrown : new Error(`thrown ${typeof thrown}: ${String(thrown)}`);
  const fields: WireError['fields'] = {};
  for (const [key, value] of Object.entries(error)) {
    if (LEFT_BEHIND.has(key)) continue;
    if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value)) {
      fields[key] = value as WireError['fields'][string];
    }
  }
  return { name: error.name, kind: error.constructor.name, message: error.message, stack: error.stack, fields };
}

const CLASSES: Record<string, new (message: string) => Error> = { TypeError, RangeError, SyntaxError };

/** The error again on this side: same class for the standard ones, same name, message and fields. */
export function fromWireError(wire: WireError, statement: Record<string, unknown>): Error {
  const error = new (CLASSES[wire.kind] ?? Error)(wire.message);
  if (error.name !== wire.name) error.name = wire.name;
  Object.assign(error, wire.fields, statement);
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
