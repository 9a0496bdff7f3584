/**
 * `npm test`: runs every tap test against a real PostgreSQL and prints "N passed, N failed" last.
 * Uses TEST_DATABASE_URL or DATABASE_URL when set, otherwise starts an embedded PostgreSQL.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Parser, type FinalResults } from 'tap-parser';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';
import { projectRoot } from '../src/paths.js';
import { chromiumPath } from './helpers/browser.js';

const rawTapFile = join(projectRoot, '.tap-output', 'run.tap');

interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Runs tap with its raw TAP reporter and reads that stream: one line per test file on the
 * console, the failing file's own TAP in full, and the whole run kept in .tap-output/run.tap.
 * Each top-level t.test() in a file counts once; a file that fails without a failing test
 * (a crash, a timeout) counts as one failure.
 */
function runTap(args: string[], env: NodeJS.ProcessEnv): Promise<{ exitCode: number; totals: Totals }> {
  mkdirSync(dirname(rawTapFile), { recursive: true });
  const raw = createWriteStream(rawTapFile);
  const totals: Totals = { passed: 0, failed: 0, skipped: 0 };
  const parser = new Parser();
  const files = new Map<string, { results: FinalResults; lines: string[] }>();
  parser.on('child', (file: Parser) => {
    const lines: string[] = [];
    file.on('line', (line: string) => lines.push(line));
    file.on('complete', (results: FinalResults) => files.set(file.name, { results, lines }));
  });
  // The file's own ok/not ok comes after its subtests: only it knows about crashes and timeouts.
  parser.on('assert', (fileResult: { ok: boolean; name: string }) => {
    const file = files.get(fileResult.name);
    const results = file?.results;
    const passed = results ? results.pass - results.skip - results.todo : 0;
    const failed = Math.max(results?.fail ?? 0, fileResult.ok ? 0 : 1);
    const skipped = results?.skip ?? 0;
    totals.passed += passed;
    totals.failed += failed;
    totals.skipped += skipped;
    const mark = failed > 0 ? '✗' : '✓';
    console.log(`${mark} ${fileResult.name}  (${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}, ${Math.round(results?.time ?? 0)} ms)`);
    for (const skip of results?.skips ?? []) console.log(`    skipped: ${skip.name}${typeof skip.skip === 'string' ? ` - ${skip.skip}` : ''}`);
    if (failed > 0) console.log((file?.lines ?? []).map((line) => `    ${line}`).join(''));
  });
  return new Promise((resolve) => {
    const tapBin = join(projectRoot, 'node_modules', '.bin', 'tap');
    const child = spawn(tapBin, ['--reporter=tap', ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
    child.stdout.on('data', (chunk: Buffer) => {
      raw.write(chunk);
      parser.write(chunk);
    });
    child.on('close', (code, signal) => {
      parser.end();
      raw.end();
      resolve({ exitCode: code ?? (signal ? 1 : 0), totals });
    });
  });
}

/**
 * A fresh `npm install` ships tap's Test class built with its TypeScript plugin, which
 * breaks under TypeScript 7; .taprc removes it, but tap only rebuilds after it has already
 * chosen its loaders for that run. Rebuilding first makes the very first run work.
 */
function ensureTapBuiltWithoutTypescriptPlugin(): void {
  const built = join(projectRoot, 'node_modules', '@tapjs', 'test', 'test-built', 'dist', 'esm', 'index.js');
  if (existsSync(built) && !readFileSync(built, 'utf8').includes('@tapjs/typescript')) return;
  console.log('Building tap for this project (once after install)...');
  const result = spawnSync(join(projectRoot, 'node_modules', '.bin', 'tap'), ['build'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tap build failed');
}

let embedded: EmbeddedDatabase | undefined;
let embeddedDir: string | undefined;
const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test' };

if (!env.TEST_DATABASE_URL && env.DATABASE_URL) env.TEST_DATABASE_URL = env.DATABASE_URL;
if (!env.TEST_DATABASE_URL) {
  embeddedDir = mkdtempSync(join(tmpdir(), 'traveler-test-pg-'));
  chmodSync(embeddedDir, 0o755);
  console.log('No TEST_DATABASE_URL or DATABASE_URL: starting an embedded PostgreSQL for the tests.');
  embedded = await startEmbeddedPostgres({ directory: embeddedDir, database: 'postgres', persistent: false });
  env.TEST_DATABASE_URL = embedded.url;
}

if (!chromiumPath()) {
  const line = '!'.repeat(78);
  console.error(`\n${line}\n! Chromium was not found: browser tests will ${env.CI === 'true' ? 'FAIL (CI=true)' : 'be SKIPPED'}.\n! Install it with: apt-get install -y chromium   (or set CHROMIUM_PATH)\n${line}\n`);
}

ensureTapBuiltWithoutTypescriptPlugin();
let outcome = { exitCode: 1, totals: { passed: 0, failed: 0, skipped: 0 } };
try {
  outcome = await runTap(process.argv.slice(2), env);
} finally {
  await embedded?.stop();
  if (embeddedDir) rmSync(embeddedDir, { recursive: true, force: true });
}

const { exitCode, totals } = outcome;
if (exitCode !== 0 && totals.failed === 0) {
  console.error(`tap exited with code ${exitCode}; see .tap-output/run.tap`);
  totals.failed += 1;
}
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(exitCode !== 0 || totals.failed > 0 ? 1 : 0);
