// Writes the API's OpenAPI document for the web build: runs `<reflector> serve` on a free loopback
// port with a throwaway SQLite database (no configuration needed), reads /openapi.json and stops
// the server. The output is rewritten only when the document changed, so the web build (and the
// binary that embeds it) reruns only when the API did.
//
// usage: node scripts/openapi.mjs <reflector binary> <out.json>
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [binaryArg, out] = process.argv.slice(2);
if (!binaryArg || !out) {
  console.error('usage: node scripts/openapi.mjs <reflector binary> <out.json>');
  process.exit(2);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const binary = resolve(binaryArg);
const dir = mkdtempSync(join(tmpdir(), 'reflector-openapi-'));
const port = await freePort();
const child = spawn(binary, ['serve', '--host', '127.0.0.1', '--port', String(port)], {
  cwd: dir,
  env: {
    PATH: process.env.PATH,
    DATABASE_URL: `sqlite:///${join(dir, 'openapi.db')}`,
    DATA_DIR: join(dir, 'data'),
    WORKER_THREADS: '0',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
let exited = null;
child.on('exit', (code, signal) => {
  exited = { code, signal };
});
child.on('error', (error) => {
  exited = { error: error.message };
});

let text = null;
const deadline = Date.now() + 30_000;
try {
  while (Date.now() < deadline && exited === null) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/openapi.json`);
      if (response.ok) {
        text = JSON.stringify(await response.json(), null, 2) + '\n';
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
} finally {
  if (exited === null) child.kill('SIGTERM');
}
rmSync(dir, { recursive: true, force: true });
if (text === null) {
  console.error(`openapi.mjs: ${binary} did not serve /openapi.json` +
                (exited ? ` (exited: ${JSON.stringify(exited)})` : ' within 30 s'));
  process.exit(1);
}
let previous = null;
try {
  previous = readFileSync(out, 'utf8');
} catch {
  // first run
}
if (previous !== text) {
  writeFileSync(`${out}.tmp`, text);
  renameSync(`${out}.tmp`, out);
}
