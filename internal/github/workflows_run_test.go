package github

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A run answer that is null, or lacks the id or status a wait reads, is an
// error naming the route: waiting on it would see no status until the
// timeout.
func TestGetRunRefusesMalformedAnswers(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"null", `null`, "GET /repos/o/r/actions/runs/42: the answer is not a workflow run with an id and a status"},
		{"no status", `{"id": 42}`, "the answer is not a workflow run"},
		{"no id", `{"status": "queued"}`, "the answer is not a workflow run"},
		{"a run", `{"id": 42, "status": "queued"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, _, _ := newAssetRepo(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
				writeJSON(w, http.StatusOK, tt.body)
			})
			run, _, _, err := GetRun(context.Background(), repo.Client, "o", "r", 42, "")
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, "queued", run.GetStatus())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
