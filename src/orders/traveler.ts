import QRCode from 'qrcode';
import { code39Svg } from '../platform/code39.js';

/** The code printed on a job traveler and typed by a kiosk's scanner: order number, dash, item index. */
export function jobCode(orderNumber: number, position: number): string {
  return `${orderNumber}-${position}`;
}

/** Each item of an order with its job code as a QR code and a Code 39 barcode (SVG markup). */
export async function jobTravelers<T extends { position: number }>(orderNumber: number, items: T[]) {
  return Promise.all(
    items.map(async (item) => {
      const code = jobCode(orderNumber, item.position);
      return { ...item, code, qrSvg: await QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }), barcodeSvg: code39Svg(code) };
    }),
  );
}
