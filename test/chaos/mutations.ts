/**
 * Generated mutations of a valid custom resource, driven by its CRD's OpenAPI schema (deploy/crds): for every
 * field the object sets, the classes of bad input a user can type — a value of the wrong type, a number outside
 * its range, an unknown enum value, a missing required field, a huge string, an invalid name or host, a list entry
 * named twice, too many or too few items — plus invalid and over-long object names. Pure: schema + object in,
 * cases out (mutations.test.ts checks the generator itself).
 */

// biome-ignore lint/suspicious/noExplicitAny: mutations poke at arbitrary fields on purpose
export type Obj = Record<string, any>;

export interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

export type MutationClass =
  | 'wrong-type'
  | 'out-of-range'
  | 'unknown-enum'
  | 'missing-required'
  | 'huge-string'
  | 'invalid-name-or-host'
  | 'duplicate-name'
  | 'item-count'
  | 'object-name';

export interface Mutation {
  /** e.g. 'wrong-type spec.replica[0].port' */
  name: string;
  class: MutationClass;
  /** the field in the API server's notation (spec.replica[0].port); a rejection must name it or its parent */
  field: string;
  object: Obj;
}

/** a key of a map (additionalProperties): the API server writes it as `[key]`, like a list index */
class MapKey {
  readonly key: string;
  constructor(key: string) {
    this.key = key;
  }
  toString(): string {
    return this.key;
  }
}
type Segment = string | number | MapKey;

const fieldPath = (segments: Segment[]): string =>
  segments.reduce<string>(
    (p, s) => (typeof s === 'number' || s instanceof MapKey ? `${p}[${s}]` : p === '' ? s : `${p}.${s}`),
    '',
  );

function setAt(root: Obj, segments: Segment[], value: unknown): void {
  let o = root;
  for (const s of segments.slice(0, -1)) o = o[String(s)];
  o[String(segments[segments.length - 1])] = value;
}

function deleteAt(root: Obj, segments: Segment[]): void {
  let o = root;
  for (const s of segments.slice(0, -1)) o = o[String(s)];
  delete o[String(segments[segments.length - 1])];
}

const HUGE = 64 * 1024;
const looksLikeNameOrHost = (key: Segment) => typeof key === 'string' && /(^|[a-z])(host|name)$/i.test(key);

/** Every mutation of `base` that its `schema` (the CRD version's openAPIV3Schema) describes. */
export function mutations(base: Obj, schema: Schema): Mutation[] {
  const out: Mutation[] = [];
  const add = (cls: MutationClass, segments: Segment[], change: (o: Obj) => void, detail = '') => {
    const object = structuredClone(base);
    change(object);
    const field = fieldPath(segments);
    out.push({ name: `${cls}${detail ? ` (${detail})` : ''} ${field}`, class: cls, field, object });
  };

  const walk = (value: unknown, s: Schema, segments: Segment[]) => {
    if (s['x-kubernetes-preserve-unknown-fields'] && !s.properties) return;
    const key = segments[segments.length - 1];
    const here = segments.length > 1 || segments[0] === 'spec';
    if (here && !s['x-kubernetes-int-or-string'] && s.type) {
      const wrong = s.type === 'string' ? 12345 : s.type === 'object' || s.type === 'array' ? 'not-an-object' : 'x';
      add('wrong-type', segments, (o) => setAt(o, segments, wrong), `${s.type} → ${typeof wrong}`);
    }
    if (s.enum) add('unknown-enum', segments, (o) => setAt(o, segments, 'NotAKnownValue'));
    if (s.type === 'integer' || s.type === 'number') {
      if (s.minimum !== undefined) add('out-of-range', segments, (o) => setAt(o, segments, s.minimum! - 1), 'min-1');
      if (s.maximum !== undefined) add('out-of-range', segments, (o) => setAt(o, segments, s.maximum! + 1), 'max+1');
      if (s.minimum === undefined && s.maximum === undefined) {
        add('out-of-range', segments, (o) => setAt(o, segments, -(2 ** 40)), 'huge negative');
      }
    }
    if (s.type === 'string' && !s.enum) {
      const length = s.maxLength !== undefined ? s.maxLength + 1 : HUGE;
      add('huge-string', segments, (o) => setAt(o, segments, 'x'.repeat(length)), `${length} chars`);
      if (s.pattern || s.format || looksLikeNameOrHost(key)) {
        add('invalid-name-or-host', segments, (o) => setAt(o, segments, 'Not A_Valid.Name!'));
      }
    }
    if (s.type === 'object' && value && typeof value === 'object' && !Array.isArray(value)) {
      const v = value as Obj;
      for (const r of s.required ?? []) {
        if (r in v) add('missing-required', [...segments, r], (o) => deleteAt(o, [...segments, r]));
      }
      for (const [k, child] of Object.entries(v)) {
        const declared = s.properties?.[k];
        const mapValue = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
        if (declared) walk(child, declared, [...segments, k]);
        else if (mapValue) walk(child, mapValue, [...segments, new MapKey(k)]);
      }
    }
    if (s.type === 'array' && Array.isArray(value)) {
      const first = value[0];
      if (first && typeof first === 'object' && 'name' in first) {
        add('duplicate-name', segments, (o) => {
          let arr = o;
          for (const seg of segments) arr = arr[String(seg)];
          (arr as unknown as unknown[]).push(structuredClone(first));
        });
      }
      if (s.maxItems !== undefined && first !== undefined) {
        add('item-count', segments, (o) => setAt(o, segments, Array(s.maxItems! + 1).fill(first)), 'maxItems+1');
      }
      if (s.minItems) add('item-count', segments, (o) => setAt(o, segments, []), 'empty');
      if (s.items) {
        for (const [i, item] of value.slice(0, 2).entries()) walk(item, s.items, [...segments, i]);
      }
    }
  };

  const spec = schema.properties?.spec;
  if (spec && base.spec) walk(base.spec, spec, ['spec']);
  if ((schema.required ?? []).includes('spec')) add('missing-required', ['spec'], (o) => delete o.spec);
  add('object-name', ['metadata', 'name'], (o) => (o.metadata.name = 'Not_A_Valid_Name'), 'invalid');
  // valid for the object itself (a DNS subdomain), too long for the names of children built from it
  add('object-name', ['metadata', 'name'], (o) => (o.metadata.name = `n${'x'.repeat(199)}`), '200 chars');
  return out;
}
