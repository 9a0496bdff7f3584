import { convert } from 'html-to-text';
import { renderView } from '../platform/views.js';

export interface MailContext {
  shopName: string;
  baseUrl: string;
  replyTo?: string;
}

interface PasswordResetData {
  name: string;
  resetPath: string;
  expiresInHours: number;
}

interface WelcomeData {
  name: string;
  email: string;
  setPasswordPath: string;
  expiresInHours: number;
}

interface ExportReadyData {
  name: string;
  title: string;
  rows: number;
  /** The export's page, with its token. */
  path: string;
  expiresAt: string;
}

interface SalesAlertData {
  name: string;
  message: string;
  orderPath: string;
  orderCompleted: boolean;
}

/** One item of an order update email. */
export interface CustomerItemUpdate {
  label: string;
  description: string;
  statusLabel: string;
  kind: string;
  /** Which customer email its status sends (item-built, item-completed, item-update). */
  email: string;
  fulfillmentMethod: string;
  carrier: string | null;
  tracking: string | null;
  trackingUrl: string | null;
}

interface OrderUpdateData {
  customerName: string;
  orderNumber: number;
  statusPath: string;
  items: CustomerItemUpdate[];
}

interface QueueDigestData {
  name: string;
  period: string;
  queues: { key: string; label: string; arrived: number; waiting: number }[];
  /** Unanswered alerts in those queues, per kind (missing in digests queued before alerts existed). */
  openAlerts?: { label: string; count: number }[];
}

interface MailTemplate<Data> {
  subject(data: Data, context: MailContext): string;
}

/** Every email Traveler sends: its subject here, its body in views/mail/<name>.eta. */
export const mailTemplates = {
  'password-reset': {
    subject: (_data: PasswordResetData, context: MailContext) => `Set a new password for ${context.shopName} on Traveler`,
  },
  welcome: {
    subject: (_data: WelcomeData, context: MailContext) => `Your ${context.shopName} account on Traveler`,
  },
  'order-update': {
    subject: (data: OrderUpdateData, context: MailContext) =>
      data.items.length === 1
        ? `${context.shopName}: ${data.items[0]!.description} (order ${data.orderNumber}): ${data.items[0]!.statusLabel}`
        : `${context.shopName}: updates on ${data.items.length} items of your order ${data.orderNumber}`,
  },
  'queue-digest': {
    subject: (data: QueueDigestData) => {
      const alerts = (data.openAlerts ?? []).reduce((sum, alert) => sum + alert.count, 0);
      const alertPart = alerts > 0 ? `${alerts} open ${alerts === 1 ? 'alert' : 'alerts'}` : '';
      if (data.queues.length === 0) return `Your queues: ${alertPart}`;
      return `New in your queues: ${data.queues.map((q) => `${q.arrived} ${q.label}`).join(', ')}${alertPart ? `; ${alertPart}` : ''}`;
    },
  },
  'export-ready': {
    subject: (data: ExportReadyData) => `Your report is ready: ${data.title}`,
  },
  'sales-alert': {
    subject: (data: SalesAlertData) => (data.orderCompleted ? 'Order complete: collect the final payment' : 'Item completed: collect payment if due'),
  },
} satisfies Record<string, MailTemplate<never>>;

export type MailTemplateName = keyof typeof mailTemplates;
export type MailData<Name extends MailTemplateName> = Parameters<(typeof mailTemplates)[Name]['subject']>[0];

export function isMailTemplateName(name: string): name is MailTemplateName {
  return Object.hasOwn(mailTemplates, name);
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** One Eta source gives the HTML; the plain-text part is derived from it, so the two never drift. */
export function renderMail(template: MailTemplateName, data: Record<string, unknown>, context: MailContext): RenderedMail {
  const subject = (mailTemplates[template].subject as (d: unknown, c: MailContext) => string)(data, context);
  const html = renderView(`mail/${template}`, { ...data, subject, shopName: context.shopName, baseUrl: context.baseUrl, replyTo: context.replyTo });
  const text = convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'head', format: 'skip' },
    ],
  });
  return { subject, html, text };
}
