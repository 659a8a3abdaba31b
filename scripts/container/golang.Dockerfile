# Stand-in for golang:1.26, which no registry here serves: the minimal
# Debian root file system (imported as release-action-standin/debian),
# the machine's Go toolchain, and this module's dependencies served as a
# file:// module proxy. go.sum still verifies every module downloaded;
# GOSUMDB=off only stops go asking sum.golang.org about modules go.sum
# lacks (there are none). Built by scripts/container-test.sh.
FROM release-action-standin/debian:bookworm
COPY go /usr/local/go
COPY goproxy /goproxy
ENV GOLANG_VERSION=standin \
    GOPATH=/go \
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    GOPROXY=file:///goproxy \
    GOSUMDB=off \
    GOTOOLCHAIN=local
WORKDIR /go
