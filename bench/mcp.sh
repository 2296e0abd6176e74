#!/usr/bin/env bash
# MCP server figures (issue 8), from the release binary against a sandbox tenant on loopback:
# stdio spawn -> initialize -> tools/list (target median < 20 ms), peak RSS (target < 20 MB),
# tools/list bytes (target <= 24 KB by default), the answer for 50 chat messages against
# Graph's JSON for them (target <= 15 %), and HTTP tools/call throughput with p50/p99.
# Reports numbers; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p msgate
bin=target/release/msgate
scratch="$(mktemp -d)"
trap 'kill "$sandbox" 2>/dev/null || true; rm -rf "$scratch"' EXIT
"$bin" sandbox serve --port 0 --auto-approve >"$scratch/sandbox" 2>/dev/null &
sandbox=$!
for _ in $(seq 100); do
  [ -s "$scratch/sandbox" ] && break
  sleep 0.1
done
python3 bench/mcp.py "$bin" "$(head -1 "$scratch/sandbox")"
