package githubtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitGitHubURL(t *testing.T) {
	tests := []struct {
		name         string
		host, path   string
		wantEndpoint endpoint
		wantPath     string
		wantErr      bool
	}{
		{"github.com API", "api.github.com", "/repos/o/r", apiEndpoint, "/repos/o/r", false},
		{"github.com API in capitals", "API.GitHub.com", "/rate_limit", apiEndpoint, "/rate_limit", false},
		{"github.com uploads", "uploads.github.com", "/repos/o/r/releases/1/assets", uploadsEndpoint, "/repos/o/r/releases/1/assets", false},
		{"enterprise API", "ghes.example.com", "/api/v3/repos/o/r", apiEndpoint, "/repos/o/r", false},
		{"enterprise API with a port", "ghes.example.com:8443", "/api/v3/rate_limit", apiEndpoint, "/rate_limit", false},
		{"enterprise uploads", "ghes.example.com", "/api/uploads/repos/o/r/releases/1/assets", uploadsEndpoint, "/repos/o/r/releases/1/assets", false},
		{"enterprise escaped path kept", "ghes.example.com", "/api/v3/repos/o/r/releases/tags/a%2Fb", apiEndpoint, "/repos/o/r/releases/tags/a%2Fb", false},
		{"standalone fake's API", "127.0.0.1:41234", "/api/v3/repos/o/r/releases", apiEndpoint, "/repos/o/r/releases", false},
		{"standalone fake's uploads", "127.0.0.1:41234", "/api/uploads/repos/o/r/releases/1/assets", uploadsEndpoint, "/repos/o/r/releases/1/assets", false},
		{"github.com asset storage", "objects.githubusercontent.com", "/github-production-release-asset-2e65be/1/k", storageEndpoint, "/github-production-release-asset-2e65be/1/k", false},
		{"standalone fake's asset storage", "localhost:41234", "/storage/github-production-release-asset-2e65be/1/k", storageEndpoint, "/github-production-release-asset-2e65be/1/k", false},
		{"storage prefix lookalike", "localhost:41234", "/storagex/github-production-release-asset-2e65be/1/k", 0, "", true},
		{"enterprise outside the API", "ghes.example.com", "/o/r", 0, "", true},
		{"enterprise prefix lookalike", "ghes.example.com", "/api/v3x/repos", 0, "", true},
		{"other host", "example.com", "/repos/o/r", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotEndpoint, gotPath, err := splitGitHubURL(tt.host, tt.path)

			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantEndpoint, gotEndpoint)
			assert.Equal(t, tt.wantPath, gotPath)
		})
	}
}

func TestOtherLoopbackName(t *testing.T) {
	tests := []struct {
		name string
		host string
		want string
	}{
		{"IPv4 loopback becomes localhost", "127.0.0.1:41234", "localhost:41234"},
		{"localhost becomes IPv4 loopback", "localhost:41234", "127.0.0.1:41234"},
		{"enterprise host kept", "ghes.example.com:8443", "ghes.example.com:8443"},
		{"host without a port kept", "ghes.example.com", "ghes.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, otherLoopbackName(tt.host))
		})
	}
}
