export const roles = ['admin', 'sales', 'production', 'fulfillment', 'installer', 'service', 'accounting', 'qa'] as const;
export type Role = (typeof roles)[number];

const everyone = roles;

/** What people call each role (the roles table holds the same, with descriptions). */
export const roleLabels: Record<Role, string> = {
  admin: 'Admin',
  sales: 'Sales',
  production: 'Production',
  fulfillment: 'Fulfillment',
  installer: 'Installer',
  service: 'Service',
  accounting: 'Accounting',
  qa: 'QA',
};

/**
 * The one table that decides what each role may do. Every route names one of these
 * permissions (or 'public' / 'signed-in') in its config; the app refuses to start otherwise.
 */
export const permissions = {
  'dashboard:view': everyone,
  'queues:view': ['admin', 'sales', 'production', 'fulfillment', 'qa', 'accounting'],
  'items:move': ['admin', 'sales', 'production', 'fulfillment'],
  'orders:view': ['admin', 'sales', 'production', 'fulfillment', 'qa', 'accounting'],
  'orders:manage': ['admin', 'sales'],
  'orders:review': ['admin', 'accounting', 'qa'],
  'documents:attach': ['admin', 'sales', 'accounting', 'qa'],
  'payments:record': ['admin', 'accounting'],
  'invoices:issue': ['admin', 'accounting'],
  'batches:manage': ['admin', 'sales', 'production'],
  'customers:manage': ['admin', 'sales'],
  'catalog:manage': ['admin'],
  'users:manage': ['admin'],
  'settings:manage': ['admin'],
  'mailbox:read': ['admin'],
  'kiosks:manage': ['admin'],
  'checklists:record': ['admin', 'production', 'fulfillment', 'qa'],
  'checklists:waive': ['admin', 'qa'],
  'checklists:manage': ['admin', 'qa'],
  /** Prices, totals, payments, invoices and price sheets: hidden from the shop floor and installers. */
  'money:view': ['admin', 'sales', 'accounting'],
  'planning:view': ['admin', 'production', 'fulfillment', 'qa'],
  'planning:manage': ['admin', 'production'],
  'workflows:manage': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;
/**
 * 'public': no login needed. 'signed-in': any active user, whatever their roles. 'kiosk': an
 * enrolled shop-floor tablet (its credential, not a person's session; see src/kiosk).
 */
export type RouteAccess = Permission | 'public' | 'signed-in' | 'kiosk';

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

export function can(userRoles: readonly string[], permission: Permission): boolean {
  const allowed: readonly Role[] = permissions[permission];
  return userRoles.some((role) => isRole(role) && allowed.includes(role));
}
