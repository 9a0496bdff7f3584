import type { FulfillmentMethod } from '../db/types.js';

export const fulfillmentMethods: { key: FulfillmentMethod; label: string }[] = [
  { key: 'pickup', label: 'Customer pickup' },
  { key: 'installation', label: 'Installation' },
  { key: 'delivery', label: 'Delivery' },
  { key: 'shipping', label: 'Shipping' },
];

export function isFulfillmentMethod(value: string): value is FulfillmentMethod {
  return fulfillmentMethods.some((method) => method.key === value);
}
