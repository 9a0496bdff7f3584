import type { TravelerModule } from '../module.js';
import { visibilityHook } from './hook.js';

/** Who sees which records: a salesperson kept to their own customers, and money only for those who handle it. */
export const visibility: TravelerModule = {
  name: 'visibility',
  routes: [visibilityHook],
};
