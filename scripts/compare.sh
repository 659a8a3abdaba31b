#!/usr/bin/env bash
# Side by side, against one fake GitHub served over https on loopback:
#   action  this action's binary, run with flags outside Actions;
#   gh      the GitHub CLI (`gh api .../dispatches`, `gh release create`);
#   node    Node.js + @octokit/rest doing what the actions/github-script
#           blocks did (scripts/compare/octokit.js).
# Scenarios: one repository_dispatch; one prerelease with 3 assets of 5 MiB,
# under a fresh tag each run. Each tool runs RUNS times per scenario (first
# run discarded as warm-up), interleaved; wall time and peak RSS of each
# process are measured, and every run is checked.
#
#   bash scripts/compare.sh [RUNS]     RUNS defaults to 7
#
# Installs what is missing: gh (apt, as root), @octokit/rest (npm ci from
# scripts/compare/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
runs="${1:-7}"
if ! [[ "$runs" =~ ^[0-9]+$ ]] || [ "$runs" -lt 2 ]; then
	echo "compare.sh: RUNS must be a number of at least 2 (the first is discarded), not '$runs'" >&2
	exit 2
fi

token="ghs_compare_0123456789abcdefghijklmnopqrstuvwx"
sha="0123456789abcdef0123456789abcdef01234567"
ref="refs/heads/main"
asset_count=3
asset_bytes=$((5 * 1024 * 1024))

# --- tools ------------------------------------------------------------------
apt_install() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "compare.sh: $* missing; install it (apt-get install -y $*) or run as root" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v gh >/dev/null || apt_install gh
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then apt_install nodejs npm; fi
[ -x /usr/bin/time ] || apt_install time
(cd scripts/compare && npm ci --silent --no-audit --no-fund)

tmp="$(mktemp -d)"
fake_pid=""
cleanup() {
	if [ -n "$fake_pid" ]; then
		kill "$fake_pid" 2>/dev/null || true
		wait "$fake_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/release-action" .
go build -o "$tmp/fakegithub" ./internal/githubtest/cmd/fakegithub

# --- the fake GitHub --------------------------------------------------------
"$tmp/fakegithub" --tls --cert-out "$tmp/fake.pem" --log-requests --token "$token" \
	--repo BTCDecoded/bllvm --repo BTCDecoded/bllvm-consensus >"$tmp/url" 2>"$tmp/fake.log" &
fake_pid=$!
for _ in $(seq 100); do [ -s "$tmp/url" ] && break; sleep 0.05; done
api="$(head -n1 "$tmp/url")"
if [[ "$api" != https://* ]]; then
	echo "compare.sh: the fake GitHub did not start:" >&2
	cat "$tmp/fake.log" >&2
	exit 1
fi
host="${api#https://}"
host="${host%/api/v3}"

# Go programs (the action, gh) take their roots from SSL_CERT_FILE, which
# replaces the system's: the fake's certificate alone is enough, since
# nothing else is reached. Node.js adds NODE_EXTRA_CA_CERTS to its roots.
cert="$tmp/fake.pem"

mkdir -p "$tmp/ws/dist" "$tmp/home" "$tmp/gh-config"
assets=()
for i in $(seq "$asset_count"); do
	head -c "$asset_bytes" /dev/urandom >"$tmp/ws/dist/bllvm-$i.bin"
	assets+=("dist/bllvm-$i.bin")
done

# Each tool in a clean environment, holding only what it needs.
action_env=(env -i PATH="$PATH" SSL_CERT_FILE="$cert" GITHUB_TOKEN="$token")
gh_env=(env -i PATH="$PATH" HOME="$tmp/home" GH_CONFIG_DIR="$tmp/gh-config" SSL_CERT_FILE="$cert"
	GH_HOST="$host" GH_ENTERPRISE_TOKEN="$token" GH_NO_UPDATE_NOTIFIER=1 GH_PROMPT_DISABLED=1 NO_COLOR=1)
node_env=(env -i PATH="$PATH" HOME="$tmp/home" NODE_EXTRA_CA_CERTS="$cert"
	GITHUB_API_URL="$api" GITHUB_TOKEN="$token" GITHUB_SHA="$sha" GITHUB_REF="$ref")
octokit="$root/scripts/compare/octokit.js"

# command_for TOOL SCENARIO TAG: sets cmd to the command line of one run.
command_for() {
	local tool="$1" scenario="$2" tag="$3"
	case "$tool/$scenario" in
	action/dispatch)
		cmd=("${action_env[@]}" "$tmp/release-action" --mode=trigger-orchestrator --api-url="$api"
			--repository=BTCDecoded/bllvm-consensus --sha="$sha" --ref="$ref") ;;
	gh/dispatch)
		cmd=("${gh_env[@]}" gh api repos/BTCDecoded/bllvm/dispatches -f event_type=build_consensus
			-f "client_payload[ref]=$ref" -f "client_payload[sha]=$sha" -f "client_payload[repo]=bllvm-consensus") ;;
	node/dispatch)
		cmd=("${node_env[@]}" node "$octokit" dispatch) ;;
	action/prerelease)
		cmd=("${action_env[@]}" "$tmp/release-action" --mode=create-prerelease --api-url="$api"
			--repository=BTCDecoded/bllvm --sha="$sha" --ref="$ref" --tag="$tag"
			--assets='dist/*' --generate-notes=false) ;;
	gh/prerelease)
		cmd=("${gh_env[@]}" gh release create "$tag" --repo BTCDecoded/bllvm --prerelease
			--target "$sha" "${assets[@]}") ;;
	node/prerelease)
		cmd=("${node_env[@]}" node "$octokit" prerelease "$tag" dist) ;;
	esac
}

