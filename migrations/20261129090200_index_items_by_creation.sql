-- Reports over a period take the items placed in it: without this, a full scan of line_items.
create index line_items_created_idx on line_items (created_at);
