#!/usr/bin/env bash
# Figures for the foundation: a clean release build (wall time, peak RSS), the binary's size,
# and start-up latency of a few commands. Reports numbers; asserts nothing.
#
# usage: bench/build-and-startup.sh [--skip-build]
# Needs hyperfine for latency figures (apt-get install hyperfine); /usr/bin/time for the build.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${BENCH_TARGET_DIR:-$(mktemp -d)}
if [ "${1:-}" != "--skip-build" ]; then
    echo "== clean release build (CARGO_TARGET_DIR=$target)"
    /usr/bin/time -f "wall %e s, peak RSS %M KiB" \
        env CARGO_TARGET_DIR="$target" cargo build --release --locked --quiet
fi
bin="$target/release/msgate"
echo "== binary: $(du -h "$bin" | cut -f1) ($(stat -c %s "$bin") bytes)"

home=$(mktemp -d)
export HOME="$home" XDG_CONFIG_HOME="$home/.config"
"$bin" config set output json 2>/dev/null

if command -v hyperfine >/dev/null; then
    hyperfine --warmup 20 --runs 200 -N \
        "$bin --version" \
        "$bin config list" \
        "$bin config list --jq '.[].key'"
else
    echo "hyperfine not installed: skipping latency figures"
fi
rm -rf "$home"
