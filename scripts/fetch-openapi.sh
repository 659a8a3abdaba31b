#!/usr/bin/env bash
# Fetches GitHub's REST description (@octokit/openapi, pinned and verified)
# into .cache/openapi/api.github.com.json, where internal/githubtest finds it.
set -euo pipefail

readonly version="23.0.2"
readonly tarball_url="https://registry.npmjs.org/@octokit/openapi/-/openapi-${version}.tgz"
readonly want_sha512="pV8M7L9GY23AybNvTmo2nyjmpmnt6+2sRE/tqr0ZLQcPS4lnw7u5eZGNmwRNkBC3D7gZXbFx5AHzLUVRBXGDhg=="
readonly member="package/generated/api.github.com.json"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${repo_root}/.cache/openapi"
target="${cache_dir}/api.github.com.json"
# The marker ties the extracted file to the verified tarball and records the
# file's own hash, so a re-run skips the network only when neither changed.
marker="${cache_dir}/api.github.com.json.marker"

sha512_base64() {
	if command -v openssl >/dev/null 2>&1; then
		openssl dgst -sha512 -binary "$1" | base64 | tr -d '\n'
	else
		sha512sum "$1" | cut -d' ' -f1 | xxd -r -p | base64 | tr -d '\n'
	fi
}

marker_for() {
	printf '%s %s %s' "${version}" "${want_sha512}" "$(sha512_base64 "$1")"
}

if [[ -s "${target}" && -f "${marker}" && "$(cat "${marker}")" == "$(marker_for "${target}")" ]]; then
	exit 0
fi

mkdir -p "${cache_dir}"
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

if command -v npm >/dev/null 2>&1; then
	(cd "${work}" && npm pack --silent "@octokit/openapi@${version}" >/dev/null)
	tgz="${work}/octokit-openapi-${version}.tgz"
else
	tgz="${work}/openapi-${version}.tgz"
	curl --fail --silent --show-error --location --output "${tgz}" "${tarball_url}"
fi

got_sha512="$(sha512_base64 "${tgz}")"
if [[ "${got_sha512}" != "${want_sha512}" ]]; then
	rm -f "${tgz}"
	echo "fetch-openapi: sha512 mismatch for @octokit/openapi@${version}" >&2
	echo "  want ${want_sha512}" >&2
	echo "  got  ${got_sha512}" >&2
	exit 1
fi

tar -xzf "${tgz}" -C "${work}" "${member}"
# Replace atomically so a reader never sees a half-written description.
mv "${work}/${member}" "${target}.tmp"
mv "${target}.tmp" "${target}"
marker_for "${target}" >"${marker}"
echo "fetch-openapi: wrote ${target}"
