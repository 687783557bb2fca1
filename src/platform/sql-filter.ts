/** Builds a WHERE clause from optional conditions, numbering parameters as it goes. */
export class SqlFilter {
  private readonly conditions: string[] = [];
  readonly params: unknown[] = [];

  /** Adds a condition with `?` standing for the value; skipped when the value is undefined. */
  add(condition: string, value: unknown): this {
    if (value === undefined) return this;
    this.params.push(value);
    this.conditions.push(condition.replace('?', `$${this.params.length}`));
    return this;
  }

  /** Adds a keyset condition `(timeColumn, idColumn) < (at, id)` for newest-first paging. */
  before(timeColumn: string, idColumn: string, cursor: { at: Date; id: string } | undefined, idType: string): this {
    if (!cursor) return this;
    this.params.push(cursor.at, cursor.id);
    const n = this.params.length;
    this.conditions.push(`(${timeColumn}, ${idColumn}) < ($${n - 1}::timestamptz, $${n}::${idType})`);
    return this;
  }

  /** Adds a condition as written, its values already numbered through `param`. */
  addSql(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get where(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}
