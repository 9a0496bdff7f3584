-- Completing an item looks up whether its salesperson was already alerted (a reopened item
-- completed again is not news), and deleting an item cascades to its alerts.
create index alerts_line_item_idx on alerts (line_item_id) where line_item_id is not null;