# measure TOOL SCENARIO RUN: runs the tool once, from the workspace, and
# appends "seconds peak-KiB" to its results unless RUN is the warm-up.
# Wall time is taken by bash at microsecond resolution around
# /usr/bin/time (whose %e has only 10 ms); peak RSS is time's %M.
measure() {
	local tool="$1" scenario="$2" run="$3" tag="cmp-$1-$3" start end
	command_for "$tool" "$scenario" "$tag"
	start="$EPOCHREALTIME"
	if ! (cd "$tmp/ws" && /usr/bin/time -f '%e %M' -o "$tmp/time" "${cmd[@]}" >"$tmp/out" 2>"$tmp/err"); then
		echo "compare.sh: $tool, $scenario, run $run failed:" >&2
		cat "$tmp/out" "$tmp/err" >&2
		echo "compare.sh: the fake GitHub's last lines (a 400 names the rule of GitHub's REST description the request broke):" >&2
		tail -n 5 "$tmp/fake.log" >&2
		exit 1
	fi
	end="$EPOCHREALTIME"
	if [ "$scenario" = prerelease ] &&
		! "${node_env[@]}" node "$octokit" check-release "$tag" "$asset_count" "$asset_bytes" 2>"$tmp/err"; then
		echo "compare.sh: $tool made no complete prerelease $tag: $(cat "$tmp/err")" >&2
		exit 1
	fi
	if [ "$run" -gt 0 ]; then
		local elapsed_kib
		elapsed_kib="$(tail -n1 "$tmp/time")"
		echo "$start $end ${elapsed_kib#* }" | awk '{ printf "%.6f %d\n", $2 - $1, $3 }' >>"$tmp/results.$tool.$scenario"
	fi
}

tools=(action gh node)
scenarios=(dispatch prerelease)
echo "compare.sh: $runs runs per tool and scenario, first discarded, against $api" >&2
for scenario in "${scenarios[@]}"; do
	for run in $(seq 0 $((runs - 1))); do
		for tool in "${tools[@]}"; do
			measure "$tool" "$scenario" "$run"
		done
	done
done

dispatches="$(grep -c '^fakegithub: POST /api/v3/repos/BTCDecoded/bllvm/dispatches 204$' "$tmp/fake.log" || true)"
if [ "$dispatches" -ne $((${#tools[@]} * runs)) ]; then
	echo "compare.sh: the fake received $dispatches dispatches, want $((${#tools[@]} * runs))" >&2
	exit 1
fi
if grep -q 'no route for' "$tmp/fake.log"; then
	echo "compare.sh: a tool asked the fake for something it does not serve:" >&2
	grep 'no route for' "$tmp/fake.log" >&2
	exit 1
fi

# --- the table --------------------------------------------------------------
# median FILE COLUMN
median() {
	sort -g -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

octokit_version="$(node -p "require('$root/scripts/compare/node_modules/@octokit/rest/package.json').version")"
echo
echo "### This action vs gh vs github-script's Octokit, same fake GitHub (https, loopback)"
echo
echo "Medians of $((runs - 1)) run(s) per row, after one warm-up: process start to exit, and peak RSS."
echo "Built with $(go env GOVERSION); gh $(gh --version | awk 'NR == 1 { print $3 }'), node $(node --version), @octokit/rest $octokit_version."
echo
echo "| tool | scenario | median s | median peak RSS MiB | vs this action |"
echo "|---|---|---|---|---|"
for scenario in "${scenarios[@]}"; do
	base_s="$(median "$tmp/results.action.$scenario" 1)"
	base_kib="$(median "$tmp/results.action.$scenario" 2)"
	for tool in "${tools[@]}"; do
		s="$(median "$tmp/results.$tool.$scenario" 1)"
		kib="$(median "$tmp/results.$tool.$scenario" 2)"
		case "$tool" in
		action) label="release-action (binary)" ;;
		gh) label="gh $(gh --version | awk 'NR == 1 { print $3 }')" ;;
		node) label="node $(node --version) + @octokit/rest $octokit_version" ;;
		esac
		awk -v label="$label" -v scenario="$scenario" -v tool="$tool" -v s="$s" -v kib="$kib" -v bs="$base_s" -v bkib="$base_kib" 'BEGIN {
			vs = "baseline"
			if (tool != "action") {
				speed = (s >= bs) ? sprintf("%.1f× slower", s / bs) : sprintf("%.1f× faster", bs / s)
				vs = sprintf("%s, %.1f× memory", speed, kib / bkib)
			}
			printf "| %s | %s | %.3f | %.1f | %s |\n", label, scenario, s, kib / 1024, vs
		}'
	done
done
echo
echo "Prerelease: 3 assets of 5 MiB, a new tag each run. The action uploads 4 at a time"
echo "(upload-concurrency), gh 5 at a time, the Octokit script one after the other, each"
echo "file read whole into memory as github-script users write it."
echo
echo "The action ran here as a plain binary. In a real job a Docker action also pays for"
echo "starting its container (and building or pulling its image); the README discusses that"
echo "separately. Node's figures likewise leave out the runner starting github-script."
echo
echo "compare.sh: done in ${SECONDS} s" >&2
