package githubtest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A program in another process reaches the fake at URL, and what it sends
// is checked against GitHub's description on arrival.
func TestDirectRequestsAreChecked(t *testing.T) {
	checked, path, err := contractFor(os.Getenv)
	require.NoError(t, err)
	if checked == nil {
		t.Skipf("GitHub's REST description is not at %s: run scripts/fetch-openapi.sh", path)
	}
	var log bytes.Buffer
	s := newServer(&logReporter{w: &log}, []Option{WithRepository("BTCDecoded/bllvm")})
	s.contract = checked
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	defer srv.Close()
	s.directURL = srv.URL + ghesAPIPrefix
	require.Equal(t, srv.URL+"/api/v3", s.URL())

	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantLog    string
	}{
		{"valid dispatch", `{"event_type":"build_all","client_payload":{"ref":"refs/heads/main"}}`, http.StatusNoContent, ""},
		{"payload not an object", `{"event_type":"build_all","client_payload":1}`, http.StatusBadRequest, "does not match GitHub's REST description"},
		{"no event type", `{"client_payload":{}}`, http.StatusBadRequest, "event_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log.Reset()
			resp, err := http.Post(s.URL()+"/repos/BTCDecoded/bllvm/dispatches", "application/json", strings.NewReader(tt.body))
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantLog == "" {
				assert.Empty(t, log.String())
			} else {
				assert.Contains(t, log.String(), tt.wantLog)
			}
		})
	}
	assert.Len(t, s.Dispatches(), 1, "only the valid dispatch reached the fake")
}

// A program in another process follows a download's redirect over plain
// http, as it reached the API.
func TestDirectDownload(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{"small asset", "bytes"},
		{"asset of several reads", strings.Repeat("0123456789abcdef", 8<<10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			asset := fake.AddAssetContent(repoName, rel.ID, "bllvm.tar.gz", strings.NewReader(tt.content))
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, fake.URL()+"/repos/BTCDecoded/bllvm/releases/assets/"+itoa(asset.ID), nil)
			require.NoError(t, err)
			req.Header.Set("Accept", "application/octet-stream")

			resp, err := http.DefaultClient.Do(req)

			require.NoError(t, err)
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, tt.content, string(got))
			assert.Equal(t, "http", resp.Request.URL.Scheme)
			assert.Equal(t, "localhost", resp.Request.URL.Hostname(), "storage on the other loopback name")
		})
	}
}
