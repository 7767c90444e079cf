// Real-peer harness for the JS end-to-end tests: starts anvil (npm @foundry-rs/anvil) and the
// real Palisade dev server. No mocks.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url)); // testing/e2e/js/lib
export const E2E_DIR = resolve(here, '..', '..');
export const REPO_ROOT = resolve(E2E_DIR, '..', '..');
export const LOG_DIR = process.env.PALISADE_E2E_LOGS || join(E2E_DIR, '.logs');
export const CONTRACT = JSON.parse(readFileSync(join(E2E_DIR, 'contracts', 'Counter.json'), 'utf8'));

const children = new Set();
process.on('exit', () => { for (const c of children) try { c.kill('SIGKILL'); } catch {} });

export function palisadeBin() {
  if (process.env.PALISADE_BIN) {
    const p = process.env.PALISADE_BIN;
    return isAbsolute(p) ? p : join(REPO_ROOT, p);
  }
  let base = process.env.CARGO_TARGET_DIR || join(REPO_ROOT, 'target');
  if (!isAbsolute(base)) base = join(REPO_ROOT, base);
  return join(base, 'debug', 'palisade');
}

export function anvilBin() {
  if (process.env.ANVIL_BIN) return process.env.ANVIL_BIN;
  const require = createRequire(join(E2E_DIR, 'js', 'package.json'));
  const os = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[process.platform];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch];
  try {
    const dir = dirname(require.resolve(`@foundry-rs/anvil-${os}-${arch}/package.json`));
    return join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  } catch {
    return join(E2E_DIR, 'js', 'node_modules', '.bin', 'anvil');
  }
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function logFile(name) {
  mkdirSync(LOG_DIR, { recursive: true });
  return join(LOG_DIR, `${name}-js-${process.pid}-${Date.now()}-${Math.floor(Math.random() * 1e6)}.log`);
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(t);
  children.delete(child);
}

export async function jsonRpc(url, method, params = [], headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { throw new Error(`${method}: HTTP ${res.status} non-JSON ${text.slice(0, 300)}`); }
  if (body.error) {
    const e = new Error(`${method}: HTTP ${res.status} error ${JSON.stringify(body.error)}`);
    e.rpc = body.error; e.status = res.status;
    throw e;
  }
  return body.result;
}

export async function startAnvil({ chainId = 31337 } = {}) {
  const bin = anvilBin();
  if (!existsSync(bin)) throw new Error(`anvil not found at ${bin}; run testing/e2e/setup.sh`);
  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const log = logFile('anvil');
    const out = createWriteStream(log);
    const child = spawn(bin, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.stdout.pipe(out); child.stderr.pipe(out);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && child.exitCode === null) {
      try {
        if (parseInt(await jsonRpc(url, 'eth_chainId'), 16) === chainId) {
          const anvil = {
            url, port, chainId, log,
            rpc: (m, p) => jsonRpc(url, m, p),
            setBalance: (addr, wei) => jsonRpc(url, 'anvil_setBalance', [addr, '0x' + BigInt(wei).toString(16)]),
            stop: () => stopChild(child),
          };
          return anvil;
        }
      } catch {}
      await sleep(100);
    }
    lastErr = new Error(`anvil did not start on ${url} (log ${log})`);
    await stopChild(child);
  }
  throw lastErr;
}

export async function startPalisade(anvil, { timeoutMs = 60_000, extraArgs = [] } = {}) {
  const bin = palisadeBin();
  if (!existsSync(bin)) throw new Error(`palisade binary not found at ${bin} (set PALISADE_BIN or cargo build -p palisade)`);
  const workdir = mkdtempSync(join(tmpdir(), 'palisade-e2e-js-'));
  const tokenFile = join(workdir, 'root-token');
  const port = await freePort();
  const args = ['serve', '--dev', '--listen', `127.0.0.1:${port}`, '--upstream', anvil.url,
    '--dev-token-file', tokenFile, ...extraArgs,
    ...(process.env.PALISADE_EXTRA_ARGS ? process.env.PALISADE_EXTRA_ARGS.split(/\s+/).filter(Boolean) : [])];
  const log = logFile('palisade');
  const out = createWriteStream(log);
  out.write(`${bin} ${args.join(' ')}\n`);
  const child = spawn(bin, args, { cwd: workdir, stdio: ['ignore', 'pipe', 'pipe'],
    env: { RUST_BACKTRACE: '1', ...process.env } });
  children.add(child);
  const found = {};
  createInterface({ input: child.stdout }).on('line', (line) => {
    out.write(line + '\n');
    const m1 = /^PALISADE_ADDR=(\S+)\s*$/.exec(line.trim());
    if (m1) found.addr = m1[1].replace(/\/$/, '');
    const m2 = /^PALISADE_TOKEN=(\S+)\s*$/.exec(line.trim());
    if (m2) found.token = m2[1];
  });
  child.stderr.pipe(out);

  const deadline = Date.now() + timeoutMs;
  let base;
  for (;;) {
    if (child.exitCode !== null) {
      await sleep(200);
      throw new Error(`palisade exited with ${child.exitCode}; log ${log}:\n${readFileSync(log, 'utf8').slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`palisade not ready after ${timeoutMs} ms; log ${log}:\n${readFileSync(log, 'utf8').slice(-3000)}`);
    }
    base = found.addr || `http://127.0.0.1:${port}`;
    try {
      const r = await fetch(base + '/readyz');
      if (r.status === 200 && existsSync(tokenFile) && readFileSync(tokenFile, 'utf8').trim()) break;
    } catch {}
    await sleep(100);
  }
  await sleep(50);
  const adminToken = readFileSync(tokenFile, 'utf8').trim();
  const url = found.addr || base;

  async function admin(method, path, body, { expect = '2xx' } = {}) {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const ok = expect === '2xx' ? res.status >= 200 && res.status < 300 : res.status === expect;
    if (expect !== null && !ok) {
      throw new Error(`${method} ${path} ${JSON.stringify(body)} -> HTTP ${res.status} ${text.slice(0, 500)}`);
    }
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  const pal = {
    url, rpcUrl: url + '/', adminToken, stdoutToken: found.token, log, anvil,
    admin,
    async createKey(labels = {}) { return (await admin('POST', '/v1/keys', { type: 'secp256k1', labels })).body; },
    async createCredential(keys, { methods = ['read', 'sign', 'send'], expiresInSecs } = {}) {
      const body = { name: `e2e-js-${Date.now()}-${Math.random()}`, keys, methods, admin: false };
      if (expiresInSecs !== undefined) body.expires_in_secs = expiresInSecs;
      return (await admin('POST', '/v1/credentials', body)).body;
    },
    /** a new key, a credential scoped to it, and 10,000 ETH on anvil */
    async fundedKey(wei = 10n ** 22n) {
      const key = await pal.createKey({ purpose: 'e2e-js' });
      const cred = await pal.createCredential([key.id]);
      await anvil.setBalance(key.address, wei);
      return { key, token: cred.token };
    },
    rpc: (method, params, token) => jsonRpc(url + '/', method, params, token ? { authorization: `Bearer ${token}` } : {}),
    async stop() { await stopChild(child); rmSync(workdir, { recursive: true, force: true }); },
  };
  return pal;
}

export async function waitReceipt(anvil, hash, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const rc = await anvil.rpc('eth_getTransactionReceipt', [hash]);
    if (rc) return rc;
    await sleep(50);
  }
  throw new Error(`no receipt for ${hash}`);
}

export function logTail(path, n = 3000) {
  try { return readFileSync(path, 'utf8').slice(-n); } catch { return ''; }
}


