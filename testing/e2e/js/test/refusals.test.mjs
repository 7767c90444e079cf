// Refusals as a real client shows them: the JSON-RPC error (code and message) must reach the
// application through ethers v6 and viem, not be lost as a transport error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FetchRequest, JsonRpcProvider, Network } from 'ethers';
import { createWalletClient, defineChain, getAddress, http } from 'viem';
import { startAnvil, startPalisade } from '../lib/harness.mjs';

function ethersProvider(pal, token, chainId) {
  const req = new FetchRequest(pal.rpcUrl);
  req.setHeader('Authorization', `Bearer ${token}`);
  return new JsonRpcProvider(req, Network.from(chainId), { staticNetwork: true, batchMaxCount: 1 });
}

async function ethersError(promise) {
  try { await promise; } catch (e) { return e; }
  assert.fail('expected an error');
}

/** the JSON-RPC error object ethers surfaced (ethers keeps it as `error.error`) */
function rpcErrorOf(e) {
  return e?.error ?? e?.info?.error ?? null;
}

describe('refusals through ethers v6 and viem', () => {
  let anvil, pal, key, token, provider, wallet;

  before(async () => {
    anvil = await startAnvil();
    pal = await startPalisade(anvil);
    ({ key, token } = await pal.fundedKey());
    provider = ethersProvider(pal, token, anvil.chainId);
    const chain = defineChain({ id: anvil.chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [pal.rpcUrl] } } });
    wallet = createWalletClient({ account: getAddress(key.address), chain,
      transport: http(pal.rpcUrl, { fetchOptions: { headers: { Authorization: `Bearer ${token}` } }, retryCount: 0 }) });
  });

  after(async () => {
    provider?.destroy();
    await pal?.stop();
    await anvil?.stop();
  });

  test('firewall: admin_nodeInfo -32001 named (ethers)', async () => {
    const e = await ethersError(provider.send('admin_nodeInfo', []));
    const err = rpcErrorOf(e);
    assert.equal(err?.code, -32001, `ethers surfaced ${e.code}: ${e.message}`);
    assert.match(err.message, /admin_nodeInfo/);
  });

  test('firewall: personal_unlockAccount -32001 named (viem)', async () => {
    const e = await wallet.request({ method: 'personal_unlockAccount', params: [key.address, 'pw', 60] }).catch((x) => x);
    assert.ok(e instanceof Error, 'expected an error');
    assert.equal(e.code, -32001, `viem surfaced ${e.name}: ${e.shortMessage ?? e.message}`);
    assert.match(e.details ?? e.message, /personal_unlockAccount/);
  });

  test('wrong chain id -32006 (ethers eth_signTransaction)', async () => {
    const e = await ethersError(provider.send('eth_signTransaction', [{ from: key.address, to: key.address, gas: '0x5208', gasPrice: '0x1', nonce: '0x0', value: '0x0', chainId: '0x1' }]));
    const err = rpcErrorOf(e);
    assert.equal(err?.code, -32006, `ethers surfaced ${e.code}: ${e.message}`);
    assert.match(err.message, /chain/i);
  });

  test('frozen key -32003 (ethers personal_sign, viem signMessage)', async () => {
    await pal.admin('POST', `/v1/keys/${key.id}/freeze`);
    try {
      const e = await ethersError(provider.send('personal_sign', ['0x68656c6c6f', key.address]));
      const err = rpcErrorOf(e);
      assert.equal(err?.code, -32003, `ethers surfaced ${e.code}: ${e.message}`);
      assert.match(err.message, /frozen/i);
      const v = await wallet.signMessage({ message: 'hello' }).catch((x) => x);
      assert.ok(v instanceof Error, 'expected an error');
      assert.equal(v.code, -32003, `viem surfaced ${v.name}: ${v.shortMessage ?? v.message}`);
    } finally {
      await pal.admin('POST', `/v1/keys/${key.id}/unfreeze`);
    }
  });

  test('sealed server -32002 reaches ethers and viem (the error must carry the request id)', async () => {
    await pal.admin('POST', '/v1/sys/seal');
    const e = await ethersError(provider.send('personal_sign', ['0x68656c6c6f', key.address]));
    const err = rpcErrorOf(e);
    assert.equal(err?.code, -32002,
      `ethers surfaced ${e.code}: ${e.shortMessage ?? e.message} — ethers matches answers to requests by id; ` +
      `an error with "id": null is reported as "missing response for request"`);
    assert.match(err.message, /seal/i);
    const v = await wallet.signMessage({ message: 'hello' }).catch((x) => x);
    assert.ok(v instanceof Error, 'expected an error');
    assert.equal(v.code, -32002, `viem surfaced ${v.name}: ${v.shortMessage ?? v.message}`);
  });
});
