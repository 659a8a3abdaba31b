# syntax=docker/dockerfile:1
# Build stage: the Go version matches go.mod's go line.
FROM golang:1.26 AS build
WORKDIR /src
# Modules in their own layer: a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY main.go ./
COPY internal/ internal/
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X github.com/BTCDecoded/release-action/internal/app.Version=${VERSION}" -o /release-action .

# Final stage: a static binary on distroless, which carries CA certificates.
# No USER (the runner mounts the workspace and GITHUB_OUTPUT as root) and no
# WORKDIR (the runner sets the working directory to the workspace).
FROM gcr.io/distroless/static-debian12
COPY --from=build /release-action /release-action
ENTRYPOINT ["/release-action"]
