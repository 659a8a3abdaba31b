# Stand-in for the [self-hosted, Linux, X64] runner and for GitHub's
# hosted ubuntu-latest, as act's job container (-P self-hosted=...,
# -P ubuntu-latest=...): the minimal Debian root file system with bash,
# tar, gzip, sha256sum, git, jq, plus stand-in cargo, docker and zip
# commands that make what the example workflows' run steps expect, and
# the hosted runner's rustup, sudo, apt-get and gh (scripts/container/runner).
FROM release-action-standin/debian:bookworm
COPY cargo docker zip rustup sudo apt-get gh /usr/local/bin/
