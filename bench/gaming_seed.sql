-- Seeded data for timing gaming detection (docs/gaming.md): :n test items (clocktest) over the
-- demo's units, started in the last 60 days with a 10-working-day limit, each with its
-- clock.started event; a third paused (one in ten of those on its due day), one in fifty
-- extended twice across a restart, one in a hundred closed at the deadline and restarted, one in
-- a hundred restarted twice while open. Run: psql -v n=200000 -f bench/gaming_seed.sql
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE g_units AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM efficiency_unit WHERE kind <> 'office';
CREATE TEMP TABLE g_items AS
  SELECT g AS n, now() - make_interval(days => 14 + (g % 45)) AS started_at
  FROM generate_series(1, :n) g;
ALTER TABLE g_items ADD COLUMN id bigint, ADD COLUMN unit_id bigint;
UPDATE g_items i SET unit_id = u.id FROM g_units u WHERE u.k = i.n % (SELECT count(*) FROM g_units);
WITH ins AS (
  INSERT INTO clocktest_timeditem (clock_start, limit_value, limit_unit, legal_limit_unit, due_at, breach_level, clock_state,
      pause_reason, pauses, extension_unit, extension_reason, is_provisional, title, unit_id, prev_level)
  SELECT started_at, 10, 'wd', 'wd', started_at + interval '14 days', 0, 'on_track', '', '[]', 'wd', '', false,
         'bench#' || n, unit_id, 0 FROM g_items ORDER BY n RETURNING id, title)
UPDATE g_items i SET id = ins.id FROM ins WHERE ins.title = 'bench#' || i.n;
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
SELECT started_at, 'clock.started', 'clocktest.timeditem', id, unit_id, '',
       jsonb_build_object('due_at', started_at + interval '14 days'), '[]', true FROM g_items;
-- pauses: a third of the items; one in ten of those on the due day
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
SELECT CASE WHEN n % 30 = 0 THEN started_at + interval '13 days 20 hours' ELSE started_at + interval '3 days' END,
       'clock.paused', 'clocktest.timeditem', id, unit_id, '',
       jsonb_build_object('reason', 'expert', 'due_at', started_at + interval '14 days'), '[]', true
FROM g_items WHERE n % 3 = 0;
-- two extensions across a restart
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
SELECT started_at + make_interval(days => d), 'clock.extended', 'clocktest.timeditem', id, unit_id, '',
       jsonb_build_object('value', 5, 'unit', 'wd', 'old_due_at', started_at + interval '14 days',
                          'due_at', started_at + interval '21 days'), '[]', true
FROM g_items, (VALUES (2), (9)) AS x(d) WHERE n % 50 = 1;
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
SELECT started_at + interval '5 days', 'clock.started', 'clocktest.timeditem', id, unit_id, '',
       jsonb_build_object('due_at', started_at + interval '19 days'), '[]', true FROM g_items WHERE n % 50 = 1;
-- closed at the deadline and started again the next morning
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
SELECT started_at + interval '13 days 22 hours', 'clock.closed', 'clocktest.timeditem', id, unit_id, '',
       jsonb_build_object('late', false, 'due_at', started_at + interval '14 days'), '[]', true
FROM g_items WHERE n % 100 = 2;
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
SELECT started_at + interval '14 days 10 hours', 'clock.started', 'clocktest.timeditem', id, unit_id, '',
       jsonb_build_object('due_at', started_at + interval '28 days'), '[]', true FROM g_items WHERE n % 100 = 2;
-- restarted twice while open
INSERT INTO efficiency_event (at, kind, subject_type, subject_id, unit_id, message, payload, recipients, fanned_out)
SELECT started_at + make_interval(days => d), 'clock.started', 'clocktest.timeditem', id, unit_id, '',
       jsonb_build_object('due_at', started_at + make_interval(days => 14 + d)), '[]', true
FROM g_items, (VALUES (4), (8)) AS x(d) WHERE n % 100 = 3;
COMMIT;
ANALYZE efficiency_event;
ANALYZE clocktest_timeditem;
