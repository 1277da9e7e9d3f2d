#!/usr/bin/env python3
"""Extract every JSON example from ../shared/seeds/*.txt into tests/data/seeds/.

A JSON example is a brace-balanced block that starts with '{' or '[' at the start of a line
(after indentation). Comments ("// ...") that the docs put after values are part of the example
as printed: such an example is not JSON and the parser must reject it. The manifest records, per
file, whether Python's strict json module accepts it (the reference verdict) and which parser
kind fits it. Run from the repo root; the output is committed so the tests stand alone.
"""
import json, pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
seeds = root.parent / "shared" / "seeds"
out = root / "tests" / "data" / "seeds"
out.mkdir(parents=True, exist_ok=True)


def blocks(text):
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        s = lines[i].lstrip()
        if s.startswith("{") or s.startswith("["):
            buf, depth, in_str, esc = "", 0, False, False
            j = i
            done = False
            while j < len(lines) and not done:
                for ch in lines[j]:
                    buf += ch
                    if in_str:
                        if esc:
                            esc = False
                        elif ch == "\\":
                            esc = True
                        elif ch == '"':
                            in_str = False
                    elif ch == '"':
                        in_str = True
                    elif ch in "{[":
                        depth += 1
                    elif ch in "}]":
                        depth -= 1
                        if depth == 0:
                            done = True
                            break
                j += 1
            if done and len(buf) > 20 and '"' in buf:
                yield buf.strip()
            i = j if done else i + 1
        else:
            i += 1


def kind_of(text):
    t = re.sub(r"\s+", "", text)
    if '"e":' in t:
        return "user"
    if '"result":' in t or '"status":' in t and '"id":' in t:
        return "wsapi"
    if '"feeTier":' in t or '"multiAssetsMargin":' in t:
        return "account-v2"
    if '"positionAmt":' in t:
        return "position-risk-v2"
    if '"balance":' in t:
        return "balance-v2"
    return "unknown"


manifest = []
n = 0
for f in sorted(seeds.glob("*.txt")):
    for k, b in enumerate(blocks(f.read_text(encoding="utf-8"))):
        name = f"{f.stem}_{k:02d}.json"
        (out / name).write_text(b + "\n", encoding="utf-8")
        try:
            json.loads(b)
            valid = True
        except ValueError:
            valid = False
        manifest.append(f"{name}\t{'valid' if valid else 'invalid'}\t{kind_of(b)}")
        n += 1
(out / "MANIFEST.tsv").write_text("# file\tpython json verdict\tparser kind\n" + "\n".join(manifest) + "\n", encoding="utf-8")
print(f"{n} examples", file=sys.stderr)
