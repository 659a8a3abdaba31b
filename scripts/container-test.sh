#!/usr/bin/env bash
# Runs the action as GitHub's runner does: the image built from the real
# Dockerfile, on a private Docker engine, against the standalone fake
# GitHub on loopback.
#   1. docker run with the runner's flags, mounts and environment, for
#      each mode: exit status, outputs, summary, requests, ownership.
#   2. the example workflows under nektos/act, third-party actions
#      replaced by stand-ins (scripts/container/actions): a push to
#      bllvm-consensus, the orchestrator run its dispatch starts, which
#      builds, tags and publishes in that one run; prerelease.yml run by
#      hand to republish it; the scheduled nightly with nothing new, whose
#      orchestrator run builds and tags nothing; a consensus commit whose
#      proof fails, which builds nothing and whose triage job opens the
#      tracking issue (the run's jobs and log planted in the fake, as
#      GitHub would show them); a bllvm-commons commit, which rebuilds
#      governance, carries the rest and closes that issue; reproduce.yml
#      on that nightly's release: GitHub-hosted jobs rebuild it and
#      record the reproduction grid in its notes, twice (a rerun changes
#      nothing); release.yml by hand to release it as v0.2.0, tagging
#      every repository, with versions.toml proposed in a pull request
#      (stand-in gh); then the fake's state.
#   3. figures: image size, start-to-exit of a dispatch in the container
#      and bare, each act step's time.
# No registry is reachable: the Dockerfile's bases are stand-ins built
# here (scripts/container/*.Dockerfile), cached with the Debian root file
# system, act and the engine's data root under
# ${XDG_CACHE_HOME:-$HOME/.cache}/release-action-container.
#
# Usage: scripts/container-test.sh [--self-check]
#   --self-check runs it again with a defect planted (a wrong
#   needs.plan.outputs name in a copy of release_orchestrator.yml) and
#   passes only when that run fails naming it.
# Needs root (dockerd). Installs what is missing from Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

case "${1:-}" in
"") ;;
--self-check)
	# The same run with a defect planted (CONTAINER_TEST_PLANT): it must
	# fail, and say what is wrong.
	log="$(mktemp)"
	status=0
	CONTAINER_TEST_PLANT=needs-output bash "$0" >"$log" 2>&1 || status=$?
	grep -E 'FAILED|needs\.plan\.outputs\.snapshot|"snapshot"' "$log" | sed 's/^/  | /'
	if [ "$status" -ne 0 ] && grep -q 'property "snapshot" is not defined' "$log"; then
		echo "self-check: passed: the planted needs.plan.outputs.snapshot failed the run, which named it"
		rm -f "$log"
		exit 0
	fi
	echo "self-check: FAILED: the run with needs.plan.outputs.snapshot planted exited $status without naming it (log: $log)" >&2
	exit 1
	;;
*) echo "usage: scripts/container-test.sh [--self-check]" >&2; exit 2 ;;
esac

cache="${XDG_CACHE_HOME:-$HOME/.cache}/release-action-container"
mkdir -p "$cache/bin"
tmp="$(mktemp -d /tmp/release-action-ct.XXXXXX)"
started=$(date +%s)
stage_name="start"
fake_pids=()
dockerd_pid=""

now_ms() { echo $(($(date +%s%N) / 1000000)); }

stage() {
	stage_name="$*"
	echo "== $* ($(($(date +%s) - started)) s)"
}

# fail says what failed, in the stage it failed in, and stops.
fail() {
	echo "container-test: FAILED in \"$stage_name\": $*" >&2
	exit 1
}

