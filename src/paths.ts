import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

// Resolves the same from src/paths.ts (tsx) and dist/paths.js (compiled).
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
export const viewsDir = join(projectRoot, 'views');
export const migrationsDir = join(projectRoot, 'migrations');
export const publicDir = join(projectRoot, 'public');
export const nodeModulesDir = join(projectRoot, 'node_modules');
