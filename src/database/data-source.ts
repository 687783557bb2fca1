import { DataSource } from 'typeorm';
import { migrations } from './migrations';

/** The TypeORM data source that owns the schema: used on start and by the TypeORM CLI. */
export function createDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    poolSize: 2,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
  });
}

/** For `typeorm migration:run -d dist/src/database/data-source.js`: as the schema's owner (DATABASE_MIGRATION_URL) when set. */
export default createDataSource(
  process.env.DATABASE_MIGRATION_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@localhost:5432/oreguard',
);
