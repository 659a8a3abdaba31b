package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// There is no Docker engine to build the image in tests, so the Dockerfile
// is checked for what a Docker action needs: the Go of go.mod, a static
// binary, modules in their own layer, and a final stage that runs as root,
// without WORKDIR, with an absolute exec-form ENTRYPOINT.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	gomod, err := os.ReadFile("go.mod")
	require.NoError(t, err)
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(string(gomod))
	require.NotNil(t, goVersion)

	var stages [][]string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "FROM ") {
			stages = append(stages, nil)
		}
		require.NotEmpty(t, stages, "instruction before FROM: %s", line)
		stages[len(stages)-1] = append(stages[len(stages)-1], line)
	}
	require.Len(t, stages, 2, "a build stage and a final stage")
	build, final := strings.Join(stages[0], "\n"), stages[1]

	assert.Regexp(t, `^FROM golang:`+regexp.QuoteMeta(goVersion[1])+`(\.\d+)?(-\S+)? AS build$`, stages[0][0], "build with go.mod's Go version")
	assert.Contains(t, build, "CGO_ENABLED=0 go build", "a static binary")
	download := strings.Index(build, "RUN go mod download")
	sources := strings.Index(build, "COPY internal/")
	assert.True(t, download > 0 && download < sources, "modules are downloaded in a layer before the sources are copied")

	assert.Regexp(t, `^FROM gcr\.io/distroless/static`, final[0], "a minimal base with CA certificates")
	for _, line := range final {
		assert.False(t, strings.HasPrefix(line, "USER "), "Docker actions run as root: %s", line)
		assert.False(t, strings.HasPrefix(line, "WORKDIR "), "the runner sets the working directory: %s", line)
	}
	assert.Equal(t, `ENTRYPOINT ["/release-action"]`, final[len(final)-1], "absolute exec-form entrypoint")
}
