/** Fields that show money, in edits and review changes ("Unit price", "Total"). */
export const isMoneyField = (field: string) => /price|total|amount|tax|balance/i.test(field);
const moneyEvents = new Set(['payment-recorded', 'invoice-issued']);
const moneyDocuments = new Set(['Price sheet', 'Invoice']);

/**
 * The history as someone who does not see money reads it: payments, invoices and price sheets
 * left out, totals and price changes taken out of what is left.
 */
export function historyWithoutMoney<Entry extends { action: string; particulars: Record<string, unknown> }>(entries: readonly Entry[]): Entry[] {
  return entries.flatMap((entry) => {
    const particulars = entry.particulars;
    if (moneyEvents.has(entry.action)) return [];
    if (entry.action.startsWith('document-') && (moneyDocuments.has(String(particulars.title)) || String(particulars.title ?? '').startsWith('Invoice'))) return [];
    if (entry.action === 'created' && 'total' in particulars) return [{ ...entry, particulars: { ...particulars, total: undefined } }];
    if (Array.isArray(particulars.changes)) {
      const changes = (particulars.changes as { field: string }[]).filter((change) => !isMoneyField(change.field));
      if (changes.length === 0) return [];
      return [{ ...entry, particulars: { ...particulars, changes } }];
    }
    return [entry];
  });
}
