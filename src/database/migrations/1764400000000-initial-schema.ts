import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event pipeline's schema: the site registry, accepted and rejected events, incidents
 * with their events and timeline, the per-site live message log, and user accounts.
 */
export class InitialSchema1764400000000 implements MigrationInterface {
  name = 'InitialSchema1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sites (
        id          text PRIMARY KEY,
        name        text NOT NULL,
        time_zone   text NOT NULL DEFAULT 'UTC',
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE gateways (
        site_id         text NOT NULL REFERENCES sites (id),
        id              text NOT NULL,
        require_signed  boolean NOT NULL DEFAULT false,
        state           text,
        state_at        timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (site_id, id)
      )`);
    await q.query(`
      CREATE TABLE sensors (
        site_id     text NOT NULL REFERENCES sites (id),
        id          text NOT NULL,
        gateway_id  text NOT NULL,
        network     text NOT NULL DEFAULT 'ot' CHECK (network IN ('ot', 'it')),
        state       text,
        state_at    timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (site_id, id),
        FOREIGN KEY (site_id, gateway_id) REFERENCES gateways (site_id, id)
      )`);

    // Every accepted event. (site, gateway, event id) is the idempotency key: a redelivery is a no-op.
    await q.query(`
      CREATE TABLE events (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id      text NOT NULL,
        gateway_id   text NOT NULL,
        event_id     uuid NOT NULL,
        sensor_id    text NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('drone', 'cyber', 'theft')),
        severity     text,
        zone         text,
        seq          bigint,
        occurred_at  timestamptz NOT NULL,
        received_at  timestamptz NOT NULL,
        stored_at    timestamptz NOT NULL DEFAULT now(),
        source       text NOT NULL CHECK (source IN ('canonical', 'suricata', 'remoteid')),
        late         boolean NOT NULL DEFAULT false,
        details      jsonb NOT NULL,
        topic        text NOT NULL,
        raw_payload  text NOT NULL,
        folded_at    timestamptz,
        fold_error   text,
        CONSTRAINT events_identity UNIQUE (site_id, gateway_id, event_id),
        FOREIGN KEY (site_id, gateway_id) REFERENCES gateways (site_id, id)
      )`);
    await q.query(`CREATE INDEX events_site_occurred ON events (site_id, occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX events_occurred ON events (occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX events_unfolded ON events (id) WHERE folded_at IS NULL AND fold_error IS NULL`);

    await q.query(`
      CREATE TABLE incidents (
        id                uuid PRIMARY KEY,
        site_id           text NOT NULL REFERENCES sites (id),
        group_key         text NOT NULL,
        title             text NOT NULL,
        severity          text NOT NULL,
        severity_rank     smallint NOT NULL,
        status            text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
        kinds             text[] NOT NULL,
        rule_ids          text[] NOT NULL,
        zones             text[] NOT NULL DEFAULT '{}',
        event_count       integer NOT NULL,
        first_seen_at     timestamptz NOT NULL,
        last_seen_at      timestamptz NOT NULL,
        opened_at         timestamptz NOT NULL,
        acknowledged_at   timestamptz,
        acknowledged_by   text,
        assignee          text,
        resolved_at       timestamptz,
        resolution        text,
        updated_at        timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX incidents_active_group ON incidents (site_id, group_key, last_seen_at) WHERE status <> 'resolved'`,
    );
    await q.query(`CREATE INDEX incidents_site_opened ON incidents (site_id, opened_at DESC, id DESC)`);
    await q.query(`CREATE INDEX incidents_opened ON incidents (opened_at DESC, id DESC)`);
    await q.query(`CREATE INDEX incidents_window ON incidents (last_seen_at, first_seen_at)`);

    await q.query(`
      CREATE TABLE incident_events (
        incident_id  uuid NOT NULL REFERENCES incidents (id),
        event_id     bigint NOT NULL REFERENCES events (id),
        PRIMARY KEY (incident_id, event_id)
      )`);
    await q.query(`CREATE INDEX incident_events_event ON incident_events (event_id)`);

    await q.query(`
      CREATE TABLE incident_timeline (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id  uuid NOT NULL REFERENCES incidents (id),
        at           timestamptz NOT NULL,
        actor        text NOT NULL,
        action       text NOT NULL,
        details      jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id)`);

    // The live stream: per site, messages numbered 1, 2, 3, … in commit order (see LiveLog).
    await q.query(`
      CREATE TABLE site_streams (
        site_id   text PRIMARY KEY,
        last_seq  bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE live_messages (
        site_id      text NOT NULL,
        seq          bigint NOT NULL,
        type         text NOT NULL,
        incident_id  uuid NOT NULL,
        payload      jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (site_id, seq)
      )`);

    await q.query(`
      CREATE TABLE rejected_events (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_at  timestamptz NOT NULL,
        topic        text NOT NULL,
        site_id      text,
        gateway_id   text,
        reason       text NOT NULL,
        payload      text NOT NULL,
        payload_bytes integer NOT NULL
      )`);
    await q.query(`CREATE INDEX rejected_events_received ON rejected_events (received_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE users (
        id             uuid PRIMARY KEY,
        username       text NOT NULL UNIQUE,
        password_hash  text NOT NULL,
        role           text NOT NULL CHECK (role IN ('operator', 'lead', 'admin')),
        site_ids       text[] NOT NULL DEFAULT '{}',
        disabled       boolean NOT NULL DEFAULT false,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'users',
      'rejected_events',
      'live_messages',
      'site_streams',
      'incident_timeline',
      'incident_events',
      'incidents',
      'events',
      'sensors',
      'gateways',
      'sites',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
