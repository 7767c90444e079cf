"""Real-peer harness for Palisade's end-to-end tests: starts anvil and a Palisade dev server.

No mocks: anvil comes from the npm package @foundry-rs/anvil (installed by ../setup.sh), the
server is the real `palisade` binary ($PALISADE_BIN, default <repo>/target/debug/palisade, or
$CARGO_TARGET_DIR/debug/palisade).
"""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

E2E_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = E2E_DIR.parent.parent
LOG_DIR = Path(os.environ.get("PALISADE_E2E_LOGS", E2E_DIR / ".logs"))
CONTRACT = json.loads((E2E_DIR / "contracts" / "Counter.json").read_text())

_children: list[subprocess.Popen] = []


def _kill_all() -> None:
    for p in _children:
        if p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


atexit.register(_kill_all)


def palisade_bin() -> Path:
    env = os.environ.get("PALISADE_BIN")
    if env:
        p = Path(env)
        return p if p.is_absolute() else (REPO_ROOT / p)
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else REPO_ROOT / "target"
    if not base.is_absolute():
        base = REPO_ROOT / base
    return base / "debug" / "palisade"


def anvil_bin() -> Path:
    env = os.environ.get("ANVIL_BIN")
    if env:
        return Path(env)
    nm = E2E_DIR / "js" / "node_modules"
    platform = nm / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    if platform.exists():
        return platform
    for d in sorted((nm / "@foundry-rs").glob("anvil-*")):
        cand = d / "bin" / "anvil"
        if cand.exists():
            return cand
    return nm / ".bin" / "anvil"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_path(name: str) -> Path:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    return LOG_DIR / f"{name}-{os.getpid()}-{time.monotonic_ns()}.log"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def rpc_raw(url: str, method: str, params: list | None = None, headers: dict | None = None,
            timeout: float = 30, session: requests.Session | None = None) -> requests.Response:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
    s = session or requests
    return s.post(url, json=body, headers=headers or {}, timeout=timeout)


class RpcError(Exception):
    def __init__(self, method: str, status: int, error: dict):
        self.method, self.status, self.error = method, status, error
        self.code = error.get("code")
        self.message = str(error.get("message", ""))
        super().__init__(f"{method}: HTTP {status} JSON-RPC error {error}")


# ------------------------------------------------------------------------------------ anvil

