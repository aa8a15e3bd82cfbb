/**
 * The slice of OpenAPI 3.1 that rowgate's document uses, as plain data types. Only what the
 * builders in this folder produce is modelled; the document is checked against the official
 * OpenAPI schema by `openapi-document.test.ts`, not by these types.
 */

export type JsonType = 'integer' | 'number' | 'string' | 'boolean' | 'object' | 'array' | 'null';

export interface RefObject {
  readonly $ref: string;
}

/** JSON Schema 2020-12 as OpenAPI 3.1 embeds it (so nullable is `type: ['integer', 'null']`). */
export interface SchemaObject {
  type?: JsonType | JsonType[];
  format?: string;
  title?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  contentEncoding?: string;
  readOnly?: boolean;
  items?: SchemaObject | RefObject;
  properties?: Record<string, SchemaObject | RefObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  oneOf?: (SchemaObject | RefObject)[];
  anyOf?: (SchemaObject | RefObject)[];
}

export interface ParameterObject {
  name: string;
  in: 'query' | 'header' | 'path';
  description?: string;
  required?: boolean;
  style?: 'form' | 'simple';
  explode?: boolean;
  schema: SchemaObject;
  example?: unknown;
}

export interface HeaderObject {
  description?: string;
  required?: boolean;
  schema: SchemaObject;
}

export interface MediaTypeObject {
  schema?: SchemaObject | RefObject;
  example?: unknown;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | RefObject>;
  content?: Record<string, MediaTypeObject>;
}

export interface RequestBodyObject {
  description?: string;
  required?: boolean;
  content: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: (ParameterObject | RefObject)[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject | RefObject>;
}

export interface PathItemObject {
  description?: string;
  parameters?: (ParameterObject | RefObject)[];
  get?: OperationObject;
  head?: OperationObject;
  post?: OperationObject;
  put?: OperationObject;
  patch?: OperationObject;
  delete?: OperationObject;
}

export interface TagObject {
  name: string;
  description?: string;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers?: { url: string; description?: string }[];
  tags: TagObject[];
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, SchemaObject>;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, HeaderObject>;
    responses: Record<string, ResponseObject>;
  };
}

export type ComponentKind = 'schemas' | 'parameters' | 'headers' | 'responses';

/** `{ $ref: '#/components/schemas/products' }`; keys are already component-safe (see openapi-names.ts). */
export function ref(kind: ComponentKind, key: string): RefObject {
  return { $ref: `#/components/${kind}/${key}` };
}
