package githubtest

import (
	"bytes"
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
