#!/bin/bash
# EXPLAIN ANALYZE of GET /events for a site's day on a history database (default og_bench_history_20m),
# without and with the arrival bound the service adds; each query twice in one session, the
# times literal as the service's parameters give the planner. Usage: bench/explain-site-day.sh [database]
DB=${1:-og_bench_history_20m}
COLS="e.id, e.site_id, e.gateway_id, e.event_id, e.sensor_id, e.kind, e.severity, e.zone, e.seq, e.occurred_at, e.received_at, e.source, e.late, e.details, e.remote_id, ARRAY(SELECT ie.incident_id FROM incident_events ie WHERE ie.event_id = e.id) AS incident_ids"
SQL=""
for site in hist-0007 mine-03; do
for back in 100 40; do
FROM="'$(date -u -d "-$back days" +%Y-%m-%dT%H:%M:%SZ)'::timestamptz"
TO="'$(date -u -d "-$((back-1)) days" +%Y-%m-%dT%H:%M:%SZ)'::timestamptz"
NB="EXPLAIN (ANALYZE, SUMMARY) SELECT $COLS FROM events e WHERE e.site_id = '$site' AND e.occurred_at >= $FROM AND e.occurred_at <= $TO ORDER BY e.occurred_at DESC, e.id DESC LIMIT 501;"
WB="EXPLAIN (ANALYZE, SUMMARY) SELECT $COLS FROM events e WHERE e.site_id = '$site' AND e.occurred_at >= $FROM AND e.occurred_at <= $TO AND e.received_at >= ($FROM) - interval '65 minutes' AND e.received_at <= ($TO) + interval '30 days 1 hour' ORDER BY e.occurred_at DESC, e.id DESC LIMIT 501;"
SQL="$SQL \\echo '== $site $back days back: no bound (twice), bound (twice)'
$NB $NB $WB $WB"
done; done
psql -h 127.0.0.1 -U postgres -d $DB -At <<< "$SQL" | grep -E "==|Execution Time|Planning Time|actual time=.*rows=.*loops=1\)$" | grep -E "==|Time"