@dataclass
class Anvil:
    url: str
    port: int
    chain_id: int
    proc: subprocess.Popen
    log: Path

    def rpc(self, method: str, params: list | None = None) -> Any:
        r = rpc_raw(self.url, method, params)
        r.raise_for_status()
        j = r.json()
        if "error" in j:
            raise RpcError(method, r.status_code, j["error"])
        return j["result"]

    def set_balance(self, address: str, wei: int) -> None:
        self.rpc("anvil_setBalance", [address, hex(wei)])

    def wait_receipt(self, tx_hash: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.rpc("eth_getTransactionReceipt", [tx_hash])
            if rc:
                return rc
            time.sleep(0.05)
        raise TimeoutError(f"no receipt for {tx_hash} after {timeout}s")

    def stop(self) -> None:
        _stop(self.proc)


def start_anvil(chain_id: int = 31337, extra: list[str] | None = None) -> Anvil:
    binary = anvil_bin()
    if not binary.exists():
        raise RuntimeError(f"anvil not found at {binary}; run testing/e2e/setup.sh")
    last_err = None
    for _attempt in range(3):
        port = free_port()
        log = _log_path("anvil")
        fh = open(log, "wb")
        proc = subprocess.Popen(
            [str(binary), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(chain_id),
             *(extra or [])],
            stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        _children.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = rpc_raw(url, "eth_chainId", timeout=2)
                if r.ok and int(r.json()["result"], 16) == chain_id:
                    return Anvil(url, port, chain_id, proc, log)
            except requests.RequestException:
                pass
            time.sleep(0.1)
        last_err = f"anvil did not come up on {url}: {log.read_text()[-2000:]}"
        _stop(proc)
    raise RuntimeError(last_err)


# ------------------------------------------------------------------------------------ palisade

@dataclass
class Palisade:
    url: str             # base address, e.g. http://127.0.0.1:1234
    admin_token: str     # root token from --dev-token-file
    stdout_token: str | None
    proc: subprocess.Popen
    log: Path
    workdir: Path
    anvil: Anvil
    session: requests.Session = field(default_factory=requests.Session)

    # ---- generic HTTP
    @property
    def rpc_url(self) -> str:
        return self.url + "/"

    def admin(self, method: str, path: str, body: Any = None, token: str | None = None,
              expect: int | tuple[int, ...] | str | None = "2xx") -> requests.Response:
        """expect: "2xx" (default: docs/api.md does not pin 200 vs 201), a status, a tuple, or None."""
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        r = self.session.request(method, self.url + path, json=body, headers=headers, timeout=120)
        if expect is not None:
            if expect == "2xx":
                ok = 200 <= r.status_code < 300
            elif isinstance(expect, tuple):
                ok = r.status_code in expect
            else:
                ok = r.status_code == expect
            if not ok:
                raise AssertionError(
                    f"{method} {path} body={json.dumps(body)[:500]} -> HTTP {r.status_code} "
                    f"{r.text[:1000]!r} (expected {expect})")
        return r

    def rpc_response(self, method: str, params: list | None = None, token: str | None = None,
                     timeout: float = 60) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return rpc_raw(self.rpc_url, method, params, headers=headers, timeout=timeout,
                       session=self.session)

    def rpc(self, method: str, params: list | None = None, token: str | None = None,
            timeout: float = 60) -> Any:
        r = self.rpc_response(method, params, token=token, timeout=timeout)
        try:
            j = r.json()
        except ValueError:
            raise AssertionError(f"{method}: HTTP {r.status_code}, non-JSON body {r.text[:500]!r}")
        if isinstance(j, dict) and "error" in j:
            raise RpcError(method, r.status_code, j["error"])
        if r.status_code != 200 or "result" not in j:
            raise AssertionError(f"{method}: HTTP {r.status_code}, body {r.text[:500]!r}")
        return j["result"]

    # ---- admin helpers (docs/api.md)
    def create_key(self, labels: dict | None = None) -> dict:
        return self.admin("POST", "/v1/keys", {"type": "secp256k1", "labels": labels or {}}).json()

    def import_key(self, private_key: str, labels: dict | None = None) -> dict:
        return self.admin("POST", "/v1/keys/import",
                          {"private_key": private_key, "labels": labels or {}}).json()

    def create_credential(self, keys: list[str], methods: list[str] | None = None,
                          name: str | None = None, admin: bool = False,
                          expires_in_secs: int | None = None) -> dict:
        body: dict[str, Any] = {
            "name": name or f"e2e-{time.monotonic_ns()}",
            "keys": keys,
            "methods": methods or ["read", "sign", "send"],
            "admin": admin,
        }
        if expires_in_secs is not None:
            body["expires_in_secs"] = expires_in_secs
        j = self.admin("POST", "/v1/credentials", body).json()
        assert isinstance(j.get("token"), str) and j["token"], f"no token in {j}"
        return j

    def funded_key(self, wei: int = 10**22) -> tuple[dict, str]:
        """New secp256k1 key + a credential scoped to it; the address is funded on anvil."""
        key = self.create_key({"purpose": "e2e"})
        cred = self.create_credential([key["id"]])
        self.anvil.set_balance(key["address"], wei)
        return key, cred["token"]

    def stop(self) -> None:
        _stop(self.proc)
        self.session.close()


_ADDR_RE = re.compile(r"^PALISADE_ADDR=(\S+)\s*$")
_TOKEN_RE = re.compile(r"^PALISADE_TOKEN=(\S+)\s*$")


# A `--config` for suites whose subject is not rate limiting (byte-identical output, nonce
# management under load, the bench): the server's default per-credential / per-IP quotas
# would otherwise throttle them. Suites that run with defaults say so.
RAISED_LIMITS_TOML = """
[rate_limits]
per_credential = { rate = 1000000, burst = 1000000 }
per_ip = { rate = 1000000, burst = 1000000 }
global = { rate = 1000000, burst = 1000000 }
"""


def start_palisade(anvil: Anvil, extra_args: list[str] | None = None,
                   timeout: float = 60, config_toml: str | None = None) -> Palisade:
    binary = palisade_bin()
    if not binary.exists():
        raise RuntimeError(
            f"palisade binary not found at {binary} (set PALISADE_BIN or build it: cargo build -p palisade)")
    workdir = Path(tempfile.mkdtemp(prefix="palisade-e2e-"))
    token_file = workdir / "root-token"
    port = free_port()
    log = _log_path("palisade")
    args = [str(binary), "serve", "--dev", "--listen", f"127.0.0.1:{port}",
            "--upstream", anvil.url, "--dev-token-file", str(token_file)]
    if config_toml is not None:
        cfg = workdir / "palisade.toml"
        cfg.write_text(config_toml)
        args += ["--config", str(cfg)]
    args += extra_args or []
    args += os.environ.get("PALISADE_EXTRA_ARGS", "").split()
    env = dict(os.environ)
    env.setdefault("RUST_BACKTRACE", "1")
    proc = subprocess.Popen(args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=env)
    _children.append(proc)

    found: dict[str, str] = {}
    logfh = open(log, "wb")
    logfh.write((" ".join(args) + "\n").encode())

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            logfh.write(line)
            logfh.flush()
            text = line.decode(errors="replace").strip()
            m = _ADDR_RE.match(text)
            if m:
                found["addr"] = m.group(1).rstrip("/")
            m = _TOKEN_RE.match(text)
            if m:
                found["token"] = m.group(1)

    threading.Thread(target=pump, daemon=True).start()

    deadline = time.monotonic() + timeout
    base = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            time.sleep(0.2)
            raise RuntimeError(
                f"palisade exited with {proc.returncode}: {' '.join(args)}\n{log.read_text()[-3000:]}")
        base = found.get("addr") or f"http://127.0.0.1:{port}"
        try:
            r = requests.get(base + "/readyz", timeout=2)
            if r.status_code == 200 and token_file.exists() and token_file.read_text().strip():
                break
        except requests.RequestException:
            pass
        time.sleep(0.1)
    else:
        _stop(proc)
        raise RuntimeError(f"palisade not ready after {timeout}s (readyz != 200 or token file empty)\n"
                           f"{log.read_text()[-3000:]}")
    time.sleep(0.05)  # let the stdout pump see the banner lines
    admin_token = token_file.read_text().strip()
    return Palisade(url=found.get("addr", base), admin_token=admin_token,
                    stdout_token=found.get("token"), proc=proc, log=log, workdir=workdir,
                    anvil=anvil)


def cleanup_workdir(p: Palisade) -> None:
    shutil.rmtree(p.workdir, ignore_errors=True)
