#!/usr/bin/env bash
# The whole test suite, as CI runs it: fetch GitHub's REST description,
# check formatting and vet, lint action.yml and the workflows, run every
# test with the race detector, fuzz every parser of user input for a
# short while (FUZZTIME per target, default 5s), then build the real image
# and run it, and the example workflows, as a runner does
# (scripts/container-test.sh: its own Docker engine, root needed).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/fetch-openapi.sh

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "gofmt -l: these files are not formatted:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go tool actionlint
go test -race -count=1 ./...
bash scripts/fuzz.sh "${FUZZTIME:-5s}"
bash scripts/container-test.sh
