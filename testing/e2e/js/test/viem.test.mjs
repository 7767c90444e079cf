// viem with Palisade as its transport: http transport with fetchOptions.headers, a wallet
// client whose account is a JSON-RPC account (the address). Value transfer, deploy, call.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPublicClient, createWalletClient, defineChain, getAddress, http, keccak256, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { CONTRACT, startAnvil, startPalisade } from '../lib/harness.mjs';

describe('viem via Palisade', () => {
  let anvil, pal, key, token, chain, publicClient, walletClient;

  before(async () => {
    anvil = await startAnvil();
    pal = await startPalisade(anvil);
    ({ key, token } = await pal.fundedKey());
    chain = defineChain({
      id: anvil.chainId,
      name: 'anvil via palisade',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [pal.rpcUrl] } },
    });
    const transport = http(pal.rpcUrl, {
      fetchOptions: { headers: { Authorization: `Bearer ${token}` } },
      retryCount: 0,
      timeout: 60_000,
    });
    publicClient = createPublicClient({ chain, transport, pollingInterval: 100 });
    walletClient = createWalletClient({ account: getAddress(key.address), chain, transport });
  });

  after(async () => {
    await pal?.stop();
    await anvil?.stop();
  });

  test('chain id and addresses', async () => {
    assert.equal(await publicClient.getChainId(), anvil.chainId);
    assert.deepEqual(await walletClient.getAddresses(), [getAddress(key.address)]);
    assert.equal(walletClient.account.type, 'json-rpc');
  });

  test('value transfer', async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const hash = await walletClient.sendTransaction({ to, value: parseEther('0.25') });
    const rc = await publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
    assert.equal(rc.status, 'success');
    assert.equal(getAddress(rc.from), getAddress(key.address));
    assert.equal(await publicClient.getBalance({ address: to }), parseEther('0.25'));
  });

  test('deploy contract, call a state-changing method, read it back', async () => {
    const hash = await walletClient.deployContract({ abi: CONTRACT.abi, bytecode: CONTRACT.bytecode, args: [7n] });
    const rc = await publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
    assert.equal(rc.status, 'success');
    const address = rc.contractAddress;
    assert.ok(address);
    const read = (functionName) => publicClient.readContract({ address, abi: CONTRACT.abi, functionName });
    assert.equal(await read('count'), 7n);

    const h2 = await walletClient.writeContract({ address, abi: CONTRACT.abi, functionName: 'set', args: [42n] });
    const rc2 = await publicClient.waitForTransactionReceipt({ hash: h2, timeout: 30_000 });
    assert.equal(rc2.status, 'success');
    assert.equal(await read('count'), 42n);
    assert.equal(getAddress(await read('lastCaller')), getAddress(key.address));

    const h3 = await walletClient.writeContract({ address, abi: CONTRACT.abi, functionName: 'increment' });
    const rc3 = await publicClient.waitForTransactionReceipt({ hash: h3, timeout: 30_000 });
    assert.equal(rc3.status, 'success');
    assert.equal(await read('count'), 43n);
  });

  test('legacy (gasPrice) transfer is EIP-155 protected', async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const gasPrice = (await publicClient.getGasPrice()) * 2n;
    const hash = await walletClient.sendTransaction({ to, value: 1n, gasPrice, type: 'legacy' });
    const rc = await publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
    assert.equal(rc.status, 'success');
    const tx = await publicClient.getTransaction({ hash });
    assert.equal(tx.type, 'legacy');
    assert.equal(tx.chainId, anvil.chainId);
  });

  test('signTransaction (eth_signTransaction) then sendRawTransaction through Palisade', async () => {
    const to = privateKeyToAccount(generatePrivateKey()).address;
    const nonce = await publicClient.getTransactionCount({ address: key.address, blockTag: 'pending' });
    const fees = await publicClient.estimateFeesPerGas();
    const serialized = await walletClient.signTransaction({
      to, value: 77n, gas: 21000n, nonce, maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas, chainId: anvil.chainId, type: 'eip1559',
    });
    assert.match(serialized, /^0x02/);
    const hash = await walletClient.sendRawTransaction({ serializedTransaction: serialized });
    assert.equal(hash, keccak256(serialized));
    const rc = await publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });
    assert.equal(rc.status, 'success');
    assert.equal(getAddress(rc.from), getAddress(key.address));
    assert.equal(await publicClient.getBalance({ address: to }), 77n);
  });

  test('signMessage and signTypedData equal a local account with the same key', async () => {
    const pk = generatePrivateKey();
    const local = privateKeyToAccount(pk);
    const imported = (await pal.admin('POST', '/v1/keys/import', { private_key: pk, labels: {} })).body;
    assert.equal(getAddress(imported.address), local.address);
    const cred = await pal.createCredential([imported.id], { methods: ['sign'] });
    const wc = createWalletClient({
      account: local.address, chain,
      transport: http(pal.rpcUrl, { fetchOptions: { headers: { Authorization: `Bearer ${cred.token}` } }, retryCount: 0 }),
    });
    const message = { raw: '0xdeadbeef00ff' };
    assert.equal(await wc.signMessage({ message }), await local.signMessage({ message }));
    const typed = {
      domain: { name: 'E2E', version: '2', chainId: anvil.chainId, verifyingContract: '0x' + '22'.repeat(20) },
      types: { Permit: [{ name: 'owner', type: 'address' }, { name: 'value', type: 'uint256' }, { name: 'deadline', type: 'uint256' }, { name: 'tags', type: 'bytes32[]' }] },
      primaryType: 'Permit',
      message: { owner: local.address, value: 2n ** 200n, deadline: 1n, tags: ['0x' + 'ab'.repeat(32)] },
    };
    assert.equal(await wc.signTypedData(typed), await local.signTypedData(typed));
  });
});