cleanup() {
	local code=$?
	set +e
	for pid in "${fake_pids[@]}"; do kill "$pid" 2>/dev/null; done
	if [ -n "$dockerd_pid" ]; then
		# Containers left by a failed step go with the engine, and so do
		# untagged images (act's builds, superseded ones) from the cache.
		docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
		docker image prune -f >/dev/null 2>&1
		kill "$dockerd_pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$dockerd_pid" 2>/dev/null
	fi
	# dockerd leaves its network namespace mounted under the exec root.
	awk -v dir="$tmp/" 'index($2, dir) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
	if [ "$code" -ne 0 ] && [ "${KEEP_TMP:-}" = 1 ]; then
		echo "container-test: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	if [ "$code" -eq 0 ]; then
		echo "container-test: passed in $(($(date +%s) - started)) s"
	else
		echo "container-test: FAILED (exit $code) after $(($(date +%s) - started)) s" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 0. what it needs ------------------------------------------------------
stage "packages"
[ "$(id -u)" -eq 0 ] || fail "needs root, to run its own dockerd"
declare -A package_of=([dockerd]=docker.io [containerd]=containerd [runc]=runc [docker]=docker.io
	[mmdebstrap]=mmdebstrap [jq]=jq [curl]=curl [git]=git [sha256sum]=coreutils [flock]=util-linux)
missing=()
for cmd in "${!package_of[@]}"; do
	command -v "$cmd" >/dev/null || missing+=("${package_of[$cmd]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	echo "installing ${missing[*]}"
	{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } \
		>"$tmp/apt.log" 2>&1 || { tail -n 20 "$tmp/apt.log" >&2; fail "could not install the Debian packages ${missing[*]} (log above)"; }
fi
for cmd in "${!package_of[@]}"; do
	command -v "$cmd" >/dev/null || fail "missing command $cmd (Debian package ${package_of[$cmd]})"
done
command -v go >/dev/null || fail "missing go (Go 1.26, which the README's Quick start needs)"

# One run at a time: the engine's data root is shared through the cache.
exec 9>"$cache/lock"
flock -n 9 || fail "another scripts/container-test.sh holds $cache/lock"

# --- 1. a private engine ---------------------------------------------------
stage "private Docker engine"
mkdir -p "$cache/docker-data" "$tmp/exec"
dockerd --iptables=false --bridge=none --host "unix://$tmp/docker.sock" \
	--data-root "$cache/docker-data" --exec-root "$tmp/exec" --pidfile "$tmp/pid" \
	>"$tmp/dockerd.log" 2>&1 &
dockerd_pid=$!
export DOCKER_HOST="unix://$tmp/docker.sock"
export DOCKER_CONFIG="$tmp/docker-config" # not the user's ~/.docker
# The real Dockerfile's "# syntax" line would make BuildKit fetch a
# frontend image from a registry; the classic builder ignores it.
export DOCKER_BUILDKIT=0
for _ in $(seq 150); do
	docker version >/dev/null 2>&1 && break
	kill -0 "$dockerd_pid" 2>/dev/null || break
	sleep 0.2
done
docker version >/dev/null 2>&1 || { tail -n 30 "$tmp/dockerd.log" >&2; fail "dockerd did not start (its log above)"; }
echo "dockerd $(docker version -f '{{.Server.Version}}') at $DOCKER_HOST, data root $cache/docker-data"

# --- 2. stand-in bases -----------------------------------------------------
# image_key prints the label a stand-in was built with, empty if none.
image_key() { docker image inspect -f '{{index .Config.Labels "release-action.standin-key"}}' "$1" 2>/dev/null || true; }

stage "stand-in bases"
if [ ! -s "$cache/rootfs.tar" ]; then
	echo "mmdebstrap --variant=minbase bookworm (once; cached in $cache/rootfs.tar)"
	mmdebstrap --variant=minbase --include=git,ca-certificates,jq,curl bookworm "$cache/rootfs.tmp.tar" >"$tmp/mmdebstrap.log" 2>&1 ||
		{ tail -n 20 "$tmp/mmdebstrap.log" >&2; fail "mmdebstrap could not make the Debian root file system (log above)"; }
	mv "$cache/rootfs.tmp.tar" "$cache/rootfs.tar"
fi
rootfs_key="$(stat -c %Y-%s "$cache/rootfs.tar")"
if [ "$(image_key release-action-standin/debian:bookworm)" != "$rootfs_key" ]; then
	docker import --change "LABEL release-action.standin-key=$rootfs_key" --change 'CMD ["bash"]' \
		"$cache/rootfs.tar" release-action-standin/debian:bookworm >/dev/null || fail "docker import of the Debian root file system failed"
fi

# golang:1.26: the machine's Go and this module's dependencies.
goroot="$(go env GOROOT)"
golang_key="$(go env GOVERSION)-$(sha256sum go.sum | cut -c1-16)-$rootfs_key"
if [ "$(image_key golang:1.26)" != "$golang_key" ]; then
	echo "building golang:1.26 from $goroot and a file:// module proxy"
	modsum=$(cat go.mod go.sum | sha256sum)
	GOMODCACHE="$cache/gomodcache" GOFLAGS=-mod=mod GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" \
		go mod download >"$tmp/gomod.log" 2>&1 || { cat "$tmp/gomod.log" >&2; fail "go mod download failed"; }
	[ "$(cat go.mod go.sum | sha256sum)" = "$modsum" ] || fail "go mod download changed go.mod or go.sum"
	mkdir -p "$tmp/golang/go"
	tar -C "$goroot" --exclude='./test' --exclude='testdata' -cf - . | tar -C "$tmp/golang/go" -xf -
	cp -a "$cache/gomodcache/cache/download" "$tmp/golang/goproxy"
	docker build -q --network host --label "release-action.standin-key=$golang_key" -t golang:1.26 \
		-f scripts/container/golang.Dockerfile "$tmp/golang" >"$tmp/golang.log" 2>&1 ||
		{ tail -n 20 "$tmp/golang.log" >&2; fail "the golang:1.26 stand-in did not build (log above)"; }
	rm -rf "$tmp/golang"
fi

# gcr.io/distroless/static-debian12: CA bundle, passwd with root and
# nonroot, /tmp of mode 1777, as the real one has.
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca_bundle" ] || fail "no CA bundle at $ca_bundle (Debian package ca-certificates)"
distroless_key="$(sha256sum "$ca_bundle" | cut -c1-16)"
if [ "$(image_key gcr.io/distroless/static-debian12)" != "$distroless_key" ]; then
	d="$tmp/distroless"
	mkdir -p "$d/etc/ssl/certs" "$d/tmp" "$d/home/nonroot" "$d/root"
	cp "$ca_bundle" "$d/etc/ssl/certs/ca-certificates.crt"
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$d/etc/passwd"
	printf 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n' >"$d/etc/group"
	chmod 1777 "$d/tmp"
	chmod 700 "$d/root"
	chown 65532:65532 "$d/home/nonroot"
	tar -C "$d" --numeric-owner -cf - . | docker import \
		--change "LABEL release-action.standin-key=$distroless_key" \
		--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
		--change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
		- gcr.io/distroless/static-debian12 >/dev/null || fail "docker import of the distroless stand-in failed"
fi

# The runner of act's jobs: Debian with stand-in cargo and docker.
runner_key="$(cat scripts/container/runner.Dockerfile scripts/container/runner/* | sha256sum | cut -c1-16)-$rootfs_key"
if [ "$(image_key release-action-standin/runner:bookworm)" != "$runner_key" ]; then
	docker build -q --network host --label "release-action.standin-key=$runner_key" -t release-action-standin/runner:bookworm \
		-f scripts/container/runner.Dockerfile scripts/container/runner >"$tmp/runner.log" 2>&1 ||
		{ tail -n 20 "$tmp/runner.log" >&2; fail "the runner stand-in did not build (log above)"; }
fi

# --- 3. the real Dockerfile, unchanged --------------------------------------
stage "docker build of the Dockerfile"
image=release-action:container-test
build_started=$(now_ms)
# The build stage gets a tag too, so that pruning what act and earlier
# runs left keeps its layers: the next run's go build is then cached.
{ docker build --network host --target build -t "$image-build" . && docker build --network host -t "$image" .; } >"$tmp/build.log" 2>&1 ||
	{ tail -n 30 "$tmp/build.log" >&2; fail "the Dockerfile did not build (log above)"; }
build_ms=$(($(now_ms) - build_started))
image_size=$(docker image inspect -f '{{.Size}}' "$image")
echo "built $image in $build_ms ms: $image_size bytes"

# --- 4. the fake GitHub -----------------------------------------------------
stage "fake GitHub and the bare binary"
[ -s .cache/openapi/api.github.com.json ] || scripts/fetch-openapi.sh ||
	echo "note: GitHub's REST description could not be fetched: the fake checks no request against it"
go build -o "$tmp/fakegithub" ./internal/githubtest/cmd/fakegithub || fail "go build of the fake GitHub failed"
go build -o "$tmp/release-action" . || fail "go build of the action failed"
token=ghs_containerTestTokenThatMustNeverBePrinted00
owner=BTCDecoded
repositories=(bllvm bllvm-consensus bllvm-protocol bllvm-node bllvm-sdk bllvm-commons)

# The stand-in repositories' sources: Cargo.toml files with BTCDecoded's
# path dependencies (consensus -> protocol -> node -> {sdk -> commons,
# bllvm}; sdk and bllvm in the crates.io form, patched back to ../ in
# [patch.crates-io]), their binaries, a Cargo.lock where the real
# repository commits one, bllvm-commons's Dockerfile. The fake serves
# each as the tree of the repository's head (--files); act's checkouts
# of bllvm-consensus and bllvm are git repositories of the same files.
trees="$tmp/trees"
# crate_toml NAME DEPENDENCY_LINES FEATURES BINS: a Cargo.toml.
crate_toml() {
	local features="" bins="" f b
	for f in $3; do features+="$f = []"$'\n'; done
	for b in $4; do bins+=$'\n'"[[bin]]"$'\n'"name = \"$b\""$'\n'"path = \"src/bin/$b.rs\""$'\n'; done
	printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\n\n%s\n[features]\n%s%s' "$1" "$2" "$features" "$bins"
}
plant_tree() {
	local repo=$1 deps=$2 features=$3 bins=$4 lock=$5 dir="$trees/$1" b
	mkdir -p "$dir/src/bin"
	crate_toml "$repo" "$deps" "$features" "$bins" >"$dir/Cargo.toml"
	printf '//! %s (stand-in)\npub fn name() -> &'"'"'static str { "%s" }\n' "$repo" "$repo" >"$dir/src/lib.rs"
	for b in $bins; do printf 'fn main() { println!("%s"); }\n' "$b" >"$dir/src/bin/$b.rs"; done
	rmdir "$dir/src/bin" 2>/dev/null || true
	if [ "$lock" = locked ]; then printf '# stand-in Cargo.lock of %s\nversion = 3\n' "$repo" >"$dir/Cargo.lock"; fi
}
experimental="utxo-commitments ctv dandelion stratum-v2 bip158 sigop iroh"
plant_tree bllvm-consensus "" production "" unlocked
plant_tree bllvm-protocol $'[dependencies]\nbllvm-consensus = { path = "../bllvm-consensus" }\n' production "" locked
plant_tree bllvm-node $'[dependencies]\nbllvm-protocol = { path = "../bllvm-protocol" }\n' "production $experimental" convert-bitcoin-core-config unlocked
plant_tree bllvm-sdk $'[dependencies]\nbllvm-node = "0.1"\n\n[patch.crates-io]\nbllvm-node = { path = "../bllvm-node" }\n' "cli" \
	"bllvm-keygen bllvm-sign bllvm-verify bllvm-compose bllvm-sign-binary bllvm-verify-binary bllvm-aggregate-signatures" unlocked
plant_tree bllvm $'[dependencies]\nbllvm-node = "0.1"\n\n[patch.crates-io]\nbllvm-node = { path = "../bllvm-node" }\n' "production $experimental" bllvm locked
plant_tree bllvm-commons $'[dependencies]\nbllvm-sdk = { path = "../bllvm-sdk" }\n' "" \
	"bllvm-commons key-manager test-content-hash test-content-hash-standalone nostr-publisher" locked
printf 'FROM rust:1 AS build\nCOPY . /src\nWORKDIR /src/bllvm-commons\nRUN cargo build --release --locked\n' >"$trees/bllvm-commons/Dockerfile"
# sources_digest DIR: the SHA-256 of a crate's sources, as the stand-in
# cargo records it in what it builds.
sources_digest() {
	local paths=() p
	for p in Cargo.toml Cargo.lock src; do [ ! -e "$1/$p" ] || paths+=("$p"); done
	(cd "$1" && find "${paths[@]}" -type f | LC_ALL=C sort | xargs -r sha256sum | sha256sum | cut -d' ' -f1)
}
declare -A digest
for r in "${repositories[@]}"; do digest[$r]=$(sources_digest "$trees/$r"); done

# start_fake NAME ARGS...: a fresh fake serving every repository, with
# ARGS (--branch, --commit); sets fake_api, fake_root and fake_log.
start_fake() {
	local name=$1 r
	shift
	local args=(--token "$token" --log-requests)
	for r in "${repositories[@]}"; do args+=(--repo "$owner/$r"); done
	"$tmp/fakegithub" "${args[@]}" "$@" >"$tmp/$name.url" 2>"$tmp/$name.log" &
	fake_pids+=($!)
	for _ in $(seq 100); do [ -s "$tmp/$name.url" ] && break; sleep 0.1; done
	[ -s "$tmp/$name.url" ] || { cat "$tmp/$name.log" >&2; fail "the fake GitHub ($name) did not start"; }
	fake_api=$(head -n1 "$tmp/$name.url")
	fake_root=${fake_api%/api/v3}
	fake_log="$tmp/$name.log"
}

# api METHOD PATH: the fake's answer, as a client with the token gets it.
api() {
	curl -fsS -X "$1" -H "Authorization: token $token" -H 'Accept: application/vnd.github+json' "$fake_api$2" ||
		fail "$1 $2 on the fake GitHub failed"
}

# Every input of action.yml with its default, as the runner passes them.
awk '/^inputs:/ {f = 1; next} /^outputs:/ {f = 0}
	f && /^  [a-z-]+:$/ {name = substr($1, 1, length($1) - 1)}
	f && /^    default: / {v = $0; sub(/^    default: /, "", v)
		if (v ~ /^'\''.*'\''$/) {v = substr(v, 2, length(v) - 2); gsub(/'\'''\''/, "'\''", v)}
		print name "\t" v}' action.yml >"$tmp/defaults.tsv"
[ "$(wc -l <"$tmp/defaults.tsv")" -gt 20 ] || fail "could not read the inputs of action.yml"

# read_outputs FILE: sets out[name] from a GITHUB_OUTPUT file.
declare -A out
read_outputs() {
	out=()
	local line name="" delim="" value=""
	while IFS= read -r line; do
		if [ -n "$delim" ]; then
			if [ "$line" = "$delim" ]; then out[$name]=$value; delim=""; else value+="${value:+$'\n'}$line"; fi
		elif [[ $line == *'<<'* ]]; then
			name=${line%%<<*}; delim=${line#*<<}; value=""
		elif [[ $line == *=* ]]; then
			out[${line%%=*}]=${line#*=}
		fi
	done <"$1"
}

# expect WHAT NAME PATTERN: output NAME must match the extended regex.
expect() {
	[[ ${out[$2]-<unset>} =~ $3 ]] || fail "$1: output $2 is '${out[$2]-<unset>}', want /$3/"
}

# expect_request WHAT LINE: the fake logged a request LINE (a regex).
expect_request() {
	grep -Eq "^fakegithub: $2\$" "$fake_log" || { grep '^fakegithub:' "$fake_log" | tail -n 15 >&2; fail "$1: the fake received no $2 (its last requests above)"; }
}

# runner_dirs DIR: the runner's folders for one job, owned by the runner's
# unprivileged user (1001), with the file-command files it creates first.
runner_uid=1001
runner_dirs() {
	mkdir -p "$1/_temp/_github_home" "$1/_temp/_github_workflow" "$1/_temp/_runner_file_commands" "$1/workspace"
	chown -R "$runner_uid:$runner_uid" "$1"
}

# run_action DIR REPOSITORY EVENT SHA NAME=VALUE...: one step of the
# action as the runner runs a Docker container action: its flags, mounts
# and environment, every input of action.yml as INPUT_<NAME> (hyphens
# kept) with its default unless given. DIR/event.json is the event; the
# outputs land in out[], the log in DIR/log; returns docker's exit status.
run_action() {
	local dir=$1 repository=$2 event=$3 sha=$4 name value id
	shift 4
	id=$(cat /proc/sys/kernel/random/uuid)
	declare -A inputs=()
	while IFS=$'\t' read -r name value; do inputs[$name]=${value//'${{ github.token }}'/$token}; done <"$tmp/defaults.tsv"
	for value in "$@"; do inputs[${value%%=*}]=${value#*=}; done
	local env=()
	for name in "${!inputs[@]}"; do env+=(-e "INPUT_${name^^}=${inputs[$name]}"); done
	install -o "$runner_uid" -g "$runner_uid" -m 644 "$dir/event.json" "$dir/_temp/_github_workflow/event.json"
	local commands="$dir/_temp/_runner_file_commands"
	for name in set_output set_env add_path save_state step_summary; do
		: >"$commands/${name}_$id"
		chown "$runner_uid:$runner_uid" "$commands/${name}_$id"
	done
	echo "$id" >"$dir/id"
	local status=0
	docker run --name "rac_${id//-/}" --label release-action-container-test --workdir /github/workspace --rm --network host \
		"${env[@]}" \
		-e HOME=/github/home -e GITHUB_JOB=job -e GITHUB_REF=refs/heads/main -e GITHUB_SHA="$sha" \
		-e GITHUB_REPOSITORY="$repository" -e GITHUB_REPOSITORY_OWNER="$owner" -e GITHUB_RUN_ID=4242 \
		-e GITHUB_RUN_NUMBER=7 -e GITHUB_RETENTION_DAYS=90 -e GITHUB_RUN_ATTEMPT=1 -e GITHUB_ACTOR=runner-user \
		-e GITHUB_TRIGGERING_ACTOR=runner-user -e GITHUB_WORKFLOW=container-test -e GITHUB_HEAD_REF= -e GITHUB_BASE_REF= \
		-e GITHUB_EVENT_NAME="$event" -e GITHUB_SERVER_URL="$fake_root" -e GITHUB_API_URL="$fake_api" \
		-e GITHUB_GRAPHQL_URL="$fake_root/api/graphql" -e GITHUB_REF_NAME=main -e GITHUB_REF_PROTECTED=false -e GITHUB_REF_TYPE=branch \
		-e GITHUB_WORKSPACE=/github/workspace -e GITHUB_ACTION=__BTCDecoded_release-action -e GITHUB_EVENT_PATH=/github/workflow/event.json \
		-e GITHUB_ACTION_REPOSITORY=BTCDecoded/release-action -e GITHUB_ACTION_REF=v1 -e GITHUB_PATH="/github/file_commands/add_path_$id" \
		-e GITHUB_ENV="/github/file_commands/set_env_$id" -e GITHUB_STEP_SUMMARY="/github/file_commands/step_summary_$id" \
		-e GITHUB_STATE="/github/file_commands/save_state_$id" -e GITHUB_OUTPUT="/github/file_commands/set_output_$id" \
		-e RUNNER_OS=Linux -e RUNNER_ARCH=X64 -e RUNNER_NAME=container-test -e RUNNER_ENVIRONMENT=self-hosted \
		-e RUNNER_TOOL_CACHE=/opt/hostedtoolcache -e RUNNER_TEMP=/home/runner/work/_temp -e RUNNER_WORKSPACE=/home/runner/work/bllvm \
		-e ACTIONS_RUNTIME_URL= -e ACTIONS_RUNTIME_TOKEN= -e ACTIONS_CACHE_URL= -e GITHUB_ACTIONS=true -e CI=true \
		-v "$tmp/docker.sock:/var/run/docker.sock" \
		-v "$dir/_temp/_github_home:/github/home" \
		-v "$dir/_temp/_github_workflow:/github/workflow" \
		-v "$dir/_temp/_runner_file_commands:/github/file_commands" \
		-v "$dir/workspace:/github/workspace" \
		"$image" >"$dir/log" 2>&1 || status=$?
	read_outputs "$commands/set_output_$id"
	return "$status"
}

# step WHAT DIR REPOSITORY EVENT SHA NAME=VALUE...: run_action, which must
# exit 0 and write a step summary; the token is printed only masked.
step() {
	local what=$1 dir=$2
	shift 2
	run_action "$dir" "$@" || { tail -n 20 "$dir/log" >&2; fail "$what: the container exited non-zero (its log above)"; }
	local id
	id=$(cat "$dir/id")
	[ -s "$dir/_temp/_runner_file_commands/step_summary_$id" ] || fail "$what: no step summary written"
	[ "$(grep -c "$token" "$dir/log")" -le 1 ] || fail "$what: the token is in the log beyond its ::add-mask:: line"
	echo "ok: $what ($(grep -c . "$dir/_temp/_runner_file_commands/set_output_$id") output lines)"
}

# event FILE REPOSITORY JSON: an event payload with its repository.
event() {
	jq -c --arg full "$owner/$2" --arg name "$2" --arg owner "$owner" \
		'. + {repository: {full_name: $full, name: $name, owner: {login: $owner}}}' <<<"$3" >"$1"
}

# root_owned DIR: what under the runner's folders belongs to root.
root_owned() {
	find "$1/_temp" "$1/workspace" -uid 0 -printf '%P\n' | sort
}

# --- 5. the image as the runner runs it --------------------------------------
stage "1. the image as the runner runs it"
bllvm_sha=b11b11b11b11b11b11b11b11b11b11b11b11b11b
declare -A heads=([bllvm]=$bllvm_sha)
seeds=(--branch "$owner/bllvm=main:$bllvm_sha" --files "$owner/bllvm=$bllvm_sha:$trees/bllvm")
n=1
for r in "${repositories[@]:1}"; do
	heads[$r]=$(printf '%02x01%036x' "$n" 1)
	seeds+=(--branch "$owner/$r=main:${heads[$r]}" --files "$owner/$r=${heads[$r]}:$trees/$r")
	n=$((n + 1))
done
start_fake modes "${seeds[@]}"
consensus_sha=${heads[bllvm-consensus]}
root_files=()

d="$tmp/mode-trigger"
runner_dirs "$d"
event "$d/event.json" bllvm-consensus '{"ref":"refs/heads/main","after":"'"$consensus_sha"'"}'
step "trigger-orchestrator" "$d" "$owner/bllvm-consensus" push "$consensus_sha" mode=trigger-orchestrator
expect trigger-orchestrator dispatched '^true$'
expect trigger-orchestrator orchestrator "^$owner/bllvm\$"
expect trigger-orchestrator event-type '^build_consensus$'
expect trigger-orchestrator client-payload "\"sha\":\"$consensus_sha\""
expect trigger-orchestrator dispatch-id '^4242-1-[0-9a-f]{8}$'
expect_request trigger-orchestrator "POST /api/v3/repos/$owner/bllvm/dispatches 204"
payload=${out[client-payload]}
mapfile -t -O "${#root_files[@]}" root_files < <(root_owned "$d" | sed 's|^|trigger-orchestrator: |')

d="$tmp/mode-plan"
runner_dirs "$d"
event "$d/event.json" bllvm '{"action":"build_consensus","branch":"main","client_payload":'"$payload"'}'
step "plan" "$d" "$owner/bllvm" repository_dispatch "$bllvm_sha" mode=plan
expect plan components '^\["consensus","protocol","node","sdk","bllvm","governance"\]$'
expect plan build-all '^true$'
expect plan changed '^true$'
expect plan matrix "\"sha\":\"$consensus_sha\""
expect plan manifest "\"sha\":\"${heads[bllvm-commons]}\""
# The dispatched commit is compared with its branch's head: it must be on
# the branch, not merely exist (a fork's commit, a pull request's head).
expect_request plan "GET /api/v3/repos/$owner/bllvm-consensus/compare/[^ ]+\.\.\.$consensus_sha(\?[^ ]*)? 200"
expect_request plan "GET /api/v3/repos/$owner/bllvm-commons/commits/.* 200"
manifest=${out[manifest]}
mapfile -t -O "${#root_files[@]}" root_files < <(root_owned "$d" | sed 's|^|plan: |')

# checkout lays out sdk and what it depends on, side by side, at the
# commits of the manifest, owned by the workspace's owner.
d="$tmp/mode-checkout"
runner_dirs "$d"
event "$d/event.json" bllvm '{"action":"build_consensus","branch":"main","client_payload":'"$payload"'}'
step "checkout of sdk" "$d" "$owner/bllvm" repository_dispatch "$bllvm_sha" mode=checkout "manifest=$manifest" components=sdk path=sources
expect checkout paths '"sdk":"sources/bllvm-sdk"'
for r in bllvm-consensus bllvm-protocol bllvm-node bllvm-sdk; do
	[ "$(sources_digest "$d/workspace/sources/$r")" = "${digest[$r]}" ] || fail "checkout: sources/$r does not hold the files of $r at ${heads[$r]}"
	jq -e --arg sha "${heads[$r]}" '.commit == $sha' "$d/workspace/sources/$r/.release-action-checkout" >/dev/null ||
		fail "checkout: the marker of sources/$r does not name ${heads[$r]}"
	expect_request checkout "GET /api/v3/repos/$owner/$r/tarball/${heads[$r]} 302"
done
for r in bllvm bllvm-commons; do
	[ ! -e "$d/workspace/sources/$r" ] || fail "checkout of sdk laid out $r, which sdk does not depend on"
done
jq -e 'map(.path) | sort == ["sources/bllvm-consensus", "sources/bllvm-node", "sources/bllvm-protocol", "sources/bllvm-sdk"]' \
	"$d/workspace/.release-action/snapshot.json" >/dev/null || fail "checkout: .release-action/snapshot.json is $(cat "$d/workspace/.release-action/snapshot.json")"
mapfile -t -O "${#root_files[@]}" root_files < <(root_owned "$d" | sed 's|^|checkout: |')

d="$tmp/mode-nightly"
runner_dirs "$d"
event "$d/event.json" bllvm '{"action":"build_consensus","branch":"main","client_payload":'"$payload"'}'
step "nightly-tag with push-tag" "$d" "$owner/bllvm" repository_dispatch "$bllvm_sha" mode=nightly-tag push-tag=true \
	date=2025-11-17 "manifest=$manifest"
nightly="nightly-20251117-${bllvm_sha:0:7}"
expect nightly-tag tag "^$nightly\$"
expect nightly-tag created '^true$'
expect nightly-tag changed '^true$'
expect nightly-tag sha "^$bllvm_sha\$"
expect_request nightly-tag "POST /api/v3/repos/$owner/bllvm/git/refs 201"
mapfile -t -O "${#root_files[@]}" root_files < <(root_owned "$d" | sed 's|^|nightly-tag: |')

d="$tmp/mode-prerelease"
runner_dirs "$d"
mkdir -p "$d/workspace/dist"
echo "consensus built at $consensus_sha" >"$d/workspace/dist/consensus-linux-x64.tar.gz"
chown -R "$runner_uid:$runner_uid" "$d/workspace"
event "$d/event.json" bllvm '{"ref":"refs/heads/main","after":"'"$bllvm_sha"'"}'
step "create-prerelease with an asset and checksums" "$d" "$owner/bllvm" push "$bllvm_sha" mode=create-prerelease \
	"tag=$nightly" 'assets=dist/*' checksums=SHA256SUMS
expect create-prerelease tag "^$nightly\$"
expect create-prerelease created '^true$'
expect create-prerelease release-url "^$fake_root/$owner/bllvm/releases/tag/$nightly\$"
expect create-prerelease checksums-file '^\.release-action/SHA256SUMS$'
expect create-prerelease assets '"name":"SHA256SUMS"'
expect_request create-prerelease "POST /api/v3/repos/$owner/bllvm/releases 201"
expect_request create-prerelease "POST /api/uploads/repos/$owner/bllvm/releases/[0-9]+/assets\?name=consensus-linux-x64.tar.gz.* 201"
expect_request create-prerelease "PATCH /api/v3/repos/$owner/bllvm/releases/[0-9]+ 200"
sums="$d/workspace/${out[checksums-file]}"
[ -f "$sums" ] || fail "create-prerelease: checksums-file ${out[checksums-file]} is not on the host under the workspace"
# Each listed file is in dist/ (the asset) or beside the list (manifest.json).
while read -r digest name; do
	found=false
	for where in dist .release-action; do
		[ -f "$d/workspace/$where/$name" ] || continue
		(cd "$d/workspace/$where" && echo "$digest  $name" | sha256sum --quiet -c -) || fail "create-prerelease: $where/$name does not match ${out[checksums-file]}"
		found=true
	done
	$found || fail "create-prerelease: ${out[checksums-file]} lists $name, which is in neither dist/ nor .release-action/"
done <"$sums"
echo "ok: ${out[checksums-file]} is on the host, and sha256sum -c verifies the $(wc -l <"$sums") files it lists"
mapfile -t -O "${#root_files[@]}" root_files < <(root_owned "$d" | sed 's|^|create-prerelease: |')

if [ "${#root_files[@]}" -gt 0 ]; then
	printf '  root-owned: %s\n' "${root_files[@]}" >&2
	fail "the action left files owned by root under the runner's folders (above), which the runner's user (uid $runner_uid) cannot remove"
fi
echo "ok: nothing under the workspace or _temp belongs to root"

# Figures: a dispatch's start-to-exit in the container and bare, median of 5.
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
d="$tmp/timing"
runner_dirs "$d"
event "$d/event.json" bllvm-consensus '{"ref":"refs/heads/main","after":"'"$consensus_sha"'"}'
container_ms=$(for _ in 1 2 3 4 5; do
	t0=$(now_ms)
	run_action "$d" "$owner/bllvm-consensus" push "$consensus_sha" mode=trigger-orchestrator >/dev/null || fail "a timed docker run failed: $(tail -n 5 "$d/log")"
	echo $(($(now_ms) - t0))
done | median)
bare_env=(PATH="$PATH" HOME="$d/_temp/_github_home" GITHUB_ACTIONS=true GITHUB_API_URL="$fake_api" GITHUB_SERVER_URL="$fake_root"
	GITHUB_REPOSITORY="$owner/bllvm-consensus" GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH="$d/event.json" GITHUB_SHA="$consensus_sha"
	GITHUB_REF=refs/heads/main GITHUB_RUN_ID=4242 GITHUB_RUN_ATTEMPT=1 GITHUB_WORKSPACE="$d/workspace"
	GITHUB_OUTPUT="$d/bare-output" GITHUB_STEP_SUMMARY="$d/bare-summary" INPUT_MODE=trigger-orchestrator INPUT_TOKEN="$token")
bare_ms=$(for _ in 1 2 3 4 5; do
	t0=$(now_ms)
	(cd "$d/workspace" && env -i "${bare_env[@]}" "$tmp/release-action" >"$d/bare-log" 2>&1) || fail "a timed bare run failed: $(tail -n 5 "$d/bare-log")"
	echo $(($(now_ms) - t0))
done | median)
echo "ok: dispatch start-to-exit, median of 5: docker run $container_ms ms, bare binary $bare_ms ms"

# --- 6. the example workflows under act -------------------------------------
stage "2. the example workflows under act"
act="$cache/bin/act"
act_version=v0.2.89
if [ ! -x "$act" ] || [ "$("$act" --version 2>/dev/null)" != "act version ${act_version#v}" ]; then
	echo "building act $act_version into $cache/bin (outside this module: go.mod is untouched)"
	modsum=$(cat go.mod go.sum | sha256sum)
	(cd "$tmp" && GOFLAGS=-mod=mod GOBIN="$cache/bin" go install "github.com/nektos/act@$act_version") >"$tmp/act-build.log" 2>&1 ||
		{ tail -n 20 "$tmp/act-build.log" >&2; fail "go install github.com/nektos/act@$act_version failed (log above)"; }
	[ "$(cat go.mod go.sum | sha256sum)" = "$modsum" ] || fail "building act changed go.mod or go.sum"
fi

repos="$tmp/repos"
artifacts="$tmp/artifacts"
mkdir -p "$repos" "$artifacts/git" "$tmp/act-home"
workflows="$root/examples/workflows"
if [ "${CONTAINER_TEST_PLANT:-}" = needs-output ]; then
	# The planted defect: the publish job's nightly-tag step reads an
	# output the plan job does not have.
	mkdir -p "$tmp/planted"
	cp "$workflows"/*.yml "$tmp/planted/"
	sed -i 's/manifest: \${{ needs.plan.outputs.manifest }}/manifest: ${{ needs.plan.outputs.snapshot }}/' "$tmp/planted/release_orchestrator.yml"
	grep -q 'needs.plan.outputs.snapshot' "$tmp/planted/release_orchestrator.yml" || fail "self-check: could not plant the defect"
	workflows="$tmp/planted"
	echo "self-check: planted needs.plan.outputs.snapshot (no such output) in a copy of release_orchestrator.yml"
fi

# make_repo NAME FILE=WORKFLOW...: a git checkout of BTCDecoded/NAME with
# its stand-in sources and those workflows, as act reads the repository,
# ref and sha from it. Its origin fetches from GitHub's address (act
# reads the repository from it) but pushes to a bare repository under
# /artifacts (git/NAME.git on the host): a job's git push never leaves
# this machine.
make_repo() {
	local dir="$repos/$1" pair
	shift
	mkdir -p "$dir/.github/workflows"
	cp -a "$trees/$(basename "$dir")/." "$dir/"
	# act runs the jobs of a matrix at once, all in the one workspace it
	# binds, where GitHub gives each job a runner and its workspace: the
	# copies act runs get max-parallel: 1, their only change.
	for pair in "$@"; do
		sed 's/^    strategy:$/    strategy:\n      max-parallel: 1/' "$workflows/${pair#*=}" >"$dir/.github/workflows/${pair%%=*}"
	done
	git -C "$dir" init -q -b main
	git -C "$dir" remote add origin "https://github.com/$owner/$(basename "$dir").git"
	git init -q --bare "$artifacts/git/$(basename "$dir").git"
	git -C "$dir" remote set-url --push origin "/artifacts/git/$(basename "$dir").git"
	git -C "$dir" add -A
	GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com \
		git -C "$dir" commit -q -m "workflows"
	git -C "$dir" rev-parse HEAD
}
consensus_head=$(make_repo bllvm-consensus ci.yml=repo-ci.yml)
bllvm_head=$(make_repo bllvm release_orchestrator.yml=release_orchestrator.yml prerelease.yml=prerelease.yml \
	nightly-prerelease.yml=nightly-prerelease.yml reproduce.yml=reproduce.yml release.yml=release.yml)
# actionlint, as scripts/test.sh runs it, on what act is about to run.
go tool actionlint "$repos"/*/.github/workflows/*.yml >"$tmp/actionlint.log" 2>&1 ||
	{ cat "$tmp/actionlint.log" >&2; fail "actionlint refuses the workflows act would run (above)"; }
# Every component's head has passed its CI: a completed, successful push
# run of ci.yml on main at that commit, which plan's pin: green pins.
# bllvm is a component too: its own CI passed on its head. Each head's
# tree is served for mode: checkout (--files).
heads[bllvm]=$bllvm_head
heads[bllvm-consensus]=$consensus_head
# bllvm-consensus's main is one commit further, whose proof fails: its CI
# never passed, so pin: green keeps the good head, until (e) dispatches it.
unproven=0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e
cp -a "$repos/bllvm-consensus" "$tmp/unproven"
rm -rf "$tmp/unproven/.git"
echo '// stand-in: a proof fails' >>"$tmp/unproven/src/lib.rs"
# bllvm-commons's main is one commit further too, whose CI has not passed
# yet: (f) dispatches it, as its repo-ci.yml would once it has.
commons_next=0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c
cp -a "$trees/bllvm-commons" "$tmp/commons-next"
echo '// the next commit' >>"$tmp/commons-next/src/lib.rs"
seeds=(--branch "$owner/bllvm-consensus=main:$unproven" --files "$owner/bllvm-consensus=$unproven:$tmp/unproven"
	--branch "$owner/bllvm-commons=main:$commons_next" --files "$owner/bllvm-commons=$commons_next:$tmp/commons-next")
# digest_at COMMIT: the sources' SHA-256 of the tree served for it.
declare -A digest_at=([$commons_next]=$(sources_digest "$tmp/commons-next"))
for r in "${repositories[@]}"; do digest_at[${heads[$r]}]=${digest[$r]}; done
for r in "${repositories[@]}"; do
	seeds=(--branch "$owner/$r=main:${heads[$r]}" "${seeds[@]}" --green "$owner/$r=ci.yml:main:${heads[$r]}")
	if [ "$r" = bllvm ] || [ "$r" = bllvm-consensus ]; then
		seeds+=(--files "$owner/$r=${heads[$r]}:$repos/$r")
	else
		seeds+=(--files "$owner/$r=${heads[$r]}:$trees/$r")
	fi
done
start_fake pipeline "${seeds[@]}"

# The stand-in cargo refuses what a real build would not build from the
# snapshot: a sibling folder missing, one at another commit than the
# snapshot pins, one the action did not lay out.
sc="$tmp/stand-in-cargo"
mkdir -p "$sc/.release-action"
for r in bllvm-consensus bllvm-protocol bllvm-node; do
	cp -a "$trees/$r" "$sc/$r"
	echo "{\"repository\":\"$owner/$r\",\"commit\":\"${heads[$r]}\"}" >"$sc/$r/.release-action-checkout"
done
jq -n --arg owner "$owner" --arg c "${heads[bllvm-consensus]}" --arg p "${heads[bllvm-protocol]}" --arg n "${heads[bllvm-node]}" \
	'[{component: "consensus", repository: ($owner + "/bllvm-consensus"), commit: $c, path: "bllvm-consensus"},
	  {component: "protocol", repository: ($owner + "/bllvm-protocol"), commit: $p, path: "bllvm-protocol"},
	  {component: "node", repository: ($owner + "/bllvm-node"), commit: $n, path: "bllvm-node"}]' >"$sc/.release-action/snapshot.json"
# cargo_refuses WHAT PATTERN: the stand-in cargo build in bllvm-node fails
# with a message matching PATTERN.
cargo_refuses() {
	local log="$sc/cargo.log"
	! (cd "$sc/bllvm-node" && GITHUB_WORKSPACE="$sc" "$root/scripts/container/runner/cargo" build --release) >"$log" 2>&1 ||
		fail "the stand-in cargo built bllvm-node with $1"
	grep -qE "$2" "$log" || fail "the stand-in cargo refused $1 without saying /$2/: $(cat "$log")"
}
(cd "$sc/bllvm-node" && GITHUB_WORKSPACE="$sc" "$root/scripts/container/runner/cargo" build --release) >"$sc/cargo.log" 2>&1 ||
	fail "the stand-in cargo did not build a complete snapshot: $(cat "$sc/cargo.log")"
grep -qxF "crate bllvm-protocol ${heads[bllvm-protocol]} ${digest[bllvm-protocol]}" "$sc/bllvm-node/target/release/convert-bitcoin-core-config" ||
	fail "the stand-in cargo did not record bllvm-protocol's commit: $(cat "$sc/bllvm-node/target/release/convert-bitcoin-core-config")"
jq '.[1].commit = "'"${heads[bllvm-node]}"'"' "$sc/.release-action/snapshot.json" >"$sc/pinned" && cp "$sc/pinned" "$sc/.release-action/snapshot.json"
cargo_refuses "a sibling at another commit" "crate bllvm-protocol at bllvm-protocol holds commit ${heads[bllvm-protocol]}, but the snapshot pins ${heads[bllvm-node]}"
mv "$sc/bllvm-protocol" "$sc/elsewhere"
cargo_refuses "a sibling missing" "dependency .bllvm-protocol. of bllvm-node: .*/bllvm-protocol/Cargo.toml does not exist"
echo "ok: the stand-in cargo records every crate's commit, and refuses a sibling missing or at another commit, naming it"

# act's config: no interactive choice of a default image.
# The one runner stand-in plays GitHub's hosted ubuntu-latest too
# (reproduce.yml's jobs, release.yml's versions job), with the hosted
# runner's rustup, sudo, apt-get and gh as stand-ins.
runner=release-action-standin/runner:bookworm
printf -- '-P self-hosted=%s\n-P ubuntu-latest=%s\n' "$runner" "$runner" >"$tmp/act-home/.actrc"
act_times=()
# act runs the image built above from the real Dockerfile (under the name
# act gives the action's image) instead of building its own copy for each
# step: --rebuild=false.
docker tag "$image" act-btcdecoded-release-action-v1-dockeraction:latest

# act_run NAME REPO EVENT WORKFLOW RUN_ID: plays one workflow run under act
# with the event in $tmp/NAME.json; fails naming the step that failed.
act_run() {
	local name=$1 repo=$2 event_name=$3 workflow=$4 run_id=$5 status=0 t0 failing=${ACT_FAILING:-}
	local log="$tmp/act-$name.log"
	t0=$(now_ms)
	(cd "$repos/$repo" && HOME="$tmp/act-home" XDG_CONFIG_HOME="$tmp/act-home/.config" XDG_CACHE_HOME="$tmp/act-home/.cache" \
		"$act" "$event_name" -W ".github/workflows/$workflow" -e "$tmp/$name.json" \
		-P self-hosted="$runner" -P ubuntu-latest="$runner" --pull=false --rebuild=false --bind --network host \
		--concurrent-jobs 1 \
		--container-options "--network host -v $artifacts:/artifacts" \
		-s REPO_ACCESS_TOKEN="$token" -s GITHUB_TOKEN="$token" \
		--env GITHUB_API_URL="$fake_api" --env GITHUB_SERVER_URL="$fake_root" --env GITHUB_RUN_ID="$run_id" \
		--local-repository "BTCDecoded/release-action@v1=$root" \
		--local-repository "actions/checkout@v4=$root/scripts/container/actions/checkout" \
		--local-repository "actions/upload-artifact@v4=$root/scripts/container/actions/upload-artifact" \
		--local-repository "actions/download-artifact@v4=$root/scripts/container/actions/download-artifact" \
		--local-repository "actions/attest-build-provenance@v3=$root/scripts/container/actions/attest-build-provenance" \
		--action-cache-path "$tmp/act-home/actions" --cache-server-path "$tmp/act-home/actcache" \
		--container-daemon-socket "$DOCKER_HOST") >"$log" 2>&1 || status=$?
	local wall=$(($(now_ms) - t0))
	while IFS= read -r line; do act_times+=("$name: $line"); done < <(grep -E 'Success - |Failure - ' "$log" |
		grep -vE ' - (Set up job|Complete job|Main set -eu)' | sed -E 's/^\[([^]]*)\] +(✅|❌) +/\1: /; s/\x1b\[[0-9;]*m//g')
	act_times+=("$name: whole run ${wall} ms")
	if [ -n "$failing" ]; then
		# Expected to fail, in exactly that step.
		[ "$status" -ne 0 ] || fail "act run of $workflow ($name) passed; want it to fail in $failing"
		failed=$(grep -E '❌  Failure - ' "$log" | sed -E 's/\x1b\[[0-9;]*m//g; s/^\[[^/]*\/([^] ]*) *\] *❌  Failure - (Main )?/\1: /; s/ \[[^]]*\]$//' | sort -u)
		[ "$failed" = "$failing" ] || { grep -E '❌  Failure - ' "$log" >&2; fail "act run of $workflow ($name) failed in: $failed; want only $failing"; }
		echo "ok: act $workflow ($name) failed in $failing, as it must"
		return 0
	fi
	if [ "$status" -ne 0 ] || grep -q '❌  Failure - ' "$log"; then
		echo "act $workflow failed (exit $status); failing steps:" >&2
		grep -E '❌  Failure - ' "$log" | sed 's/^/  /' >&2 || true
		echo "--- last lines of its log:" >&2
		grep -vE '^\[[^]]*\] +\| *$' "$log" | tail -n 40 >&2
		fail "act run of $workflow ($name) failed (steps above)"
	fi
	# No checkout of the examples leaves the token in .git/config: the
	# stand-in says what persist-credentials a real one would have had.
	if grep -E '\| stand-in checkout: ' "$log" | grep -vq '(persist-credentials: false)'; then
		grep -E '\| stand-in checkout: ' "$log" >&2
		fail "$workflow ($name): a checkout without persist-credentials: false (above)"
	fi
	echo "ok: act $workflow ($name) in $wall ms"
}

# What a person reads in the job's log (act shows the step output as a
# runner does): each release-action step ends with one done: line.
log_has() {
	local name=$1 pattern=$2 what=$3
	grep -qE "\| ${pattern}" "$tmp/act-$name.log" || { grep -E '\| (done:|waiting for|status:|uploaded|::)' "$tmp/act-$name.log" | tail -n 20 >&2; fail "the $name log under act lacks $what (lines above)"; }
}

# output_was NAME OUTPUT VALUE: a step of the act run NAME set OUTPUT to
# exactly VALUE (act logs each as "::set-output:: OUTPUT=VALUE").
output_was() {
	sed -n "s/\x1b\[[0-9;]*m//g; s/^.*::set-output:: $2=//p" "$tmp/act-$1.log" | sed 's/[[:space:]]*$//' | grep -qxF -- "$3" ||
		{ grep -F '::set-output::' "$tmp/act-$1.log" | cut -c1-200 >&2; fail "no step of the $1 run set $2 to '$3' (its outputs above)"; }
}

# release_state: the releases and tags of bllvm, as a client lists them:
# one line per release, tag and asset (id, name, digest).
release_state() {
	api GET "/repos/$owner/bllvm/releases" | jq -r '.[] | "release \(.tag_name) draft=\(.draft) prerelease=\(.prerelease)", (.assets[] | "  asset \(.id) \(.name) \(.digest)")'
	api GET "/repos/$owner/bllvm/git/matching-refs/tags/nightly-" | jq -r '.[] | "tag \(.ref) \(.object.sha)"'
}

# attested RUN_ID: what the attestation stand-in recorded in that run,
# "<job> <sha256>  <name>" sorted.
attested() {
	[ -s "$artifacts/attestations/$1" ] || fail "run $1 attested nothing"
	sort "$artifacts/attestations/$1"
}

# plant WHAT PATH: POSTs the JSON on stdin to the fake's control route
# PATH (/_fake/runs, /_fake/commits): what GitHub would know that act
# cannot tell it; prints the answer.
plant() {
	curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' --data-binary @- "$fake_root$2" >"$tmp/planted.json" ||
		fail "planting $1 in the fake (POST $2) failed: $(cat "$tmp/planted.json")"
	cat "$tmp/planted.json"
}

# tracking_issues: the issues of bllvm labelled nightly-broken, open or
# closed, one line each: number, state, comments, title.
triage_label=nightly-broken
tracking_issues() {
	api GET "/repos/$owner/bllvm/issues?labels=$triage_label&state=all&per_page=100" |
		jq -r '.[] | "#\(.number) \(.state) comments=\(.comments) \(.title)"'
}

# github_log: stdin as GitHub keeps a job's log, a timestamp before every
# line.
github_log() {
	local at
	at=$(date -u +%Y-%m-%dT%H:%M:%S)
	sed "s/^/$at.0000000Z /"
}

# (a) a push to bllvm-consensus: one repository_dispatch to the orchestrator.
jq -n --arg sha "$consensus_head" --arg owner "$owner" \
	'{ref: "refs/heads/main", after: $sha, before: ("0" * 40), repository: {full_name: ($owner + "/bllvm-consensus"), name: "bllvm-consensus", owner: {login: $owner}}}' >"$tmp/push.json"
act_run push bllvm-consensus push ci.yml 101
curl -fsS "$fake_root/_fake/dispatches" >"$tmp/dispatches.json" || fail "GET /_fake/dispatches failed"
[ "$(jq '.repository_dispatches | length' "$tmp/dispatches.json")" = 1 ] || { cat "$tmp/dispatches.json" >&2; fail "repo-ci.yml: want exactly one repository_dispatch"; }
jq -e --arg sha "$consensus_head" '.repository_dispatches[0] | .repository == "BTCDecoded/bllvm" and .event_type == "build_consensus" and .client_payload.sha == $sha and .client_payload.repo == "bllvm-consensus"' \
	"$tmp/dispatches.json" >/dev/null || { cat "$tmp/dispatches.json" >&2; fail "repo-ci.yml: the dispatch is not build_consensus of $consensus_head to $owner/bllvm"; }
log_has push 'done: dispatched build_consensus to BTCDecoded/bllvm' "the dispatch's done: line"
echo "ok: one repository_dispatch build_consensus of $consensus_head"

# (b) the orchestrator run that dispatch starts, with its payload: plan,
# the builds, the image, then tag and publish in the same run.
jq --arg owner "$owner" '{action: .repository_dispatches[0].event_type, branch: "main", client_payload: .repository_dispatches[0].client_payload,
	repository: {full_name: ($owner + "/bllvm"), name: "bllvm", owner: {login: $owner}}}' "$tmp/dispatches.json" >"$tmp/orchestrator.json"
act_run orchestrator bllvm repository_dispatch release_orchestrator.yml 201
log_has orchestrator 'done: planned 6 components' "plan's done: line"
log_has orchestrator 'done: tagged nightly-' "nightly-tag's done: line"
log_has orchestrator 'done: published nightly-' "create-prerelease's done: line"
# Nothing failed yet: the publish job's close-issue step finds no
# tracking issue open (one request), and the triage job never starts.
log_has orchestrator 'done: no tracking issue is open; nothing to do' "close-issue's done: line"
grep -qE '\[Release Orchestrator/triage[^]]*\] +⭐ Run ' "$tmp/act-orchestrator.log" && fail "the triage job started in a run where nothing failed"
[ -z "$(tracking_issues)" ] || { tracking_issues >&2; fail "an issue labelled $triage_label exists (above) after a run where nothing failed"; }
echo "ok: run 201's close-issue step found no tracking issue open and wrote nothing; its triage job did not start"
output_was orchestrator changed true
# The first nightly: no base to plan against (base empty, or not set).
! sed -n 's/^.*::set-output:: base=//p' "$tmp/act-orchestrator.log" | grep -q '[^[:space:]]' ||
	fail "the first orchestrator run planned against a base: $(grep -F '::set-output:: base=' "$tmp/act-orchestrator.log")"
curl -fsS "$fake_root/_fake/dispatches" >"$tmp/dispatches.json" || fail "GET /_fake/dispatches failed"
[ "$(jq '.workflow_dispatches | length' "$tmp/dispatches.json")" = 0 ] ||
	{ cat "$tmp/dispatches.json" >&2; fail "release_orchestrator.yml dispatched a workflow (above): it publishes in its own run, and nothing waits"; }
# What the builds upload: bllvm and the sdk tools for both variants and
# both platforms, the governance app's binaries and image; the libraries
# ship nothing.
platforms=(x86_64-unknown-linux-gnu x86_64-pc-windows-gnu)
want_assets=(SHA256SUMS manifest.json governance-image.tar.gz governance-x86_64-unknown-linux-gnu.tar.gz)
for c in bllvm sdk; do
	for variant in base experimental; do
		for platform in "${platforms[@]}"; do
			name="$c-$variant-$platform"
			ext=tar.gz
			[ "$platform" != x86_64-pc-windows-gnu ] || ext=zip
			[ -s "$artifacts/201/$name/$name.$ext" ] || fail "release_orchestrator.yml: no artifact $name holding $name.$ext in run 201"
			want_assets+=("$name.$ext")
		done
	done
done
for name in governance-image.tar.gz governance-x86_64-unknown-linux-gnu.tar.gz; do
	[ -s "$artifacts/201/governance/$name" ] || fail "release_orchestrator.yml: the governance artifact of run 201 lacks $name"
done

api GET "/repos/$owner/bllvm/git/matching-refs/tags/nightly-" >"$tmp/tags.json"
[ "$(jq 'length' "$tmp/tags.json")" = 1 ] || { cat "$tmp/tags.json" >&2; fail "want exactly one nightly tag after the orchestrator run"; }
version=$(jq -r '.[0].ref | ltrimstr("refs/tags/")' "$tmp/tags.json")
api GET "/repos/$owner/bllvm/releases" >"$tmp/releases.json"
[ "$(jq 'length' "$tmp/releases.json")" = 1 ] || { jq -c 'map({tag_name, draft, prerelease})' "$tmp/releases.json" >&2; fail "want one release"; }
jq -e --arg tag "$version" '.[0] | .tag_name == $tag and .draft == false and .prerelease == true' "$tmp/releases.json" >/dev/null ||
	{ jq -c 'map({tag_name, draft, prerelease})' "$tmp/releases.json" >&2; fail "want $version published as a prerelease"; }
want_list=$(printf '%s\n' "${want_assets[@]}" | jq -R . | jq -sr 'sort | join(" ")')
got_assets=$(jq -r '[.[0].assets[].name] | sort | join(" ")' "$tmp/releases.json")
[ "$got_assets" = "$want_list" ] || fail "the release's assets are: $got_assets; want: $want_list"
# Download every asset as a client does and check SHA256SUMS against them.
mkdir -p "$tmp/downloaded"
while read -r id name; do
	curl -fsSL -H "Authorization: token $token" -H 'Accept: application/octet-stream' \
		-o "$tmp/downloaded/$name" "$fake_api/repos/$owner/bllvm/releases/assets/$id" || fail "download of the asset $name failed"
done < <(jq -r '.[0].assets[] | "\(.id) \(.name)"' "$tmp/releases.json")
(cd "$tmp/downloaded" && sha256sum --quiet -c SHA256SUMS) || fail "the published SHA256SUMS does not verify the published assets"
jq -e --arg sha "$consensus_head" --arg bllvm "$bllvm_head" '.components.consensus.sha == $sha and .components.bllvm.sha == $bllvm' "$tmp/downloaded/manifest.json" >/dev/null ||
	fail "manifest.json does not pin consensus at $consensus_head and bllvm at $bllvm_head: $(cat "$tmp/downloaded/manifest.json")"
echo "ok: $version tagged and published by the orchestrator's own run with $(jq '.[0].assets | length' "$tmp/releases.json") assets, no workflow dispatched; SHA256SUMS verifies them all"

# Each published file was attested once, with the bytes published, by the
# job that made it: a build job its binary, the image job the image, the
# publish job only manifest.json and SHA256SUMS.
want_attested=$(cd "$tmp/downloaded" && for name in *; do
	case $name in
	manifest.json | SHA256SUMS) job=publish ;;
	*) job=build-${name%%-*} ;;
	esac
	echo "$job $(sha256sum "$name" | cut -d' ' -f1)  $name"
done | sort)
got_attested=$(attested 201)
[ "$got_attested" = "$want_attested" ] || { diff <(echo "$want_attested") <(echo "$got_attested") | sed 's/^/  /' >&2; fail "run 201's attestations (> got, < want) are not one per published file by the job that made it"; }
echo "ok: each published file attested by the job that made it ($(echo "$got_attested" | wc -l) subjects; publish only manifest.json and SHA256SUMS)"

# Every binary of every published asset records exactly the commits
# manifest.json pins, and the sources of those commits, of every crate it
# was built from: its own and each one it depends on by path.
declare -A crates_of=([bllvm]="bllvm bllvm-node bllvm-protocol bllvm-consensus" [sdk]="bllvm-sdk bllvm-node bllvm-protocol bllvm-consensus"
	[governance]="bllvm-commons bllvm-sdk bllvm-node bllvm-protocol bllvm-consensus")
declare -A bins_of=([bllvm]="bllvm" [sdk]="bllvm-aggregate-signatures bllvm-compose bllvm-keygen bllvm-sign bllvm-sign-binary bllvm-verify bllvm-verify-binary"
	[governance]="bllvm-commons key-manager nostr-publisher test-content-hash test-content-hash-standalone")
# want_crates DIR COMPONENT: the crate lines a binary of it must hold,
# by DIR/manifest.json.
want_crates() {
	local r sha
	for r in ${crates_of[$2]}; do
		sha=$(jq -r --arg repo "$owner/$r" '.components[] | select(.repository == $repo) | .sha' "$1/manifest.json")
		[ -n "$sha" ] || fail "manifest.json has no component of repository $r"
		echo "crate $r $sha ${digest_at[$sha]:-no tree served}"
	done | sort
}
# check_binaries DIR: every asset downloaded into DIR (want_assets) holds
# the binaries it must, each built from exactly the commits (and those
# commits' sources) DIR/manifest.json pins, for its platform and variant.
check_binaries() {
	local dir=$1 name component x image exe want_bins files f first features target platform
	checked=0
	for name in "${want_assets[@]}"; do
		case $name in manifest.json | SHA256SUMS) continue ;; esac
		component=${name%%-*}
		x="$dir.unpacked/$name"
		mkdir -p "$x"
		case $name in
		*-image.tar.gz) gunzip -c "$dir/$name" | tar -C "$x" -xf - ;;
		*.tar.gz) tar -C "$x" -xzf "$dir/$name" ;;
		*.zip) unzip -q "$dir/$name" -d "$x" ;;
		esac
		case $name in
		*-image.tar.gz)
			# The image holds the governance binaries its own cargo build made.
			image=$(find "$x" -type f)
			[ "$(grep -c '^== /usr/local/bin/' "$image")" = 5 ] || fail "$name does not hold the 5 governance binaries: $(cat "$image")"
			files=("$image")
			;;
		*)
			exe=""
			[[ $name != *windows* ]] || exe=.exe
			want_bins=$(for b in ${bins_of[$component]}; do echo "$b$exe"; done | LC_ALL=C sort)
			[ "$(cd "$x" && find . -type f -printf '%P\n' | LC_ALL=C sort)" = "$want_bins" ] ||
				fail "$name holds $(cd "$x" && find . -type f -printf '%P ' | sort), want ${bins_of[$component]} ($exe)"
			mapfile -t files < <(find "$x" -type f)
			;;
		esac
		for f in "${files[@]}"; do
			diff <(want_crates "$dir" "$component") <(grep '^crate ' "$f" | sort -u) >"$tmp/crates.diff" ||
				{ sed 's/^/  /' "$tmp/crates.diff" >&2; fail "$name: $(basename "$f") was not built from exactly the commits manifest.json pins (> built from, < manifest)"; }
			checked=$((checked + 1))
		done
		# What each variant and platform was built with.
		first=${files[0]}
		case $name in
		bllvm-base-*) features=production ;;
		bllvm-experimental-*) features=production,${experimental// /,} ;;
		sdk-base-*) features=default ;;
		sdk-experimental-*) features=all ;;
		*) features=default ;;
		esac
		# The governance app is built for the runner's own platform (host).
		target=host
		case $name in
		bllvm-* | sdk-*) for platform in "${platforms[@]}"; do [[ $name != *"$platform"* ]] || target=$platform; done ;;
		esac
		grep -qF "(cargo build, target $target, features $features)" "$first" || fail "$name was not built for $target with features $features: $(head -n 2 "$first")"
	done
}
check_binaries "$tmp/downloaded"
echo "ok: every binary of the ${#want_assets[@]} assets ($checked files: the binaries and the image) records exactly the commits manifest.json pins, of every crate it was built from, for its variant and platform"

