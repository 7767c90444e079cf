#!/usr/bin/env node
// Palisade bench: a thin wrapper around the shared solc shim (path in $SOLC_SHIM).
// The shim always prints `abi`, `userdoc` and `devdoc` of `--combined-json` as JSON strings
// (the format of native solc before 0.8); crytic-compile expects JSON objects for 0.8.x and
// later. This wrapper runs the shim unchanged and, for those versions, decodes the strings.
// Written for this project; it contains none of the shim's code.
'use strict';
const { spawnSync } = require('child_process');

const shim = process.env.SOLC_SHIM;
if (!shim) {
  process.stderr.write('solc-wrap: set SOLC_SHIM to the path of solc-shim.js\n');
  process.exit(2);
}
const args = process.argv.slice(2);
const r = spawnSync(process.execPath, [shim, ...args], {
  env: process.env,
  maxBuffer: 1 << 30,
  encoding: 'utf8',
});
if (r.error) {
  process.stderr.write(`solc-wrap: ${r.error.message}\n`);
  process.exit(2);
}
if (r.stderr) process.stderr.write(r.stderr);
let out = r.stdout || '';
const minor = Number((process.env.SHIM_SOLC_VERSION || '0.0.0').split('.')[1]);
if (r.status === 0 && args.includes('--combined-json') && minor >= 8) {
  const j = JSON.parse(out);
  for (const c of Object.values(j.contracts || {})) {
    for (const k of ['abi', 'userdoc', 'devdoc']) {
      if (typeof c[k] === 'string') c[k] = JSON.parse(c[k] || '{}');
    }
  }
  out = JSON.stringify(j);
}
process.stdout.write(out);
process.exitCode = r.status === null ? 1 : r.status;
