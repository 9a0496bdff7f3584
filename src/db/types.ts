import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<Record<string, unknown>, string | undefined, string>;

export interface RolesTable {
  name: string;
  label: string;
  description: string;
  position: number;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string;
  active: Generated<boolean>;
  version: Generated<number>;
  last_login_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface UserRolesTable {
  user_id: number;
  role: string;
}

export interface SessionsTable {
  id_hash: string;
  data: Json;
  user_id: number | null;
  expires_at: Timestamp;
  updated_at: Timestamp;
}

export interface ShopSettingsTable {
  id: Generated<boolean>;
  shop_name: string;
  reply_to_email: string | null;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface EventsTable {
  id: Generated<number>;
  occurred_at: CreatedAt;
  actor_user_id: number | null;
  actor_via: string | null;
  subject_type: string;
  subject_id: number;
  action: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
  particulars: Json;
}

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'captured' | 'failed';

export interface OutboxTable {
  id: Generated<number>;
  idempotency_key: string;
  template: string;
  to_address: string;
  data: Json;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: NullableTimestamp;
  subject: string | null;
  html_body: string | null;
  text_body: string | null;
  message_id: string | null;
  smtp_response: string | null;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: NullableTimestamp;
}

export interface AccessTokensTable {
  id: Generated<number>;
  token_hash: string;
  purpose: string;
  subject_type: string;
  subject_id: number;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_by: number | null;
  created_at: CreatedAt;
}

export interface Database {
  roles: RolesTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  shop_settings: ShopSettingsTable;
  events: EventsTable;
  outbox: OutboxTable;
  access_tokens: AccessTokensTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewEvent = Insertable<EventsTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type OutboxUpdate = Updateable<OutboxTable>;