# After the publish, one deploy signal to bllvm-commons, with the tag.
jq -e --arg tag "$version" '[.repository_dispatches[] | select(.event_type == "deploy")] | length == 1 and
	(.[0] | .repository == "BTCDecoded/bllvm-commons" and .client_payload.tag == $tag and .client_payload.image == "governance-image.tar.gz")' \
	"$tmp/dispatches.json" >/dev/null || { cat "$tmp/dispatches.json" >&2; fail "release_orchestrator.yml: want one deploy dispatch of $version to $owner/bllvm-commons (dispatches above)"; }
echo "ok: one deploy dispatch of $version to $owner/bllvm-commons"
state_published=$(release_state)

# (c) prerelease.yml run by hand to republish that nightly from run 201's
# artifacts: the same release, nothing uploaded again.
jq -n --arg owner "$owner" --arg version "$version" '{inputs: {version: $version, "run-id": "201", previous: "", manifest: ""}, ref: "refs/heads/main",
	workflow: ".github/workflows/prerelease.yml", repository: {full_name: ($owner + "/bllvm"), name: "bllvm", owner: {login: $owner}}}' >"$tmp/prerelease.json"
act_run prerelease bllvm workflow_dispatch prerelease.yml 301
log_has prerelease "done: published $version" "create-prerelease's done: line"
[ "$(release_state)" = "$state_published" ] || { diff <(echo "$state_published") <(release_state) | sed 's/^/  /' >&2; fail "republishing $version by hand changed its release (above)"; }
want_attested=$(echo "$want_attested" | grep -E '^publish ')
[ "$(attested 301)" = "$want_attested" ] || { attested 301 >&2; fail "prerelease.yml attested more or other than manifest.json and SHA256SUMS (above)"; }
echo "ok: prerelease.yml republished $version by hand: release and assets unchanged, only manifest.json and SHA256SUMS attested"

