// ethers v6 with Palisade as its provider: JsonRpcProvider + FetchRequest carrying the bearer
// header, JsonRpcSigner from provider.getSigner(address). Value transfer, deploy, call.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ContractFactory, FetchRequest, JsonRpcProvider, Network, Transaction, Wallet, getAddress, parseEther } from 'ethers';
import { CONTRACT, startAnvil, startPalisade } from '../lib/harness.mjs';

describe('ethers v6 via Palisade', () => {
  let anvil, pal, key, token, provider, signer;

  before(async () => {
    anvil = await startAnvil();
    pal = await startPalisade(anvil);
    ({ key, token } = await pal.fundedKey());
    const req = new FetchRequest(pal.rpcUrl);
    req.setHeader('Authorization', `Bearer ${token}`);
    provider = new JsonRpcProvider(req, undefined, { pollingInterval: 100 });
    signer = await provider.getSigner(key.address);
  });

  after(async () => {
    provider?.destroy();
    await pal?.stop();
    await anvil?.stop();
  });

  test('network and accounts', async () => {
    const net = await provider.getNetwork();
    assert.equal(net.chainId, BigInt(anvil.chainId));
    const accounts = await provider.listAccounts();
    assert.deepEqual(accounts.map((a) => a.address), [getAddress(key.address)]);
    assert.equal(await signer.getAddress(), getAddress(key.address));
  });

  test('value transfer', async () => {
    const to = Wallet.createRandom().address;
    const tx = await signer.sendTransaction({ to, value: parseEther('1.5') });
    const rc = await tx.wait(1, 30_000);
    assert.equal(rc.status, 1);
    assert.equal(rc.from, getAddress(key.address));
    assert.equal(await provider.getBalance(to), parseEther('1.5'));
  });

  test('deploy contract, call a state-changing method, read it back', async () => {
    const factory = new ContractFactory(CONTRACT.abi, CONTRACT.bytecode, signer);
    const counter = await factory.deploy(7n);
    const deployRc = await counter.deploymentTransaction().wait(1, 30_000);
    assert.equal(deployRc.status, 1);
    await counter.waitForDeployment();
    assert.equal(await counter.count(), 7n);

    const tx = await counter.set(42n);
    const rc = await tx.wait(1, 30_000);
    assert.equal(rc.status, 1);
    assert.equal(await counter.count(), 42n);
    assert.equal(await counter.lastCaller(), getAddress(key.address));

    const rc2 = await (await counter.increment()).wait(1, 30_000);
    assert.equal(rc2.status, 1);
    assert.equal(await counter.count(), 43n);
  });

  test('signMessage and signTypedData equal a local Wallet with the same key', async () => {
    // an imported key so the local Wallet knows the private key
    const local = Wallet.createRandom();
    const imported = (await pal.admin('POST', '/v1/keys/import', { private_key: local.privateKey, labels: {} })).body;
    assert.equal(getAddress(imported.address), local.address);
    const cred = await pal.createCredential([imported.id], { methods: ['sign'] });
    const req = new FetchRequest(pal.rpcUrl);
    req.setHeader('Authorization', `Bearer ${cred.token}`);
    const p2 = new JsonRpcProvider(req, Network.from(anvil.chainId), { staticNetwork: true });
    const s2 = await p2.getSigner(local.address);
    assert.equal(await s2.signMessage('hello palisade'), await local.signMessage('hello palisade'));
    const domain = { name: 'E2E', version: '1', chainId: anvil.chainId, verifyingContract: '0x' + '11'.repeat(20) };
    const types = { Order: [{ name: 'maker', type: 'address' }, { name: 'amount', type: 'uint256' }, { name: 'memo', type: 'string' }] };
    const value = { maker: local.address, amount: 10n ** 30n, memo: 'ünïcødé ✓' };
    assert.equal(await s2.signTypedData(domain, types, value), await local.signTypedData(domain, types, value));
    p2.destroy();
  });

  test('the chain really saw the key sign (nonce advanced)', async () => {
    const n = await provider.getTransactionCount(key.address, 'latest');
    assert.equal(n, 4);
  });

  test('signTransaction (eth_signTransaction) then broadcast through Palisade (eth_sendRawTransaction)', async () => {
    const to = Wallet.createRandom().address;
    const fee = await provider.getFeeData();
    const raw = await signer.signTransaction({
      to, value: 99n, gasLimit: 21000n, nonce: await provider.getTransactionCount(key.address, 'pending'),
      maxFeePerGas: fee.maxFeePerGas, maxPriorityFeePerGas: fee.maxPriorityFeePerGas, chainId: anvil.chainId, type: 2,
    });
    assert.match(raw, /^0x02/);
    const parsed = Transaction.from(raw);
    assert.equal(parsed.from, getAddress(key.address));
    const sent = await provider.broadcastTransaction(raw);
    assert.equal(sent.hash, parsed.hash);
    const rc = await sent.wait(1, 30_000);
    assert.equal(rc.status, 1);
    assert.equal(await provider.getBalance(to), 99n);
  });
});
