import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Db } from '../../src/db/database.js';
import { setPin } from '../../src/accounts/pins.js';
import { startEnrolment } from '../../src/kiosk/devices.js';
import { createKiosk, type KioskInput } from '../../src/kiosk/kiosks.js';
import { loadWorkflow } from '../../src/workflow/definition.js';
import { Client } from './app.js';

/** A tablet enrolled into a new kiosk, speaking to the app the way the kiosk page does (htmx + its token). */
export class KioskTablet {
  csrf = '';
  constructor(
    readonly client: Client,
    readonly kioskId: number,
  ) {}

  async home(): Promise<LightMyRequestResponse> {
    const response = await this.client.get('/kiosk');
    const token = /"x-kiosk-csrf": "([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
    return response;
  }

  get(url: string) {
    return this.client.get(url, { 'hx-request': 'true' });
  }

  post(url: string, form: Record<string, string> = {}, csrf: string | false = this.csrf) {
    return this.client.post(url, form, { csrf: false, htmx: true, headers: csrf === false ? {} : { 'x-kiosk-csrf': csrf } });
  }

  async signIn(userId: number, pin: string, item = '') {
    return this.post('/kiosk/sign-in', { worker: String(userId), pin, item });
  }

  /** Posts a photo the way the kiosk's file input does (multipart/form-data). */
  async postPhoto(itemId: number, bytes: Buffer, filename = 'photo.jpg', contentType = 'image/jpeg') {
    return this.postMultipart(`/kiosk/items/${itemId}/photos`, {}, bytes, filename, contentType);
  }

  /** A checklist step's photo: its step and version go first, as the form's hidden fields do. */
  async postStepPhoto(itemId: number, fields: Record<string, string>, bytes: Buffer) {
    return this.postMultipart(`/kiosk/items/${itemId}/checks/photo`, fields, bytes, 'photo.jpg', 'image/jpeg');
  }

  private async postMultipart(url: string, fields: Record<string, string>, bytes: Buffer, filename: string, contentType: string) {
    const boundary = '----traveler-test-boundary';
    const payload = Buffer.concat([
      ...Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return this.client.app.inject({
      method: 'POST',
      url,
      headers: { cookie: this.client.cookieHeader, 'content-type': `multipart/form-data; boundary=${boundary}`, 'hx-request': 'true', 'x-kiosk-csrf': this.csrf },
      payload,
    });
  }
}

export async function createStation(db: Db, adminId: number, input: Partial<KioskInput> = {}): Promise<number> {
  return createKiosk(db, { userId: adminId }, await loadWorkflow(db, 'production'), { name: 'Router bay', queueKeys: ['pending', 'wip'], machineIds: [], idleSeconds: 90, ...input });
}

export async function enrolTablet(app: FastifyInstance, db: Db, adminId: number, kioskId: number): Promise<KioskTablet> {
  const { code } = await startEnrolment(db, { userId: adminId }, kioskId);
  const client = new Client(app);
  await client.get('/kiosk/enrol');
  const enrolled = await client.post('/kiosk/enrol', { code });
  if (enrolled.statusCode !== 303) throw new Error(`enrolment failed with ${enrolled.statusCode}: ${enrolled.body.slice(0, 300)}`);
  const tablet = new KioskTablet(client, kioskId);
  await tablet.home();
  return tablet;
}

export async function givePin(db: Db, userId: number, pin = '4812') {
  await setPin(db, { userId }, userId, pin);
  return pin;
}
