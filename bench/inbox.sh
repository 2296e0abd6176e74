#!/usr/bin/env bash
# `msgate inbox` over 50 chats against the sandbox on loopback: Graph requests and wall time of
# a run with nothing new and of one with news in 5 chats. Reports numbers; asserts nothing.
# Target (issue 6): nothing new across 50 chats costs at most 3 Graph requests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p msgate-ops --bench inbox --locked
