/**
 * A SET clause for the functions that look events up (by id, by transaction): plan their lookups as index scans
 * whatever the tables' size. plpgsql keeps a generic plan per statement for its session once it judges it no worse
 * than the custom ones, and judges it while the tables are tiny (a fresh store): a sequential scan. Nothing
 * replans it as the log grows unless statistics change (autovacuum's analyse; off here, and PGlite has none): a
 * pooled connection then scanned the whole log per append — the rebuild bench's seeding slowed to ~140 events/s at
 * 466,000 events, a sequential scan of `es_events` for `event_id = any(…)` in every `es_append` (perf).
 * Every lookup these functions make has an index; the setting only removes the scan from the planner's choices.
 */
export const INDEX_LOOKUPS_ONLY = 'set enable_seqscan = off';
