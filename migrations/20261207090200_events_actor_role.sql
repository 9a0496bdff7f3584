-- The role a person acted in when they did something (a person may hold several and choose
-- one to act in): the history says "as QA", "as production". Null for Traveler's own work and
-- for events written before roles were recorded.
alter table events add column actor_role text;
