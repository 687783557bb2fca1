import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/**
 * Converts zod schemas to JSON Schema for the API documents, gathering every schema that has
 * an `id` (`.meta({ id: 'Incident' })`) once as a named component, referred to by `refPrefix`
 * (`#/components/schemas/`). A request is described as the schema accepts it (`input`), a
 * response as the API writes it (`output`).
 */
export class JsonSchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  constructor(
    private readonly refPrefix: string,
    private readonly target: 'draft-2020-12' | 'draft-7' = 'draft-2020-12',
  ) {}

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const json = z.toJSONSchema(schema, { io, target: this.target, unrepresentable: 'any' }) as JsonSchema;
    const defsKey = this.target === 'draft-7' ? 'definitions' : '$defs';
    const defs = (json[defsKey] ?? {}) as Record<string, JsonSchema>;
    delete json[defsKey];
    delete json.$schema;
    const localPrefix = `#/${defsKey}/`;
    for (const [id, def] of Object.entries(defs)) {
      const hoisted = this.relink(def, localPrefix);
      const known = this.components[id];
      if (known && JSON.stringify(known) !== JSON.stringify(hoisted)) {
        throw new Error(`Two different schemas are named ${id} (its ${io} form differs from one already named): give one another id`);
      }
      this.components[id] = hoisted;
    }
    return this.relink(json, localPrefix);
  }

  private relink(json: JsonSchema, localPrefix: string): JsonSchema {
    return JSON.parse(
      JSON.stringify(json, (key, value: unknown) =>
        key === '$ref' && typeof value === 'string' && value.startsWith(localPrefix) ? this.refPrefix + value.slice(localPrefix.length) : value,
      ),
    ) as JsonSchema;
  }
}