# (d) the scheduled nightly with nothing new since: build_all, and an
# orchestrator run that plans against $version, builds and tags nothing.
jq -n --arg owner "$owner" '{schedule: "0 2 * * *", repository: {full_name: ($owner + "/bllvm"), name: "bllvm", owner: {login: $owner}}}' >"$tmp/nightly.json"
act_run nightly bllvm schedule nightly-prerelease.yml 401
log_has nightly 'done: dispatched build_all to BTCDecoded/bllvm' "the dispatch's done: line"
curl -fsS "$fake_root/_fake/dispatches" >"$tmp/dispatches.json" || fail "GET /_fake/dispatches failed"
jq -e '(.repository_dispatches | length) == 3 and .repository_dispatches[2].repository == "BTCDecoded/bllvm" and .repository_dispatches[2].event_type == "build_all"' "$tmp/dispatches.json" >/dev/null ||
	{ cat "$tmp/dispatches.json" >&2; fail "nightly-prerelease.yml: want a third repository_dispatch (after build_consensus and deploy), build_all to $owner/bllvm"; }
jq --arg owner "$owner" '{action: .repository_dispatches[2].event_type, branch: "main", client_payload: .repository_dispatches[2].client_payload,
	repository: {full_name: ($owner + "/bllvm"), name: "bllvm", owner: {login: $owner}}}' "$tmp/dispatches.json" >"$tmp/quiet.json"
