/** Turns a field's schema into the words users read: "an integer in [1, 64]", "one of tanh, relu, gelu". */

/** The JSON Schema keywords this project's fields use. */
export interface FieldSchema {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  minLength?: number;
  pattern?: string;
  items?: FieldSchema;
  properties?: Record<string, FieldSchema>;
  description?: string;
  default?: unknown;
  /** Our own annotation: how a string field with a pattern is described. */
  expected?: string;
}

function bounds(s: FieldSchema): string {
  const lo = s.minimum ?? s.exclusiveMinimum;
  const hi = s.maximum ?? s.exclusiveMaximum;
  const big = (x: number): boolean => x >= 1e9;
  if (lo !== undefined && hi !== undefined && !big(hi)) {
    return ` in ${s.exclusiveMinimum !== undefined ? '(' : '['}${lo}, ${hi}${s.exclusiveMaximum !== undefined ? ')' : ']'}`;
  }
  if (lo !== undefined) return ` ${s.exclusiveMinimum !== undefined ? '>' : '>='} ${lo}`;
  if (hi !== undefined) return ` ${s.exclusiveMaximum !== undefined ? '<' : '<='} ${hi}`;
  return '';
}

/** What a valid value of `s` is, as a noun phrase. */
export function expected(s: FieldSchema): string {
  if (s.expected) return s.expected;
  if (s.enum) return `one of ${s.enum.join(', ')}`;
  switch (s.type) {
    case 'integer':
      return s.minimum === 1 && (s.maximum === undefined || s.maximum >= 1e9) ? 'a positive integer' : `an integer${bounds(s)}`;
    case 'number':
      return `a finite number${bounds(s)}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      return s.minLength ? 'a non-empty string' : 'a string';
    case 'array':
      return `${s.minItems ? 'a non-empty list' : 'a list'}${s.items ? `, each ${expected(s.items)}` : ''}`;
    case 'object':
      return 'an object of options';
    default:
      return s.description ?? 'a valid value';
  }
}
