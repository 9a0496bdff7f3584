-- Status changes append their effect on queue counts here instead of updating the queue's own
-- row, so concurrent changes never wait for each other; a job folds the rows into queues every
-- few seconds. A queue's change number counts committed changes (folded plus waiting), so it
-- grows with every commit that touches the queue, whatever order the rows' ids were taken in.
create table queue_changes (
  id bigint generated always as identity primary key,
  queue_key text not null references queues (key) on delete cascade,
  delta integer not null
);

create index queue_changes_queue_idx on queue_changes (queue_key);

create view queue_totals as
select q.key,
       q.item_count + coalesce(c.delta, 0) as item_count,
       q.change_seq + coalesce(c.changes, 0) as change_seq
  from queues q
  left join (select queue_key, sum(delta)::int as delta, count(*) as changes
               from queue_changes group by queue_key) c on c.queue_key = q.key;
