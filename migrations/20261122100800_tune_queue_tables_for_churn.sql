-- queue_changes is filled by every status change and emptied every few seconds; queues is
-- rewritten by each fold. Vacuum both often so dead rows never pile up in the navigation's
-- path, and leave room in queues' pages for in-place (HOT) updates.
alter table queue_changes set (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
                               autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 1000);
alter table queues set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 100);
