#!/usr/bin/env bash
# Prints the performance figures the README quotes:
#   1. requests per operation against the fake GitHub;
#   2. upload-concurrency 4 against 1, with 100 ms of server latency per upload;
#   3. planning a large build graph;
#   4. peak memory (max RSS) of the action's process uploading a 1 GiB asset
#      to the fake GitHub served on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== requests per operation (requests/op, writes/op)"
echo "   targets: plan pins N components in N requests (at most N+1); nightly-tag with a manifest at most 5 to tag, at most 3 to skip"
go test -run '^$' -bench 'BenchmarkRequests' -benchtime 5x ./internal/app | grep '^Benchmark'

echo "== 16 uploads with 100 ms latency each, concurrency 1 and 4 (ns/op)"
go test -run '^$' -bench 'BenchmarkUploadConcurrency' -benchtime 3x ./internal/prerelease | grep '^Benchmark'

echo "== plan of 10,000 components and 50,000 edges (ns/op)"
go test -run '^$' -bench 'BenchmarkPlan|BenchmarkParse' ./internal/plan | grep '^Benchmark'

echo "== peak memory of the process uploading a 1 GiB asset"
tmp="$(mktemp -d)"
fake_pid=""
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
go build -o "$tmp/release-action" .
go build -o "$tmp/fakegithub" ./internal/githubtest/cmd/fakegithub
"$tmp/fakegithub" --repo BTCDecoded/bllvm --token bench-token >"$tmp/url" 2>"$tmp/fake.log" &
fake_pid=$!
for _ in $(seq 50); do [ -s "$tmp/url" ] && break; sleep 0.1; done
api="$(head -n1 "$tmp/url")"
mkdir -p "$tmp/ws/dist"
truncate -s 1G "$tmp/ws/dist/bllvm-1GiB.bin"
(
	cd "$tmp/ws"
	env -i PATH="$PATH" GITHUB_TOKEN=bench-token /usr/bin/time -f '%M %e' -o "$tmp/time" \
		"$tmp/release-action" --mode=create-prerelease --api-url="$api" \
		--repository=BTCDecoded/bllvm --sha=0123456789abcdef0123456789abcdef01234567 --ref=refs/heads/main \
		--assets='dist/*' --generate-notes=false >"$tmp/out" 2>"$tmp/err"
) || { cat "$tmp/err" >&2; exit 1; }
read -r rss_kib seconds <"$tmp/time"
echo "max RSS $((rss_kib / 1024)) MiB, ${seconds} s, for a 1 GiB asset ($(grep -c . "$tmp/out") outputs set)"
