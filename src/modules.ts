import { lineItemSubject } from './line-items/subject.js';
import { lineItemEffects } from './notifications/effects.js';
import { registerEffect, registerSubjectType } from './workflow/subjects.js';

/**
 * Registers every module's subject types and the effects hung off their transitions. The app
 * calls it as it builds; so do scripts and tests that move things without the app.
 */
export function installModules(): void {
  registerSubjectType(lineItemSubject);
  for (const effect of lineItemEffects) registerEffect(effect);
}
