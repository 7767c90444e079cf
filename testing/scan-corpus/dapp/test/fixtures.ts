import { ethers } from "ethers";

// anvil's default mnemonic, used only against the local node
export const LOCAL_MNEMONIC = "test test test test test test test test test test test junk";

export const sampleReceipt = {
  transactionHash: "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060",
  blockHash: "0x2f1b3d0a7c6e9f84d1a3b5c7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e3f5",
  blockNumber: 19823451,
  from: "0x7e9d86bf48c09ab48a61d800e120f589fe89e433",
  logs: [
    {
      topics: [
        "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
        "0x0000000000000000000000007e9d86bf48c09ab48a61d800e120f589fe89e433",
      ],
    },
  ],
};

export const signature =
  "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8b2c7c9e2f6b5a1d3e4f60718293a4b5c6d7e8f9012a3b4c5d6e7f8091a2b3c4d1b";

export const merkleRoot = "0x3a4b5c6d7e8f90123456789abcdef0123456789abcdef0123456789abcdef012";

export function devWallet(provider: ethers.Provider) {
  return ethers.Wallet.fromPhrase(LOCAL_MNEMONIC, provider);
}