issues_before=$(tracking_issues)
act_run quiet bllvm repository_dispatch release_orchestrator.yml 501
output_was quiet base "$version"
output_was quiet changed false
[ ! -e "$artifacts/501" ] || { ls -R "$artifacts/501" >&2; fail "the orchestrator built something (above) on a night with nothing new"; }
[ ! -e "$artifacts/attestations/501" ] || fail "the orchestrator attested something on a night with nothing new"
grep -qE '\| done: (tagged|published|nothing to tag)' "$tmp/act-quiet.log" && fail "the orchestrator ran its publish job on a night with nothing new"
curl -fsS "$fake_root/_fake/dispatches" >"$tmp/dispatches.json" || fail "GET /_fake/dispatches failed"
[ "$(jq '.repository_dispatches | length' "$tmp/dispatches.json")" = 3 ] || { cat "$tmp/dispatches.json" >&2; fail "the orchestrator dispatched (above) on a night with nothing new: no deploy without a new nightly"; }
grep -qE '\| done: .*tracking issue' "$tmp/act-quiet.log" && fail "a triage step ran on a night with nothing new: $(grep -E '\| done: .*tracking issue' "$tmp/act-quiet.log")"
[ "$(tracking_issues)" = "$issues_before" ] || { diff <(echo "$issues_before") <(tracking_issues) | sed 's/^/  /' >&2; fail "the tracking issues changed (above) on a night with nothing new"; }
echo "ok: the scheduled nightly with nothing new: plan against $version, changed=false, nothing built, tagged or published; no tracking issue touched"

