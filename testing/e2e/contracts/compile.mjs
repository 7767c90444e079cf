// Regenerate Counter.json from Counter.sol with solc-js (devDependency of ../js):
//   cd testing/e2e/js && node ../contracts/compile.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'js', 'package.json'));
const solc = require('solc');

const source = readFileSync(join(here, 'Counter.sol'), 'utf8');
const input = {
  language: 'Solidity',
  sources: { 'Counter.sol': { content: source } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'shanghai',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors ?? []) {
  console.error(e.formattedMessage);
  if (e.severity === 'error') process.exit(1);
}
const c = out.contracts['Counter.sol'].Counter;
const artifact = {
  contractName: 'Counter',
  compiler: `solc-js ${solc.version()}`,
  abi: c.abi,
  bytecode: '0x' + c.evm.bytecode.object,
};
writeFileSync(join(here, 'Counter.json'), JSON.stringify(artifact, null, 2) + '\n');
console.log(`wrote Counter.json (${c.evm.bytecode.object.length / 2} bytes of init code)`);
