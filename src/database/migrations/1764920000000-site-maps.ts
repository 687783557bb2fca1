import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Each site's map (PUT /sites/{id}/map): one GeoJSON FeatureCollection, replaced whole. */
export class SiteMaps1764920000000 implements MigrationInterface {
  name = 'SiteMaps1764920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE site_maps (
        site_id     text PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
        map         jsonb NOT NULL,
        updated_at  timestamptz NOT NULL,
        updated_by  text NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE site_maps');
  }
}