# (e) a dispatch of bllvm-consensus's newest commit, whose proof fails:
# verify-consensus fails, and no build, tag, publish or deploy follows;
# the triage job opens the tracking issue.
jq -n --arg owner "$owner" --arg sha "$unproven" '{action: "build_consensus", branch: "main",
	client_payload: {ref: "refs/heads/main", sha: $sha, repo: "bllvm-consensus"},
	repository: {full_name: ($owner + "/bllvm"), name: "bllvm", owner: {login: $owner}}}' >"$tmp/unproven.json"
# What GitHub knows that act cannot tell the fake. The unproven commit
# changed src/lib.rs. Run 601, when its triage job asks: plan passed,
# verify-consensus failed in its proof with Kani's report naming
# src/lib.rs at the end of its log, every job after it skipped, triage
# itself running.
jq -n --arg owner "$owner" --arg sha "$unproven" '{repository: ($owner + "/bllvm-consensus"), sha: $sha,
	message: "Check every script in one pass\n\nThe proofs cover the new path.", author: "consensus-dev", files: ["src/lib.rs"]}' |
	plant "the unproven commit's message, author and files" /_fake/commits >/dev/null
github_log >"$tmp/verify-consensus.log" <<'LOG'
##[group]Run cd "$SRC"
cd "$SRC"
cargo test --all-features -- --test-threads=1
cargo kani
shell: /usr/bin/bash -e {0}
env:
  SRC: sources/bllvm-consensus
