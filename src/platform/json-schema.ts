import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/** Schemas whose own JSON Schema says nothing (a transform that picks a schema by a field), described by another. */
const describedBy = new WeakMap<object, z.ZodType>();

/**
 * Documents `schema` as `description`: for a schema that checks its input in code (and so has
 * no JSON Schema of its own) but accepts what `description` declares.
 */
export function documentAs(schema: z.ZodType, description: z.ZodType): void {
  describedBy.set(schema, description);
}

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
    const json = z.toJSONSchema(schema, {
      io,
      target: this.target,
      unrepresentable: 'any',
      override: (ctx) => {
        const description = describedBy.get(ctx.zodSchema);
        if (description) Object.assign(ctx.jsonSchema, this.convert(description, io), ctx.jsonSchema);
      },
    }) as JsonSchema;
    const defsKey = this.target === 'draft-7' ? 'definitions' : '$defs';
    const defs = (json[defsKey] ?? {}) as Record<string, JsonSchema>;
    delete json[defsKey];
    delete json.$schema;
    const localPrefix = `#/${defsKey}/`;
    for (const [id, def] of Object.entries(defs)) {
      const hoisted = this.relink(def, localPrefix);
      const known = this.components[id];
      if (known && JSON.stringify(known) !== JSON.stringify(hoisted)) {
        throw new Error(
          `Two different schemas are named ${id} (its ${io} form differs from one already named): give one another id`,
        );
      }
      this.components[id] = hoisted;
    }
    return this.relink(json, localPrefix);
  }

  private relink(json: JsonSchema, localPrefix: string): JsonSchema {
    return JSON.parse(
      JSON.stringify(json, (key, value: unknown) =>
        key === '$ref' && typeof value === 'string' && value.startsWith(localPrefix)
          ? this.refPrefix + value.slice(localPrefix.length)
          : value,
      ),
    ) as JsonSchema;
  }
}
