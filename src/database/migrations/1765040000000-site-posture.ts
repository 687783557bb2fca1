import type { MigrationInterface, QueryRunner } from 'typeorm';

const LEVELS = `'normal', 'elevated', 'high', 'exceptional'`;

/**
 * Site threat posture (src/domain/posture): each site's history of levels as validity
 * intervals, the floors admins set over a region or the whole company, the lowerings waiting
 * for a second lead, operators' acknowledgements, and the posture each incident opened under.
 * `posture_level_at(site, time)` answers as `postureAt` does (the higher of the site's entry in
 * force and the floors over it; an entry past its expiry no longer counts); an insert trigger
 * on incidents records it at the incident's first event time, so no writer of incidents has
 * to remember to.
 */
export class SitePosture1765040000000 implements MigrationInterface {
  name = 'SitePosture1765040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE posture_changes (
        id                uuid PRIMARY KEY,
        site_id           text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        level             text NOT NULL CHECK (level IN (${LEVELS})),
        source            jsonb NOT NULL,
        reason            text NOT NULL,
        set_by            text NOT NULL,
        set_by_id         uuid,
        approved_by       text,
        valid_from        timestamptz NOT NULL,
        valid_to          timestamptz,
        expires_at        timestamptz,
        acknowledged_at   timestamptz,
        acknowledged_by   text,
        unacknowledged_escalated_at timestamptz,
        CHECK (valid_to IS NULL OR valid_to >= valid_from)
      )`);
    // One entry in force per site: the latest, until the next replaces it.
    await q.query(`CREATE UNIQUE INDEX posture_changes_latest ON posture_changes (site_id) WHERE valid_to IS NULL`);
    await q.query(`CREATE INDEX posture_changes_site_time ON posture_changes (site_id, valid_from DESC)`);
    await q.query(`
      CREATE TABLE posture_acks (
        change_id  uuid NOT NULL REFERENCES posture_changes (id) ON DELETE CASCADE,
        user_id    uuid NOT NULL,
        username   text NOT NULL,
        at         timestamptz NOT NULL,
        PRIMARY KEY (change_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE posture_floors (
        id          uuid PRIMARY KEY,
        scope       text NOT NULL,
        site_ids    text[],
        level       text NOT NULL CHECK (level IN (${LEVELS})),
        source      jsonb NOT NULL,
        reason      text NOT NULL,
        set_by      text NOT NULL,
        set_by_id   uuid,
        valid_from  timestamptz NOT NULL,
        valid_to    timestamptz,
        expires_at  timestamptz,
        CHECK ((scope = 'company') = (site_ids IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX posture_floors_latest ON posture_floors (scope) WHERE valid_to IS NULL`);
    await q.query(`
      CREATE TABLE posture_lowerings (
        id               uuid PRIMARY KEY,
        site_id          text NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
        level            text NOT NULL CHECK (level IN (${LEVELS})),
        source           jsonb NOT NULL,
        reason           text NOT NULL,
        expires_at       timestamptz,
        requested_by     text NOT NULL,
        requested_by_id  uuid NOT NULL,
        requested_at     timestamptz NOT NULL,
        status           text NOT NULL CHECK (status IN ('pending', 'approved', 'superseded')),
        decided_by       text,
        decided_at       timestamptz,
        change_id        uuid REFERENCES posture_changes (id)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX posture_lowerings_pending ON posture_lowerings (site_id) WHERE status = 'pending'`,
    );

    await q.query(`
      CREATE FUNCTION posture_level_at(p_site text, p_at timestamptz) RETURNS text
      LANGUAGE sql STABLE AS $$
        SELECT (ARRAY[${LEVELS}])[GREATEST(
          COALESCE((SELECT array_position(ARRAY[${LEVELS}], c.level) FROM posture_changes c
                     WHERE c.site_id = p_site AND c.valid_from <= p_at
                       AND (c.valid_to IS NULL OR c.valid_to > p_at) AND (c.expires_at IS NULL OR c.expires_at > p_at)
                     ORDER BY c.valid_from DESC LIMIT 1), 1),
          COALESCE((SELECT max(array_position(ARRAY[${LEVELS}], f.level)) FROM posture_floors f
                     WHERE (f.site_ids IS NULL OR p_site = ANY (f.site_ids)) AND f.valid_from <= p_at
                       AND (f.valid_to IS NULL OR f.valid_to > p_at) AND (f.expires_at IS NULL OR f.expires_at > p_at)), 1))]
      $$`);
    await q.query(`ALTER TABLE incidents ADD COLUMN posture_at_open text CHECK (posture_at_open IN (${LEVELS}))`);
    await q.query(`
      CREATE FUNCTION incidents_posture_at_open() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        NEW.posture_at_open := posture_level_at(NEW.site_id, NEW.first_seen_at);
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER incidents_posture_at_open BEFORE INSERT ON incidents
      FOR EACH ROW WHEN (NEW.posture_at_open IS NULL) EXECUTE FUNCTION incidents_posture_at_open()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER incidents_posture_at_open ON incidents');
    await q.query('DROP FUNCTION incidents_posture_at_open()');
    await q.query('ALTER TABLE incidents DROP COLUMN posture_at_open');
    await q.query('DROP FUNCTION posture_level_at(text, timestamptz)');
    await q.query('DROP TABLE posture_lowerings');
    await q.query('DROP TABLE posture_floors');
    await q.query('DROP TABLE posture_acks');
    await q.query('DROP TABLE posture_changes');
  }
}