##[endgroup]
   Compiling bllvm-consensus v0.1.0 (/home/runner/work/bllvm/bllvm/sources/bllvm-consensus)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 2.71s
     Running unittests src/lib.rs (target/debug/deps/bllvm_consensus-5c1f0e2a9b7d4e61)
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
Kani Rust Verifier 0.56.0 (cargo plugin)
Checking harness proofs::verify_script...
RESULTS:
Check 1: proofs::verify_script.assertion.1
	 - Status: FAILURE
	 - Description: "assertion failed: verify(&script)"
	 - Location: src/lib.rs:3:5 in function proofs::verify_script
SUMMARY:
 ** 1 of 1 failed
VERIFICATION:- FAILED
##[error]Process completed with exit code 1.
LOG
jq -n --arg owner "$owner" --arg sha "$bllvm_head" --rawfile log "$tmp/verify-consensus.log" \
	--arg plan_step "Decide what to build against the newest nightly, and pin every repository's commit" '
	{repository: ($owner + "/bllvm"), id: 601, workflow: "release_orchestrator.yml", name: "Release Orchestrator",
	 event: "repository_dispatch", status: "in_progress", head_branch: "main", head_sha: $sha,
	 jobs: ([{name: "plan", conclusion: "success", steps: [{name: "Set up job"}, {name: $plan_step}, {name: "Complete job"}]},
		{name: "verify-consensus", conclusion: "failure", log: $log, steps: [{name: "Set up job"},
			{name: "Lay out bllvm-consensus at its pinned commit"}, {name: "Test, then prove", conclusion: "failure"}, {name: "Complete job"}]}]
		+ [("build-protocol", "build-node", "build-sdk", "build-bllvm", "build-governance", "publish", "deploy") | {name: ., conclusion: "skipped"}]
		+ [{name: "triage", status: "in_progress", steps: [{name: "Set up job"}, {name: "Open or update the tracking issue", status: "in_progress"}]}])}' |
	plant "run 601 and its jobs" /_fake/runs >"$tmp/run-601.json"
verify_job=$(jq -r '.jobs[] | select(.name == "verify-consensus") | .id' "$tmp/run-601.json")
ACT_FAILING="verify-consensus: Test, then prove" act_run unproven bllvm repository_dispatch release_orchestrator.yml 601
grep -qF "VERIFICATION:- FAILED" "$tmp/act-unproven.log" || fail "the unproven run did not fail in cargo kani"
[ ! -e "$artifacts/601" ] || { ls -R "$artifacts/601" >&2; fail "a build ran after the consensus proof failed (above)"; }
grep -qE '\[Release Orchestrator/(build-|publish|deploy)[^]]*\] +⭐ Run ' "$tmp/act-unproven.log" && fail "a job after verify-consensus started when its proof failed"
[ "$(release_state)" = "$state_published" ] || fail "the unproven run changed the releases or tags"
curl -fsS "$fake_root/_fake/dispatches" >"$tmp/dispatches.json" || fail "GET /_fake/dispatches failed"
[ "$(jq '.repository_dispatches | length' "$tmp/dispatches.json")" = 3 ] || fail "the unproven run dispatched something"
echo "ok: a consensus commit whose proof fails: verify-consensus fails, nothing built, tagged, published or deployed"
# The triage job read run 601's failed job and its log, and the unproven
# commit, and opened the one tracking issue: it names the job and its
# step, bllvm-consensus moved since $version, and ranks the unproven
# commit first, by the line of the log that names src/lib.rs.
log_has unproven "done: opened tracking issue #[0-9]+: $fake_root/$owner/bllvm/issues/[0-9]+" "triage's done: line"
api GET "/repos/$owner/bllvm/issues?labels=$triage_label&state=open" >"$tmp/issues.json"
[ "$(jq length "$tmp/issues.json")" = 1 ] ||
	{ jq -c 'map({number, state, title})' "$tmp/issues.json" >&2; fail "want exactly one open issue labelled $triage_label after the unproven run (above)"; }
tracking=$(jq -r '.[0].number' "$tmp/issues.json")
# The body as a person reads it: Markdown's escapes and <code> dropped.
jq -r '.[0].body' "$tmp/issues.json" | sed 's/\\\(.\)/\1/g; s/<\/\{0,1\}code>//g' >"$tmp/issue.md"
# issue_has WHAT TEXT: tracking issue's body holds TEXT.
issue_has() {
	grep -qF -- "$2" "$tmp/issue.md" || { sed 's/^/  | /' "$tmp/issue.md" >&2; fail "tracking issue #$tracking does not name $1: no '$2' in its body (above)"; }
}
issue_has "run 601" "<!-- release-action: run 601 attempt 1 -->"
issue_has "the last good nightly" "Last good nightly: [$version]($fake_root/$owner/bllvm/releases/tag/$version)"
issue_has "the failed job verify-consensus at its step" "- [verify-consensus]($fake_root/$owner/bllvm/actions/runs/601/job/$verify_job) (failure): failed at Test, then prove"
issue_has "bllvm-consensus as the one suspect" "**consensus** ($owner/bllvm-consensus): [${consensus_head:0:7}…${unproven:0:7}, 1 commit]"
issue_has "the unproven commit ranked first" "1. **consensus** [${unproven:0:7}]($fake_root/$owner/bllvm-consensus/commit/$unproven) Check every script in one pass:"
issue_has "the log's line that names src/lib.rs" "src/lib.rs in verify-consensus: - Location: src/lib.rs:3:5 in function proofs::verify_script"
jq -e --arg want "$triage_label" '.[0].labels | map(.name) == [$want]' "$tmp/issues.json" >/dev/null || fail "tracking issue #$tracking is not labelled $triage_label alone"
output_was unproven state opened
output_was unproven suspects "[{\"component\":\"consensus\",\"from\":\"$consensus_head\",\"to\":\"$unproven\",\"commits\":1,\"matched\":true}]"
expect_request triage "GET /api/v3/repos/$owner/bllvm/actions/jobs/$verify_job/logs 302"
expect_request triage "GET /api/v3/repos/$owner/bllvm-consensus/commits/$unproven 200"
echo "ok: run 601's triage job opened tracking issue #$tracking: verify-consensus failed at Test, then prove; suspect bllvm-consensus, $unproven ranked first by its log's src/lib.rs"

# (f) a dispatch of bllvm-commons's next commit, as its repo-ci.yml sends
# it (build_commons): only the governance app is built; bllvm's and the
# sdk's eight archives are carried over from $version byte for byte, and
# every binary still records exactly the commits the new manifest pins.
jq -n --arg owner "$owner" --arg sha "$commons_next" '{action: "build_commons", branch: "main",
	client_payload: {ref: "refs/heads/main", sha: $sha, repo: "bllvm-commons"},
	repository: {full_name: ($owner + "/bllvm"), name: "bllvm", owner: {login: $owner}}}' >"$tmp/commons.json"
act_run commons bllvm repository_dispatch release_orchestrator.yml 701
output_was commons changed true
built=$(find "$artifacts/701" -mindepth 1 -maxdepth 1 -printf '%f ')
[ "$built" = "governance " ] || fail "the build_commons run built $built, want only governance"
api GET "/repos/$owner/bllvm/releases" >"$tmp/releases.json"
version2=$(jq -r --arg v "$version" '[.[] | select(.tag_name != $v)] | if length == 1 then .[0].tag_name else "" end' "$tmp/releases.json")
[ -n "$version2" ] || { jq -c 'map({tag_name, draft, prerelease})' "$tmp/releases.json" >&2; fail "want one new release after the build_commons run"; }
got_assets=$(jq -r --arg v "$version2" '.[] | select(.tag_name == $v) | [.assets[].name] | sort | join(" ")' "$tmp/releases.json")
[ "$got_assets" = "$want_list" ] || fail "$version2's assets are: $got_assets; want: $want_list"
mkdir -p "$tmp/downloaded2"
while read -r id name; do
	curl -fsSL -H "Authorization: token $token" -H 'Accept: application/octet-stream' \
		-o "$tmp/downloaded2/$name" "$fake_api/repos/$owner/bllvm/releases/assets/$id" || fail "download of the asset $name of $version2 failed"
done < <(jq -r --arg v "$version2" '.[] | select(.tag_name == $v) | .assets[] | "\(.id) \(.name)"' "$tmp/releases.json")
(cd "$tmp/downloaded2" && sha256sum --quiet -c SHA256SUMS) || fail "$version2's SHA256SUMS does not verify its assets"
jq -e --arg sha "$commons_next" '.components.governance.sha == $sha and .components.governance.rebuilt == true and .components.bllvm.rebuilt == false' \
	"$tmp/downloaded2/manifest.json" >/dev/null || fail "$version2's manifest.json does not pin governance at $commons_next, rebuilt alone: $(cat "$tmp/downloaded2/manifest.json")"
for name in "${want_assets[@]}"; do
	case $name in
	bllvm-* | sdk-*) cmp -s "$tmp/downloaded/$name" "$tmp/downloaded2/$name" || fail "$name of $version2 is not $version's, carried byte for byte" ;;
	governance-*) ! cmp -s "$tmp/downloaded/$name" "$tmp/downloaded2/$name" || fail "$name of $version2 is $version's: it was not rebuilt" ;;
	esac
done
check_binaries "$tmp/downloaded2"
want_attested=$(cd "$tmp/downloaded2" && for name in manifest.json SHA256SUMS governance-image.tar.gz governance-x86_64-unknown-linux-gnu.tar.gz; do
	case $name in manifest.json | SHA256SUMS) job=publish ;; *) job=build-governance ;; esac
	echo "$job $(sha256sum "$name" | cut -d' ' -f1)  $name"
done | sort)
[ "$(attested 701)" = "$want_attested" ] || { diff <(echo "$want_attested") <(attested 701) | sed 's/^/  /' >&2; fail "run 701 attested other than what it built and made (> got, < want)"; }
curl -fsS "$fake_root/_fake/dispatches" >"$tmp/dispatches.json" || fail "GET /_fake/dispatches failed"
jq -e --arg tag "$version2" '(.repository_dispatches | length) == 4 and (.repository_dispatches[3] | .event_type == "deploy" and .repository == "BTCDecoded/bllvm-commons" and .client_payload.tag == $tag)' \
	"$tmp/dispatches.json" >/dev/null || { cat "$tmp/dispatches.json" >&2; fail "want a deploy dispatch of $version2 after the build_commons run"; }
echo "ok: build_commons of $commons_next: $version2 rebuilds governance only, carries bllvm's and the sdk's 8 archives byte for byte, every binary at the manifest's commits; deployed"
state_published=$(release_state)
# A nightly is published again: the publish job's close-issue step closed
# the tracking issue with one comment that links $version2.
log_has commons "done: closed tracking issue #$tracking: $fake_root/$owner/bllvm/issues/$tracking" "close-issue's done: line"
api GET "/repos/$owner/bllvm/issues/$tracking" | jq -e '.state == "closed" and .state_reason == "completed"' >/dev/null ||
	fail "tracking issue #$tracking is not closed as completed after $version2 was published"
api GET "/repos/$owner/bllvm/issues/$tracking/comments" >"$tmp/comments.json"
jq -e --arg link "]($fake_root/$owner/bllvm/releases/tag/$version2)" 'length == 1 and (.[0].body | contains($link) and contains("the pipeline works again"))' "$tmp/comments.json" >/dev/null ||
	{ jq -r '.[].body' "$tmp/comments.json" >&2; fail "tracking issue #$tracking: want one comment linking $version2 (its comments above)"; }
issues_closed=$(tracking_issues)
echo "ok: run 701's close-issue step closed tracking issue #$tracking with one comment linking $version2"

