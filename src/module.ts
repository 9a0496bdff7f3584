import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { NavLink } from './platform/views.js';
import type { SubjectRow, SubjectType, TransitionEffect, TransitionGate } from './workflow/subjects.js';

/** Work on a schedule; safe with several app instances running (each job says how). */
export interface ScheduledJob {
  name: string;
  /** node-cron's pattern, with seconds when it has six fields. */
  cron: string;
  /** Run by the shop's clock (hours, days) rather than the server's. */
  shopTime?: boolean;
  run(app: FastifyInstance): Promise<unknown>;
}

/**
 * What a module adds to Traveler. Each folder's index.ts exports one; src/modules.ts lists
 * them, and the app, the schedule and the workflow engine take what they need from the list.
 */
export interface TravelerModule {
  name: string;
  routes?: FastifyPluginAsync[];
  jobs?: ScheduledJob[];
  navigation?: NavLink[];
  subjectTypes?: SubjectType<SubjectRow>[];
  effects?: TransitionEffect[];
  /** Requirements of its subjects' transitions that it checks against its own records. */
  gates?: TransitionGate[];
}
