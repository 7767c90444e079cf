FROM ghcr.io/paradigmxyz/reth:v1.0.3
EXPOSE 8545 8546 30303
ENTRYPOINT ["reth", "node", "--chain", "mainnet", "--http", "--http.addr", "0.0.0.0", "--http.api", "eth,net,admin"]
