package githubtest

import (
	"net/http"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// WithCompareLimit plays GitHub giving up on a large diff: over the limit,
// 422 with GitHub's message, whatever the page size; within it, as ever.
func TestCompareLimit(t *testing.T) {
	fake, client := newGitHub(t, WithCompareLimit(2))
	setHistory(fake)

	got, _, err := client.Repositories.CompareCommits(t.Context(), testOwner, testRepo, "v0", "release/1.0", nil)
	require.NoError(t, err, "2 commits: within the limit")
	assert.Equal(t, 2, got.GetAheadBy())

	for _, opts := range []*gh.ListOptions{nil, {PerPage: 1}} {
		_, resp, err := client.Repositories.CompareCommits(t.Context(), testOwner, testRepo, "v0", "main", opts)
		require.Error(t, err, "3 commits: over the limit")
		assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		var ghErr *gh.ErrorResponse
		require.ErrorAs(t, err, &ghErr)
		assert.Equal(t, "Server Error: Sorry, this diff is taking too long to generate.", ghErr.Message)
	}
}
