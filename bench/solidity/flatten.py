#!/usr/bin/env python3
"""Flattens one Solidity file and its relative imports into a single source, so tools that
compile one file without an import callback (the shared solc shim) can read it.

Each imported file is emitted once, dependencies first; `import` directives are removed and
only the first SPDX line is kept (solc rejects several in one file). Handles
`import "p";`, `import {A, B} from "p";` (also spread over lines) and `import "p" as X;` only
when no alias is used in the code (OpenZeppelin 5 uses none). Paths are resolved relative to
the importing file, or under --root for non-relative paths (`@openzeppelin/contracts/...`).
Written for Palisade (stdlib only).

Usage: flatten.py FILE [--root DIR] > flat.sol
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

IMPORT = re.compile(r'^\s*import\s+(?:\{[^}]*\}\s*from\s*|\*\s+as\s+\w+\s+from\s*)?"([^"]+)"'
                    r'(?:\s+as\s+\w+)?\s*;', re.M | re.S)
SPDX = re.compile(r"^\s*//\s*SPDX-License-Identifier:.*$", re.M)


class UnresolvedImport(Exception):
    pass


def resolve(spec: str, importer: Path, root: Path | None) -> Path:
    """Relative paths against the importing file; other paths, from the importer's directory
    up to `root` (or to the filesystem root), as `node_modules/<spec>`, `<spec>`, and Foundry's
    default remapping `lib/<pkg>/src/<rest>` (or `contracts/`) — the lookups `palisade scan`
    makes — then under `root` as before."""
    if spec.startswith("."):
        if (importer.parent / spec).exists():
            return (importer.parent / spec).resolve()
        raise UnresolvedImport(f"cannot resolve import {spec!r} from {importer.name}")
    head, _, rest = spec.partition("/")
    d = importer.parent.resolve()
    stop = root.resolve() if root is not None else None
    while True:
        cands = [d / "node_modules" / spec, d / spec]
        if rest:
            cands += [d / "lib" / head / "src" / rest, d / "lib" / head / "contracts" / rest,
                      d / "lib" / spec]
        for cand in cands:
            if cand.is_file():
                return cand.resolve()
        if d == stop or d.parent == d:
            break
        d = d.parent
    if root is not None:
        for cand in (root / spec, root / "node_modules" / spec):
            if cand.exists():
                return cand.resolve()
    raise UnresolvedImport(f"cannot resolve import {spec!r} from {importer.name}")


def flatten(entry: Path, root: Path | None) -> str:
    seen: set[Path] = set()
    parts: list[str] = []

    def visit(p: Path) -> None:
        p = p.resolve()
        if p in seen:
            return
        seen.add(p)
        text = p.read_text(encoding="utf-8")
        for m in IMPORT.finditer(text):
            visit(resolve(m.group(1), p, root))
        body = IMPORT.sub("", text)
        parts.append(f"\n// ---- {p.name}\n{body}")

    visit(entry)
    out = "".join(parts)
    first = SPDX.search(out)
    spdx = first.group(0).strip() if first else "// SPDX-License-Identifier: UNLICENSED"
    return spdx + "\n" + SPDX.sub("", out)


def inline_imports(entry: Path, root: Path | None = None) -> tuple[str, int, int]:
    """Every file the entry imports (dependencies first, once each, import directives and SPDX
    lines removed), then the entry file with its import directives blanked (its own lines
    kept as they are): solc wants a base contract defined before the contract deriving from it.
    Returns the text, the number of lines before the entry's first line, and the entry's line
    count: line L of the entry is line offset + L of the text. Files whose inheritance
    interleaves across an import cycle (a base in one file, derived in the other, and the other
    way round) cannot be put in any order and fail to compile."""
    entry = entry.resolve()
    text = entry.read_text(encoding="utf-8")
    n = len(text.splitlines())
    deps = [resolve(m.group(1), entry, root) for m in IMPORT.finditer(text)]
    if not deps:
        return text, 0, n
    body = IMPORT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    seen: set[Path] = {entry}
    parts: list[str] = []

    def visit(p: Path) -> None:
        p = p.resolve()
        if p in seen:
            return
        seen.add(p)
        t = p.read_text(encoding="utf-8")
        for m in IMPORT.finditer(t):
            visit(resolve(m.group(1), p, root))
        part = f"// ---- {p.name}\n" + SPDX.sub("", IMPORT.sub("", t))
        parts.append(part if part.endswith("\n") else part + "\n")

    for d in deps:
        visit(d)
    head = "".join(parts)
    return head + body, head.count("\n"), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--root", type=Path)
    a = ap.parse_args()
    try:
        sys.stdout.write(flatten(a.file, a.root.resolve() if a.root else None))
    except UnresolvedImport as e:
        sys.exit(f"flatten: {e}")


if __name__ == "__main__":
    main()
