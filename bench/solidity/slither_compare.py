#!/usr/bin/env python3
"""Side-by-side of Palisade's Solidity analyser and Slither on an annotated corpus.

Ground truth: every `// expect: RULE [RULE ...]` comment in the corpus (Palisade rule ids).
Both tools' findings are mapped to common categories (CATEGORIES below); the unit compared is
(file, line, category). A Palisade finding matches an expectation on the same line; a Slither
finding matches when the expectation's line lies inside one of the finding's elements
(functions and statements; a whole-contract element only when the finding has nothing finer),
so a function-level report covers the lines of its function. Each finding matches at most one
expectation and vice versa. A finding that matches nothing is a false positive, except when an
expectation it covers was already matched by another finding of the same tool and category: that
is a duplicate and is counted apart (Slither often reports one bug once per path or per
variable). Tool findings whose rule maps to no category are not scored (listed as "unmapped").

Written for Palisade (stdlib only). Usage: see bench/solidity/slither-compare.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from flatten import UnresolvedImport, inline_imports  # noqa: E402
from palisade_scan import ScanFailed, describe, run_scan  # noqa: E402

# Palisade rule id -> category
PALISADE = {
    "sol-reentrancy-eth": "reentrancy",
    "sol-reentrancy-no-eth": "reentrancy",
    "sol-reentrancy-read-only": "reentrancy",
    "sol-unchecked-lowlevel": "unchecked-call",
    "sol-unchecked-send": "unchecked-call",
    "sol-unchecked-transfer": "unchecked-erc20",
    "sol-tx-origin": "tx-origin",
    "sol-arbitrary-send-eth": "arbitrary-send",
    "sol-arbitrary-send-erc20": "arbitrary-send",
    "sol-unprotected-selfdestruct": "selfdestruct",
    "sol-controlled-delegatecall": "delegatecall",
    "sol-weak-prng": "weak-randomness",
    "sol-timestamp-equality": "timestamp",
    "sol-timestamp-dependence": "timestamp",
    "sol-integer-overflow": "overflow",
    "sol-missing-access-control": "access-control",
    "sol-constructor-name": "access-control",
    "sol-unprotected-initializer": "initializer",
    "sol-shadowing-state": "shadowing",
    "sol-floating-pragma": "pragma",
    "sol-outdated-pragma": "pragma",
    "sol-locked-ether": "locked-ether",
    "sol-calls-loop": "loops",
    "sol-msg-value-loop": "loops",
    "sol-unbounded-loop": "loops",
    "sol-ecrecover-zero-address": "signature",
    "sol-signature-replay": "signature",
    "sol-signature-malleability": "signature",
    "sol-encode-packed-collision": "encode-packed",
    "sol-incorrect-equality": "strict-equality",
    "sol-uninitialized-storage": "uninitialized-storage",
    "sol-front-runnable-secret": "front-running",
    "sol-approve-front-running": "front-running",
    "sol-transaction-order": "front-running",
    "sol-push-payment-dos": "dos",
    "sol-default-visibility": "visibility",  # Slither: no counterpart (solc >= 0.5 rejects it)
    "sol-short-address": "short-address",  # Slither: no counterpart
    # sol-parse-error: not a vulnerability class; reported apart
}

# Slither detector id (its `check` field) -> category. Detectors left out are either
# informational/optimisation checks with no counterpart here (naming, dead code, assembly, ...)
# or checks Slither itself calls harmless (reentrancy-benign, reentrancy-events,
# reentrancy-unlimited-gas).
SLITHER = {
    "reentrancy-eth": "reentrancy",
    "reentrancy-no-eth": "reentrancy",
    "reentrancy-balance": "reentrancy",
    "unchecked-lowlevel": "unchecked-call",
    "unchecked-send": "unchecked-call",
    "unchecked-transfer": "unchecked-erc20",
    "tx-origin": "tx-origin",
    "arbitrary-send-eth": "arbitrary-send",
    "arbitrary-send-erc20": "arbitrary-send",
    "arbitrary-send-erc20-permit": "arbitrary-send",
    "suicidal": "selfdestruct",
    "controlled-delegatecall": "delegatecall",
    "delegatecall-loop": "loops",
    "weak-prng": "weak-randomness",
    "timestamp": "timestamp",
    "unprotected-upgrade": "initializer",
    "shadowing-state": "shadowing",
    "shadowing-abstract": "shadowing",
    "solc-version": "pragma",
    "locked-ether": "locked-ether",
    "calls-loop": "loops",
    "msg-value-loop": "loops",
    "encode-packed-collision": "encode-packed",
    "incorrect-equality": "strict-equality",
    "uninitialized-storage": "uninitialized-storage",
}

EXPECT = re.compile(r"//\s*expect:\s*(.*)$")


# ----------------------------------------------------------------------------- versions
def vtuple(v: str) -> tuple[int, int, int]:
    parts = [int(x) for x in v.split(".")]
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts[:3])  # type: ignore[return-value]


def _comparator(tok: str):
    m = re.fullmatch(r"(\^|~|>=|<=|>|<|=)?\s*v?(\d+(?:\.\d+){0,2})", tok)
    if not m:
        return None
    op, ver = m.group(1) or "=", m.group(2)
    n = len(ver.split("."))
    v = vtuple(ver)
    if op == "^":
        # ^0.x.y: >=0.x.y <0.(x+1).0 ; ^x.y.z (x>0): <(x+1).0.0
        hi = (v[0] + 1, 0, 0) if v[0] > 0 else (0, v[1] + 1, 0)
        return lambda c: v <= c < hi
    if op == "~":
        hi = (v[0], v[1] + 1, 0) if n >= 2 else (v[0] + 1, 0, 0)
        return lambda c: v <= c < hi
    if op == "=" and n < 3:  # "0.8" means any 0.8.x
        hi = (v[0], v[1] + 1, 0) if n == 2 else (v[0] + 1, 0, 0)
        return lambda c: v <= c < hi
    return {
        "=": lambda c: c == v,
        ">=": lambda c: c >= v,
        "<=": lambda c: c <= v,
        ">": lambda c: c > v,
        "<": lambda c: c < v,
    }[op]


def pragma_allows(text: str, version: str) -> bool | None:
    """None when the file has no `pragma solidity`; otherwise whether `version` satisfies
    every pragma in the file."""
    pragmas = re.findall(r"pragma\s+solidity\s+([^;]+);", re.sub(r"//[^\n]*", "", text))
    if not pragmas:
        return None
    c = vtuple(version)
    for p in pragmas:
        ok_any = False
        for alt in p.split("||"):
            toks = re.findall(r"(?:\^|~|>=|<=|>|<|=)?\s*v?\d+(?:\.\d+){0,2}", alt)
            fns = [_comparator(t.replace(" ", "")) for t in toks]
            if fns and all(f is not None and f(c) for f in fns):
                ok_any = True
                break
        if not ok_any:
            return False
    return True


def pick_version(text: str, installed: list[str]) -> str | None:
    for v in sorted(installed, key=vtuple, reverse=True):
        ok = pragma_allows(text, v)
        if ok is None:
            return max(installed, key=vtuple)
        if ok:
            return v
    return None


# ----------------------------------------------------------------------------- inputs
def sol_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.sol") if p.is_file())


def expectations(root: Path):
    """{(rel, line, category)} plus the list of parse-error expectations."""
    exp, parse_err, unknown = set(), [], []
    for p in sol_files(root):
        rel = p.relative_to(root).as_posix()
        for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            m = EXPECT.search(line)
            if not m:
                continue
            for rule in m.group(1).split():
                if rule == "sol-parse-error":
                    parse_err.append((rel, i))
                elif rule in PALISADE:
                    exp.add((rel, i, PALISADE[rule]))
                else:
                    unknown.append((rel, i, rule))
    return exp, parse_err, unknown


def file_lines(p: Path) -> int:
    return len(p.read_text(encoding="utf-8", errors="replace").splitlines())


def run_palisade(binary: str, root: Path):
    """`palisade scan ROOT --format json` over the whole corpus: one scan, so `imports/` is one
    project whose imports resolve, as for a user."""
    try:
        rows, wall, info = run_scan(binary, root, timeout=600)
    except (ScanFailed, subprocess.TimeoutExpired) as e:
        sys.exit(f"palisade scan failed: {e}")
    return rows, wall, describe(info, wall)


def _lines_of(el: dict) -> list[int]:
    sm = el.get("source_mapping") or {}
    return list(sm.get("lines") or [])


def slither_lines(result: dict) -> set[int]:
    fine, coarse = set(), set()
    for el in result.get("elements", []):
        ls = _lines_of(el)
        if el.get("type") == "contract":
            coarse.update(ls)
        else:
            fine.update(ls)
    return fine or coarse


def run_slither(slither: str, wrapper: str, root: Path, installed: list[str], timeout: int,
                log=print):
    """Runs Slither file by file. Returns (findings, per-file status, wall seconds)."""
    findings, status = [], {}
    total = 0.0
    with tempfile.TemporaryDirectory(prefix="palisade-slither-") as tmp:
        for p in sol_files(root):
            rel = p.relative_to(root).as_posix()
            text = p.read_text(encoding="utf-8", errors="replace")
            ver = pick_version(text, installed)
            if ver is None:
                status[rel] = ("skipped: no installed solc satisfies the pragma", None)
                continue
            out = Path(tmp) / "out.json"
            if out.exists():
                out.unlink()
            # the shim reads one file and resolves no imports: put what it imports before it
            try:
                src, offset, n_lines = inline_imports(p, root)
            except UnresolvedImport as e:
                status[rel] = (f"skipped: {e}", None)
                log(f"  slither {rel}: skipped ({e})")
                continue
            work = Path(tmp) / "src" / p.name
            work.parent.mkdir(exist_ok=True)
            work.write_text(src, encoding="utf-8")
            note = " (imports prepended)" if offset else ""
            env = dict(os.environ, SHIM_SOLC_VERSION=ver)
            t0 = time.monotonic()
            try:
                r = subprocess.run(
                    [slither, str(work), "--solc", wrapper, "--json", str(out),
                     "--disable-color"],
                    cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout)
                err = r.stderr
            except subprocess.TimeoutExpired:
                err = "timeout"
            dt = time.monotonic() - t0
            total += dt
            data = None
            if out.exists():
                try:
                    data = json.loads(out.read_text())
                except ValueError:
                    data = None
            if not data or not data.get("success"):
                why = "\n".join(x for x in (err, (data or {}).get("error") or "") if x)
                first = next((ln for ln in why.splitlines()
                              if re.search(r"\b\w*(Error|Exception): ", ln)
                              and "JSONDecodeError" not in ln), None) \
                    or (why.strip().splitlines() or ["no output"])[-1]
                status[rel] = (f"failed (solc {ver}{note}): {first.strip()[:160]}", dt)
                log(f"  slither {rel}: FAILED ({dt:.1f}s)")
                continue
            n = 0
            for res in (data.get("results") or {}).get("detectors", []):
                raw = slither_lines(res)
                own = sorted(x - offset for x in raw if offset < x <= offset + n_lines)
                if raw and not own:
                    continue  # entirely in prepended (imported) code: scored with that file
                findings.append({
                    "file": rel,
                    "check": res.get("check"),
                    "impact": res.get("impact"),
                    "confidence": res.get("confidence"),
                    "lines": own,
                    "description": (res.get("description") or "").strip().splitlines()[0][:200]
                    if res.get("description") else "",
                })
                n += 1
            status[rel] = (f"ok (solc {ver}{note})", dt)
            log(f"  slither {rel}: {n} results, solc {ver}{note}, {dt:.1f}s")
    return findings, status, total


# ----------------------------------------------------------------------------- scoring
def score(expected: set, items: list[dict]):
    """items: [{file, category, lines:set, primary:int, label}] -> per-category counts and
    the lists of TP/FP/FN/duplicates."""
    by_key = defaultdict(list)  # (file, category) -> expectation lines
    for f, ln, c in expected:
        by_key[(f, c)].append(ln)
    matched_exp: dict[tuple, int] = {}
    tp, fp, dup = [], [], []
    # most specific findings first, so a statement-level report wins over a function-level one
    order = sorted(range(len(items)), key=lambda i: (len(items[i]["lines"]), items[i]["file"]))
    for i in order:
        it = items[i]
        cands = [ln for ln in by_key.get((it["file"], it["category"]), []) if ln in it["lines"]]
        free = [ln for ln in cands if (it["file"], ln, it["category"]) not in matched_exp]
        if free:
            ln = min(free, key=lambda x: abs(x - it["primary"]))
            matched_exp[(it["file"], ln, it["category"])] = i
            tp.append((it, ln))
        elif cands:
            dup.append(it)
        else:
            fp.append(it)
    fn = sorted(e for e in expected if e not in matched_exp)
    return tp, fp, fn, dup


def per_category(expected, tp, fp, fn, dup):
    cats = defaultdict(lambda: {"exp": 0, "tp": 0, "fp": 0, "fn": 0, "dup": 0})
    for _, _, c in expected:
        cats[c]["exp"] += 1
    for it, _ in tp:
        cats[it["category"]]["tp"] += 1
    for it in fp:
        cats[it["category"]]["fp"] += 1
    for _, _, c in fn:
        cats[c]["fn"] += 1
    for it in dup:
        cats[it["category"]]["dup"] += 1
    return cats


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f}%" if b else "    -"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--palisade", required=True, help="the release `palisade` binary")
    ap.add_argument("--slither", required=True, help="the slither executable")
    ap.add_argument("--wrapper", required=True, help="solc-wrap.js (poses as solc)")
    ap.add_argument("--solc-versions", required=True, help="space-separated installed versions")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per Slither file")
    ap.add_argument("--details", type=Path, help="write every FP/FN/duplicate here (JSON)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    a = ap.parse_args()

    root = a.corpus.resolve()
    installed = a.solc_versions.split()
    expected, parse_err, unknown = expectations(root)
    if unknown:
        print(f"warning: {len(unknown)} expectations with rules not in the category map: "
              f"{unknown[:5]}", file=sys.stderr)

    print(f"corpus: {root} ({len(sol_files(root))} files, {len(expected)} expected "
          f"(file, line, category) findings, {len(parse_err)} expected parse errors)")
    pal, pal_wall, pal_note = run_palisade(a.palisade, root)
    print(f"palisade: {len(pal)} findings, {pal_wall:.2f}s wall ({pal_note})")
    print("slither: running file by file ...")
    sl, sl_status, sl_wall = run_slither(a.slither, a.wrapper, root, installed, a.timeout,
                                         log=lambda s: print(s, file=sys.stderr))
    analysed = {f for f, (s, _) in sl_status.items() if s.startswith("ok")}
    not_analysed = {f: s for f, (s, _) in sl_status.items() if not s.startswith("ok")}

    # tool findings -> scored items (deduplicated per file/line(s)/category)
    def pal_items():
        seen, items, unmapped = set(), [], defaultdict(int)
        for d in pal:
            c = PALISADE.get(d["rule"])
            if c is None:
                unmapped[d["rule"]] += 1
                continue
            k = (d["file"], d["line"], c)
            if k in seen:
                continue
            seen.add(k)
            items.append({"file": d["file"], "category": c, "lines": {d["line"]},
                          "primary": d["line"], "label": d["rule"]})
        return items, unmapped

    def sl_items():
        seen, items, unmapped = set(), [], defaultdict(int)
        for d in sl:
            c = SLITHER.get(d["check"])
            if c is None:
                unmapped[d["check"]] += 1
                continue
            k = (d["file"], tuple(d["lines"]), c)
            if k in seen:
                continue
            seen.add(k)
            # a finding with no source line (Slither's "solc-X is outdated") is about the file
            lines = set(d["lines"]) or set(range(1, file_lines(root / d["file"]) + 1))
            items.append({"file": d["file"], "category": c, "lines": lines,
                          "primary": min(lines) if lines else 0, "label": d["check"],
                          "description": d["description"]})
        return items, unmapped

    pi, pun = pal_items()
    si, sun = sl_items()
    ptp, pfp, pfn, pdup = score(expected, pi)
    stp, sfp, sfn, sdup = score(expected, si)
    pc = per_category(expected, ptp, pfp, pfn, pdup)
    sc = per_category(expected, stp, sfp, sfn, sdup)
    cats = sorted(set(pc) | set(sc))

    sep = "|" if a.markdown else " "
    hdr = ["category", "expected", "P.TP", "P.FP", "P.FN", "P.recall", "P.prec",
           "S.TP", "S.FP", "S.FN", "S.dup", "S.recall", "S.prec"]
    rows = []
    tot = {k: 0 for k in ("exp", "ptp", "pfp", "pfn", "stp", "sfp", "sfn", "sdup")}
    for c in cats:
        p, s = pc[c], sc[c]
        exp = max(p["exp"], s["exp"])
        rows.append([c, exp, p["tp"], p["fp"], p["fn"], pct(p["tp"], exp),
                     pct(p["tp"], p["tp"] + p["fp"]), s["tp"], s["fp"], s["fn"], s["dup"],
                     pct(s["tp"], exp), pct(s["tp"], s["tp"] + s["fp"])])
        for k, v in (("exp", exp), ("ptp", p["tp"]), ("pfp", p["fp"]), ("pfn", p["fn"]),
                     ("stp", s["tp"]), ("sfp", s["fp"]), ("sfn", s["fn"]),
                     ("sdup", s["dup"])):
            tot[k] += v
    rows.append(["TOTAL", tot["exp"], tot["ptp"], tot["pfp"], tot["pfn"],
                 pct(tot["ptp"], tot["exp"]), pct(tot["ptp"], tot["ptp"] + tot["pfp"]),
                 tot["stp"], tot["sfp"], tot["sfn"], tot["sdup"], pct(tot["stp"], tot["exp"]),
                 pct(tot["stp"], tot["stp"] + tot["sfp"])])
    print()
    print("P = Palisade (`palisade scan`), S = Slither; TP/FP/FN per (file, line, category); "
          "S.dup = extra Slither reports of an already matched bug (not counted as FP)")
    if a.markdown:
        print("| " + " | ".join(hdr) + " |")
        print("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
        for r in rows:
            print("| " + " | ".join(str(x).strip() for x in r) + " |")
    else:
        w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
        print(sep.join(str(h).rjust(w[i]) if i else str(h).ljust(w[i])
                       for i, h in enumerate(hdr)))
        for r in rows:
            print(sep.join(str(x).rjust(w[i]) if i else str(x).ljust(w[i])
                           for i, x in enumerate(r)))
    print()
    sl_ok_exp = sum(1 for f, _, _ in expected if f in analysed)
    sl_fn_na = sum(1 for f, _, _ in sfn if f not in analysed)
    print(f"wall time: Palisade {pal_wall:.2f}s for {len(sol_files(root))} files (one process; "
          f"{pal_note}); Slither {sl_wall:.1f}s (file by file, incl. solc-js compile)")
    print(f"Slither analysed {len(analysed)}/{len(sl_status)} files; not analysed: "
          f"{len(not_analysed)} (their {len(expected) - sl_ok_exp} expectations count as "
          f"Slither FN: {sl_fn_na})")
    for f, s in sorted(not_analysed.items()):
        print(f"  {f}: {s}")
    pe_hit = sum(1 for f, ln in parse_err
                 if any(d["file"] == f and d["line"] == ln and d["rule"] == "sol-parse-error"
                        for d in pal))
    print(f"expected parse errors: {len(parse_err)}; Palisade reported {pe_hit} of them")
    print("unmapped (not scored): Palisade " + (", ".join(f"{k}={v}" for k, v in
                                                        sorted(pun.items())) or "none"))
    print("unmapped (not scored): Slither " + ", ".join(f"{k}={v}" for k, v in
                                                      sorted(sun.items(), key=lambda x: -x[1])))
    if a.details:
        def it_json(it):
            return {k: (sorted(v) if isinstance(v, set) else v) for k, v in it.items()}
        a.details.write_text(json.dumps({
            "palisade": {"fp": [it_json(x) for x in pfp], "fn": pfn,
                         "dup": [it_json(x) for x in pdup]},
            "slither": {"fp": [it_json(x) for x in sfp], "fn": sfn,
                        "dup": [it_json(x) for x in sdup]},
            "slither_status": {k: v[0] for k, v in sl_status.items()},
        }, indent=1))
        print(f"details: {a.details}")


if __name__ == "__main__":
    main()
