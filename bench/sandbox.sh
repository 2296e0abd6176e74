#!/usr/bin/env bash
# Sandbox figures on loopback: in-process start-up, latency of GET 50 chat messages, sustained
# requests/s. Reports numbers; asserts nothing. Targets (issue 3): 50 messages under 2 ms
# median; 5,000 requests/s on this 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p msgate-sandbox --bench loopback --locked
