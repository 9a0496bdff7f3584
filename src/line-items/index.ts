import type { TravelerModule } from '../module.js';
import { lineItemSubject } from './subject.js';

/** Line items as a workflow subject: what the engine needs to move one. */
export const lineItems: TravelerModule = { name: 'line-items', subjectTypes: [lineItemSubject] };
