package github

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReleasesKeepListedAssets(t *testing.T) {
	var query url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/repos/BTCDecoded/bllvm/releases", r.URL.Path)
		query = r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[
			{"id": 7, "tag_name": "nightly-20251118-b11b11b", "draft": false, "assets": [
				{"id": 70, "name": "node-linux-x64.tar.gz", "state": "uploaded", "size": 3, "digest": "sha256:abc"}]},
			{"id": 8, "tag_name": "nightly-20251117-b11b11b", "draft": true, "assets": []}]`))
	}))
	defer srv.Close()
	client := gh.NewClient(srv.Client())
	base, err := url.Parse(srv.URL + "/")
	require.NoError(t, err)
	client.BaseURL = base

	r := NewReleases(client)
	_, listed := r.ListedAssets(7)
	assert.False(t, listed, "nothing listed yet")
	releases, _, err := r.ListReleases(context.Background(), "BTCDecoded", "bllvm", &gh.ListOptions{PerPage: 100, Page: 2})
	require.NoError(t, err)
	assert.Equal(t, url.Values{"per_page": {"100"}, "page": {"2"}}, query)
	require.Len(t, releases, 2)
	assert.Equal(t, "nightly-20251118-b11b11b", releases[0].GetTagName())
	assert.True(t, releases[1].GetDraft())

	assets, ok := r.ListedAssets(7)
	require.True(t, ok)
	assert.Equal(t, []Asset{{ID: 70, Name: "node-linux-x64.tar.gz", State: "uploaded", Size: 3, Digest: "sha256:abc"}}, assets, "the digest go-github drops is kept")
	assets, ok = r.ListedAssets(8)
	assert.True(t, ok)
	assert.Empty(t, assets)
}
