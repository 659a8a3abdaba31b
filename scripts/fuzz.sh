#!/usr/bin/env bash
# Runs every fuzz target of the module, one after the other, each for a
# bounded time (the first argument, a go test -fuzztime such as 10s or
# 500x; default 10s), and stops at the first failure. The inputs found go
# to Go's fuzz cache, so later runs start from them; a failing input is
# written to the package's testdata/fuzz/<target>/, where go test replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${1:-10s}"

# go test -list prints a package's test names before its "ok <package>" line.
if ! listing="$(go test -list '^Fuzz' ./... 2>&1)"; then
	echo "$listing" >&2
	echo "fuzz.sh: cannot list the fuzz targets: the tests do not build" >&2
	exit 1
fi
targets="$(awk '/^Fuzz/ { names[n++] = $1; next }
	/^ok / { for (i = 0; i < n; i++) print $2, names[i]; n = 0 }' <<<"$listing")"
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz target found" >&2
	exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
module="$(go list -m)"
while read -r pkg name; do
	dir="."
	[ "$pkg" = "$module" ] || dir="./${pkg#"$module"/}"
	start=$SECONDS
	note=""
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" </dev/null >"$log" 2>&1; then
		input="$(sed -n 's/.*Failing input written to \(.*\)/\1/p' "$log" | head -n1)"
		# Go 1.26's fuzzing coordinator can report its own -fuzztime deadline
		# as a failure (go.dev/issue/75804, fixed in Go 1.27): no input is
		# written then, and the target ran its full time without failing.
		if [ -z "$input" ] && grep -qx '    context deadline exceeded' "$log"; then
			note=" (go.dev/issue/75804 deadline report ignored)"
		else
			cat "$log" >&2
			echo "fuzz.sh: FAIL $name in $dir after $((SECONDS - start))s${input:+; failing input in $dir/$input (go test replays it until it is fixed or removed)}" >&2
			exit 1
		fi
	fi
	printf 'ok  %-22s %-26s %3ds%s\n' "$name" "$dir" "$((SECONDS - start))" "$note"
done <<<"$targets"
