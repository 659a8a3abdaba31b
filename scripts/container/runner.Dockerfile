# Stand-in for the [self-hosted, Linux, X64] runner, as act's job
# container (-P self-hosted=...): the minimal Debian root file system with
# bash, tar, gzip, sha256sum, git, jq, plus stand-in cargo, docker and zip
# commands that make what the example workflows' run steps expect.
FROM release-action-standin/debian:bookworm
COPY cargo docker zip /usr/local/bin/
