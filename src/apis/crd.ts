/**
 * Kind definitions and CustomResourceDefinition generation. A kind module declares its names, printer columns,
 * subresources and its spec/status schemas once with `defineKind`; `buildCrd` turns that into the CRD the API
 * server enforces (apiextensions.k8s.io/v1, structural, with CEL rules), and the same schemas give the kind's
 * TypeScript types and defaults.
 */

import { type Static, type TSchema, Type } from 'typebox';
import type { ObjectMeta } from '../runtime/gvk.ts';
import { applyDefaults } from './schema.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
  format?: string;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface KindInput<Spec extends TSchema, Status extends TSchema> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  /** `kubectl get <category>` lists every kind in it. */
  categories?: string[];
  /** What the kind is for: the top-level `kubectl explain` text. */
  description: string;
  spec: Spec;
  status: Status;
  printerColumns: PrinterColumn[];
  scale?: ScaleSubresource;
}

export interface KindDefinition<Spec extends TSchema = TSchema, Status extends TSchema = TSchema>
  extends KindInput<Spec, Status> {
  /** `group/version`, the apiVersion of objects of this kind. */
  apiVersion: string;
  /** `plural.group`, the CRD's metadata.name. */
  crdName: string;
  /** The whole object's schema (apiVersion, kind, metadata, spec, status): the CRD's openAPIV3Schema source. */
  schema: TSchema;
}

/**
 * The object shape every kind shares: metadata as JSON carries it (the runtime's ObjectMeta), the kind's spec and
 * (optional) status. A type alias, not an interface, so it is assignable to the runtime's KubeObject.
 */
export type CustomResource<Spec, Status> = {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
};

/** The custom resource type of a definition. */
export type ResourceOf<D> =
  D extends KindDefinition<infer Spec, infer Status> ? CustomResource<Static<Spec>, Static<Status>> : never;

export function defineKind<Spec extends TSchema, Status extends TSchema>(
  input: KindInput<Spec, Status>,
): KindDefinition<Spec, Status> {
  const schema = Type.Object(
    {
      apiVersion: Type.Optional(
        Type.String({
          description:
            'APIVersion defines the versioned schema of this representation of an object. Servers should convert ' +
            'recognized schemas to the latest internal value, and may reject unrecognized values.',
        }),
      ),
      kind: Type.Optional(
        Type.String({
          description: 'Kind is a string value representing the REST resource this object represents. In CamelCase.',
        }),
      ),
      metadata: Type.Optional(Type.Unsafe<ObjectMeta>({ type: 'object', description: 'Standard object metadata.' })),
      spec: input.spec,
      status: Type.Optional(input.status),
    },
    { description: input.description },
  );
  return {
    ...input,
    apiVersion: `${input.group}/${input.version}`,
    crdName: `${input.plural}.${input.group}`,
    schema,
  };
}

/** The spec with its schema defaults applied, as the API server stores it. Pure. */
export function specWithDefaults<Spec extends TSchema>(def: KindDefinition<Spec>, spec: unknown): Static<Spec> {
  return applyDefaults(def.spec, spec) as Static<Spec>;
}

type Node = Record<string, unknown> & {
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  additionalProperties?: Node | boolean;
};

/**
 * The openAPIV3Schema of a schema: plain JSON (TypeBox's hidden markers dropped), properties that have a `default`
 * removed from `required` (the API server defaults before it validates, so users may omit them), and a check that
 * every property has a description — `kubectl explain` is the user's documentation.
 */
export function toOpenApiSchema(schema: TSchema, path = ''): Record<string, unknown> {
  const node = JSON.parse(JSON.stringify(schema)) as Node;
  return normalize(node, path || '<root>');
}

function normalize(input: Node, path: string): Node {
  // description first: the generated YAML then reads like documentation
  const node: Node = input.description === undefined ? input : { description: input.description, ...input };
  if (node.default !== null && typeof node.default === 'object' && node.properties) {
    // spell nested defaults out: the API server validates a default (CEL included) without defaulting inside it
    node.default = applyDefaults(node as unknown as TSchema, node.default);
  }
  if (node.properties) {
    for (const [key, prop] of Object.entries(node.properties)) {
      if (typeof prop.description !== 'string' || prop.description.length === 0) {
        throw new Error(`schema property ${path}.${key} has no description`);
      }
      node.properties[key] = normalize(prop, `${path}.${key}`);
    }
    if (node.required) {
      const required = node.required.filter((k) => node.properties?.[k]?.default === undefined);
      if (required.length) node.required = required;
      else delete node.required;
    }
  }
  if (node.items) node.items = normalize(node.items, `${path}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    node.additionalProperties = normalize(node.additionalProperties, `${path}{}`);
  }
  return node;
}

/** The CustomResourceDefinition object for a kind. */
export function buildCrd(def: KindDefinition): Record<string, unknown> {
  const subresources: Record<string, unknown> = { status: {} };
  if (def.scale) subresources.scale = { ...def.scale };
  const names: Record<string, unknown> = {
    kind: def.kind,
    listKind: `${def.kind}List`,
    plural: def.plural,
    singular: def.singular,
  };
  if (def.shortNames?.length) names.shortNames = def.shortNames;
  if (def.categories?.length) names.categories = def.categories;
  const schema = toOpenApiSchema(def.schema, def.kind);
  schema.required = ['spec'];
  // the API server owns metadata's schema and rejects anything but `type: object` there
  (schema.properties as Record<string, unknown>).metadata = { type: 'object' };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: def.crdName, labels: { 'app.kubernetes.io/part-of': 'statecraft' } },
    spec: {
      group: def.group,
      names,
      scope: 'Namespaced',
      versions: [
        {
          name: def.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources,
          additionalPrinterColumns: [
            ...def.printerColumns,
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}
