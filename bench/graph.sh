#!/usr/bin/env bash
# Graph client figures against the sandbox on loopback: requests and wall time for "the latest
# message of each of my 50 chats", msgate's way against one request per chat. Reports numbers;
# asserts nothing. Target (issue 4): at most 3 Graph requests, against 51 one by one.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p msgate-graph --bench latest_messages --locked
