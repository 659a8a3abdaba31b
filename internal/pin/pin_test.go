package pin

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/plan"
)

const (
	headA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	headB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	sent  = "cccccccccccccccccccccccccccccccccccccccc"
)

// answers plays GET commits/{ref} with the sha media type: repo/ref → body,
// or a 422 when absent; it records the refs asked for.
type answers struct {
	mu     sync.Mutex
	bodies map[string]string
	asked  []string
}

func (a *answers) GetCommitSHA1(_ context.Context, owner, repo, ref, _ string) (string, *gh.Response, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = append(a.asked, owner+"/"+repo+"@"+ref)
	body, ok := a.bodies[repo+"@"+ref]
	if !ok {
		resp := &http.Response{StatusCode: http.StatusUnprocessableEntity, Request: &http.Request{Method: "GET"}}
		return "", &gh.Response{Response: resp}, &gh.ErrorResponse{Response: resp, Message: "No commit found for SHA: " + ref}
	}
	return body, nil, nil
}

func TestResolve(t *testing.T) {
	components := []plan.Component{{Name: "a", Repository: "repo-a"}, {Name: "b", Repository: "repo-b", Branch: "release/1.0"}}
	tests := []struct {
		name       string
		bodies     map[string]string
		dispatched string
		wantSHAs   []string
		wantErr    string
	}{
		{"heads: default branch as HEAD, the graph's branch by name", map[string]string{"repo-a@HEAD": headA, "repo-b@release/1.0": headB}, "", []string{headA, headB}, ""},
		{"the dispatched commit is checked, not its head", map[string]string{"repo-a@" + sent: sent, "repo-b@release/1.0": headB}, "a", []string{sent, headB}, ""},
		{"a dispatched commit not in its repository", map[string]string{"repo-b@release/1.0": headB}, "a", nil,
			"pin component a: commit " + sent + ", sent by the repository_dispatch as client_payload.sha, is not in o/repo-a: was it force-pushed away, or sent for another repository?"},
		{"a branch that does not exist", map[string]string{"repo-a@HEAD": headA}, "", nil,
			"pin component b: o/repo-b has no branch release/1.0 (set by the graph's branch key)"},
		{"a server answer that is not a commit is quoted, bounded, never trusted", map[string]string{"repo-a@HEAD": "oops\n::error::" + strings.Repeat("x", 200), "repo-b@release/1.0": headB}, "", nil,
			`pin component a: GitHub answered "oops\n::error::` + strings.Repeat("x", 46) + `" for the head of the default branch of o/repo-a, not a commit id`},
		{"an upper-case answer is lowered", map[string]string{"repo-a@HEAD": strings.ToUpper(headA) + "\n", "repo-b@release/1.0": headB}, "", []string{headA, headB}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &answers{bodies: tt.bodies}
			req := Request{Owner: "o", Own: "o/orchestrator", Components: components, Rebuilt: []string{"b"}}
			if tt.dispatched != "" {
				req.Dispatched, req.DispatchedSHA = tt.dispatched, sent
			}
			m, sources, err := Resolve(context.Background(), a, req)
			assert.Len(t, a.asked, len(components), "one request per component")
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, m, 2)
			for i, e := range m {
				assert.Equal(t, components[i].Name, e.Component)
				assert.Equal(t, "o/"+components[i].Repository, e.Repository)
				assert.Equal(t, tt.wantSHAs[i], e.SHA)
				assert.Equal(t, e.Component == "b", e.Rebuilt)
			}
			assert.Equal(t, tt.dispatched == "a", sources[0].Ref == "")
		})
	}
}