# (g) reproduce.yml on $version2's release, as its publishing starts it
# (release: published): GitHub-hosted jobs lay out the nightly's commits
# from its tag, build and package with the orchestrator's commands, and
# verify records their column, gha-ubuntu, in the release's notes. The
# stand-in cargo and the packaging are deterministic, so every archive
# matches; the image is not rebuilt, and manifest.json is no build: both
# "not built" (—).
# A hosted job starts in an empty workspace; act binds the one checkout,
# where the earlier runs left their sources/ and dist/ (run 701's image
# among them, which verify would find and match): it goes first.
fresh_workspace() {
	git -C "$repos/$1" clean -ffdxq || fail "could not empty the workspace of $1"
}
jq -n --arg owner "$owner" --arg tag "$version2" '{action: "published", release: {tag_name: $tag, name: $tag, draft: false, prerelease: true},
	repository: {full_name: ($owner + "/bllvm"), name: "bllvm", owner: {login: $owner}}}' >"$tmp/reproduce.json"
fresh_workspace bllvm
act_run reproduce bllvm release reproduce.yml 801
output_was reproduce reproduced true
log_has reproduce "stand-in apt-get: install gcc-mingw-w64-x86-64" "the Windows jobs' MinGW install"
[ "$(release_state)" = "$state_published" ] || { diff <(echo "$state_published") <(release_state) | sed 's/^/  /' >&2; fail "reproduce.yml changed $version2's assets or the tags (above)"; }
# grid_rows: the rows of the grid in $version2's notes, sorted.
grid_rows() {
	api GET "/repos/$owner/bllvm/releases/tags/$version2" | jq -r .body >"$tmp/notes.md"
	sed -n '/^<!-- release-action: reproduction grid -->$/,/^<!-- release-action: reproduction grid end -->$/p' "$tmp/notes.md" |
		grep -E '^\| ' | LC_ALL=C sort
}
want_grid=$( (echo '| asset | gha-ubuntu |'
	for name in "${want_assets[@]}"; do
		case $name in
		SHA256SUMS) ;;
		manifest.json | governance-image.tar.gz) echo "| \`$name\` | — |" ;;
		*) echo "| \`$name\` | ✅ |" ;;
		esac
	done) | LC_ALL=C sort)
got_grid=$(grid_rows)
[ "$got_grid" = "$want_grid" ] || { sed 's/^/  | /' "$tmp/notes.md" >&2; diff <(echo "$want_grid") <(echo "$got_grid") | sed 's/^/  /' >&2; fail "$version2's notes do not hold the grid with gha-ubuntu's column as it must be (notes, then > got, < want)"; }
notes_reproduced=$(cat "$tmp/notes.md")
matched=$(grep -c '✅' <<<"$got_grid")
echo "ok: reproduce.yml rebuilt $version2 on ubuntu-latest: its $matched archives match SHA256SUMS (✅), manifest.json and the image not built (—), in the grid of its notes; reproduced=true"
# A rerun (the same run, its artifacts overwritten) records the same.
cp "$tmp/reproduce.json" "$tmp/reproduce-rerun.json"
fresh_workspace bllvm
act_run reproduce-rerun bllvm release reproduce.yml 801
output_was reproduce-rerun reproduced true
grid_rows >/dev/null
[ "$(cat "$tmp/notes.md")" = "$notes_reproduced" ] || { diff <(echo "$notes_reproduced") "$tmp/notes.md" | sed 's/^/  /' >&2; fail "rerunning reproduce.yml changed $version2's notes (> now, < before)"; }
[ "$(release_state)" = "$state_published" ] || fail "rerunning reproduce.yml changed $version2's assets or the tags"
echo "ok: reproduce.yml rerun: $version2's notes unchanged"

# (h) release.yml run by hand: $version2 released as v0.2.0, its files
# byte for byte; v0.2.0 tagged in bllvm at the nightly's commit and in
# every component repository at the commit its manifest pins; then the
# versions job pushes versions.toml to a branch (the bare repository
# make_repo pushes to) and opens its pull request with gh. GitHub's
# hosted runner has gh, the runner stand-in has a stand-in (scripts/
# container/runner/gh) that records its calls in /artifacts/gh/<run id>:
# the step runs exactly as on GitHub, nothing in the example skipped.
release=v0.2.0
jq -n --arg owner "$owner" --arg from "$version2" --arg version "$release" '{inputs: {from: $from, version: $version}, ref: "refs/heads/main",
	workflow: ".github/workflows/release.yml", repository: {full_name: ($owner + "/bllvm"), name: "bllvm", owner: {login: $owner}}}' >"$tmp/release.json"
act_run release bllvm workflow_dispatch release.yml 901
output_was release tag "$release"
output_was release from "$version2"
api GET "/repos/$owner/bllvm/releases/tags/$release" >"$tmp/release-v.json"
jq -e '.draft == false and .prerelease == false' "$tmp/release-v.json" >/dev/null || fail "$release is not a published release: $(jq -c '{draft, prerelease}' "$tmp/release-v.json")"
got_assets=$(jq -r '[.assets[].name] | sort | join(" ")' "$tmp/release-v.json")
[ "$got_assets" = "$want_list" ] || fail "$release's assets are: $got_assets; want: $want_list"
mkdir -p "$tmp/released"
while read -r id name; do
	curl -fsSL -H "Authorization: token $token" -H 'Accept: application/octet-stream' \
		-o "$tmp/released/$name" "$fake_api/repos/$owner/bllvm/releases/assets/$id" || fail "download of the asset $name of $release failed"
	cmp -s "$tmp/downloaded2/$name" "$tmp/released/$name" || fail "$name of $release is not $version2's byte for byte"
done < <(jq -r '.assets[] | "\(.id) \(.name)"' "$tmp/release-v.json")
echo "ok: release.yml released $version2 as $release: its ${#want_assets[@]} assets are $version2's byte for byte"
# peel REPOSITORY TAG: the commit the tag names, through its tag object.
peel() {
	local object
	object=$(api GET "/repos/$owner/$1/git/ref/tags/$2" | jq -r '.object | "\(.type) \(.sha)"')
	while [ "${object%% *}" = tag ]; do
		object=$(api GET "/repos/$owner/$1/git/tags/${object#* }" | jq -r '.object | "\(.type) \(.sha)"')
	done
	[ "${object%% *}" = commit ] || fail "the tag $2 of $1 names a ${object%% *}, not a commit"
	echo "${object#* }"
}
nightly_commit=$(peel bllvm "$version2")
[ "$(peel bllvm "$release")" = "$nightly_commit" ] || fail "$release in bllvm is at $(peel bllvm "$release"), not at $version2's commit $nightly_commit"
for r in "${repositories[@]:1}"; do
	want=$(jq -r --arg repo "$owner/$r" '.components[] | select(.repository == $repo) | .sha' "$tmp/downloaded2/manifest.json")
	[ -n "$want" ] || fail "$version2's manifest.json pins no commit of $r"
	got=$(peel "$r" "$release")
	[ "$got" = "$want" ] || fail "$release in $r is at $got, not at the commit $version2's manifest pins, $want"
done
echo "ok: $release tagged in bllvm at $version2's commit ${nightly_commit:0:7}, and in the 5 component repositories at the commits its manifest pins"
# The versions job: versions.toml on the branch versions/$release, each
# of the six repositories at its release tag and commit, one commit on
# bllvm's main; then one pull request of that branch.
branch="versions/$release"
toml=$(git -C "$artifacts/git/bllvm.git" show "$branch:versions.toml" 2>/dev/null) || fail "the versions job pushed no branch $branch holding versions.toml"
for r in "${repositories[@]}"; do
	want=$(jq -r --arg repo "$owner/$r" '[.components[] | select(.repository == $repo) | .sha][0] // empty' "$tmp/downloaded2/manifest.json")
	want=${want:-$nightly_commit}
	grep -qxF "$r = { version = \"${release#v}\", git_tag = \"$release\", git_commit = \"$want\" }" <<<"$toml" ||
		{ sed 's/^/  | /' <<<"$toml" >&2; fail "the pushed versions.toml does not record $r at $release, $want (above)"; }
done
[ "$(git -C "$artifacts/git/bllvm.git" log --format=%s "$branch")" = "versions.toml: $release, promoted from $version2"$'\n'workflows ] ||
	fail "$branch is not bllvm's main and one commit of versions.toml: $(git -C "$artifacts/git/bllvm.git" log --oneline "$branch")"
# Each call as the stand-in records it (printf %q of every argument).
[ -s "$artifacts/gh/901" ] || fail "the versions job never ran gh"
mapfile -t gh_calls <"$artifacts/gh/901"
[ "${#gh_calls[@]}" = 2 ] && [ "${gh_calls[0]}" = "versions gh pr list --head $branch --state open --json number --jq .\\[\\].number" ] &&
	[[ ${gh_calls[1]} == "versions gh pr create --head $branch --title versions.toml:\\ $release --body "* ]] ||
	{ sed 's/^/  | /' "$artifacts/gh/901" >&2; fail "the versions job's gh calls (above) are not: list the open pull requests of $branch, then open one"; }
grep -qF "promoted\\ from\\ $version2" "$artifacts/gh/901" || fail "the pull request's body does not name $version2: $(cat "$artifacts/gh/901")"
echo "ok: the versions job pushed $branch with versions.toml (6 repositories at $release and their commits) and opened its pull request with gh"
# The nightlies' releases and tags are as they were; $release is one
# release more.
state_released=$(release_state)
[ "$(awk -v r="release $release " 'index($0, r) == 1 {skip = 1; next} /^release / {skip = 0} !skip' <<<"$state_released")" = "$state_published" ] ||
	{ diff <(echo "$state_published") <(echo "$state_released") | sed 's/^/  /' >&2; fail "release.yml changed the nightlies' releases or tags (> now, < before)"; }

stage "2. the fake's final state"
[ "$(jq '.workflow_dispatches | length' "$tmp/dispatches.json")" = 0 ] || { cat "$tmp/dispatches.json" >&2; fail "a workflow was dispatched (above): nothing dispatches prerelease.yml any more"; }
[ "$(release_state)" = "$state_released" ] || { diff <(echo "$state_released") <(release_state) | sed 's/^/  /' >&2; fail "the fake's tags or releases changed after $release was released (above)"; }
[ "$(release_state | grep -c '^release ')" = 3 ] || fail "want three releases, $version, $version2 and $release: $(release_state | grep '^release ')"
[ "$(api GET "/repos/$owner/bllvm/releases/tags/$version2" | jq -r .body)" = "$notes_reproduced" ] || fail "$version2's notes changed after reproduce.yml recorded its grid"
echo "ok: two nightly tags, $version and $version2, each one published prerelease, unchanged since the orchestrator published them but for $version2's grid; $release released from $version2; no workflow dispatched"
[ "$(tracking_issues)" = "$issues_closed" ] || { diff <(echo "$issues_closed") <(tracking_issues) | sed 's/^/  /' >&2; fail "the tracking issues changed after $version2 closed #$tracking (above)"; }
api GET "/repos/$owner/bllvm/issues?state=all&per_page=100" | jq -e --argjson n "$tracking" 'map(.number) == [$n]' >/dev/null ||
	fail "bllvm has issues other than tracking issue #$tracking"
echo "ok: one issue in bllvm, tracking issue #$tracking, opened by run 601 and closed by run 701 with one comment; none open"

# --- 7. figures --------------------------------------------------------------
stage "figures"
echo "image $image: $image_size bytes ($((image_size / 1024 / 1024)) MiB), built in $build_ms ms"
echo "dispatch start-to-exit (median of 5): docker run $container_ms ms; bare binary $bare_ms ms"
echo "act steps, as act reports them:"
printf '  %s\n' "${act_times[@]}"
