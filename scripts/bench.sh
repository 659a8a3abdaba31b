#!/usr/bin/env bash
# Prints the performance figures the README quotes:
#   1. requests per operation against the fake GitHub;
#   2. upload-concurrency 4 against 1, with 100 ms of server latency per upload;
#   3. planning a large build graph;
#   4. peak memory (max RSS) of the action's process uploading a 1 GiB asset
#      to the fake GitHub served on loopback;
#   5. the same with checksums: SHA256SUMS, whose listing sha256sum -c checks;
#   6. peak memory of carrying a 1 GiB asset over from the previous nightly
#      (a Go benchmark runs the binary under /usr/bin/time against the fake
#      in its own process: the standalone fake cannot hold the annotated
#      nightly recording a manifest that carry-over reads);
#   7. checkout of six repositories of 50 MiB each: wall time against the
#      slowest alone, peak memory of the binary, requests of a rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== requests per operation (requests/op, storage/op, writes/op)"
echo "   targets: plan pins N components in N+1 requests (the releases, for a base; none found); with a base and pin: green at most 2+2N;"
echo "   plan with graph: cargo and a base, every component at the base's commit, at most 2N+2 (releases, base tag object, N pins, N Cargo.toml reads; 1 compare more per component moved since the base);"
echo "   nightly-tag with a manifest at most 6+D to tag, at most 4 to skip, at most 3+D when superseded (D components differing from the newest nightly);"
echo "   create-prerelease with a manifest N+6, plus 1 per changed component and 2 per carried asset (storage/op: downloads from storage, counted in requests/op);"
echo "   locate over N nightlies at most 2+ceil(log2 N)+2 (the compare that finds the commit, the releases, the probes, the answer's tag object): 10 for N = 40"
echo "   triage on failure with F failed jobs and S suspect commits at most 4+2F+S (opening or commenting), a rerun of a reported attempt 1; on success 1 with nothing open"
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

echo "== peak memory of the process uploading a 1 GiB asset with checksums: SHA256SUMS"
(
	cd "$tmp/ws"
	env -i PATH="$PATH" GITHUB_TOKEN=bench-token /usr/bin/time -f '%M %e' -o "$tmp/time-checksums" \
		"$tmp/release-action" --mode=create-prerelease --api-url="$api" \
		--repository=BTCDecoded/bllvm --sha=0123456789abcdef0123456789abcdef01234567 --ref=refs/heads/main \
		--tag=bench-checksums --assets='dist/*' --checksums=SHA256SUMS --generate-notes=false \
		>"$tmp/out-checksums" 2>"$tmp/err-checksums"
) || { cat "$tmp/err-checksums" >&2; exit 1; }
read -r rss_kib seconds <"$tmp/time-checksums"
grep -qx 'checksums-file=.release-action/SHA256SUMS' "$tmp/out-checksums" || { echo "no checksums-file output" >&2; cat "$tmp/out-checksums" >&2; exit 1; }
(cd "$tmp/ws/dist" && sha256sum --quiet -c ../.release-action/SHA256SUMS) || { echo "SHA256SUMS does not verify the asset" >&2; exit 1; }
echo "max RSS $((rss_kib / 1024)) MiB, ${seconds} s, for a 1 GiB asset with checksums (SHA256SUMS verified by sha256sum -c)"

echo "== peak memory of the process carrying a 1 GiB asset over from the previous nightly"
RELEASE_ACTION_BINARY="$tmp/release-action" go test -run '^$' -bench 'BenchmarkCarryOverMaxRSS' -benchtime 1x ./internal/app >"$tmp/carry" 2>&1 ||
	{ cat "$tmp/carry" >&2; exit 1; }
awk '/^BenchmarkCarryOverMaxRSS/ {
	for (i = 1; i < NF; i++) {
		if ($(i + 1) == "ns/op") seconds = $i / 1e9
		if ($(i + 1) == "maxrss-MiB") rss = $i
	}
	found = 1
	printf "max RSS %d MiB, %.2f s, for a 1 GiB asset carried over (streamed from storage to the upload)\n", rss, seconds
}
END { if (!found) exit 1 }' "$tmp/carry" || { echo "the carry-over benchmark reported nothing:" >&2; cat "$tmp/carry" >&2; exit 1; }

echo "== promote: requests for N assets (target 2N+8, N from storage; rerun 4), peak memory promoting a 1 GiB asset (target under 64 MiB)" && RELEASE_ACTION_BINARY="$tmp/release-action" go test -run '^$' -bench 'BenchmarkPromoteRequests|BenchmarkPromoteMaxRSS' -benchtime 1x ./internal/app | grep '^Benchmark'

echo "== checkout of six repositories of 50 MiB each, at once (300 ms latency, 50 MiB/s per download)"
echo "   targets: wall time at most 1.5x the slowest laid out alone (x-slowest), peak memory under 64 MiB, rerun 0 requests"
go test -run '^$' -bench 'BenchmarkCheckout$' -benchtime 3x ./internal/app | grep '^Benchmark'
RELEASE_ACTION_BINARY="$tmp/release-action" go test -run '^$' -bench 'BenchmarkCheckoutMaxRSS' -benchtime 1x ./internal/app >"$tmp/checkout" 2>&1 ||
	{ cat "$tmp/checkout" >&2; exit 1; }
awk '/^BenchmarkCheckoutMaxRSS/ {
	for (i = 1; i < NF; i++) {
		if ($(i + 1) == "ns/op") seconds = $i / 1e9
		if ($(i + 1) == "maxrss-MiB") rss = $i
	}
	found = 1
	printf "max RSS %d MiB, %.2f s, for six repositories of 50 MiB laid out at once\n", rss, seconds
}
END { if (!found) exit 1 }' "$tmp/checkout" || { echo "the checkout benchmark reported nothing:" >&2; cat "$tmp/checkout" >&2; exit 1; }
