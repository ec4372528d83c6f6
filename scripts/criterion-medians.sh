#!/usr/bin/env bash
# Prints the median of every criterion benchmark last run (cargo bench --bench engine),
# from criterion's own estimates.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import json, pathlib
for est in sorted(pathlib.Path("target/criterion").glob("**/new/estimates.json")):
    name = str(est.parent.parent.relative_to("target/criterion"))
    median = json.loads(est.read_text())["median"]["point_estimate"]
    unit, scale = ("µs", 1e3) if median >= 1e3 else ("ns", 1)
    print(f"| {name} | {median / scale:.1f} {unit} |")
PY
