package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	gh "github.com/google/go-github/v66/github"
)

// Releases is go-github's release API with one change: ListReleases keeps
// the assets of every release it lists, digests included (go-github v66
// drops the digest), so that reading a listed release's assets costs no
// request of its own.
type Releases struct {
	*gh.RepositoriesService
	client *gh.Client

	mu     sync.Mutex
	listed map[int64][]Asset
}

// NewReleases wraps client's release API.
func NewReleases(client *gh.Client) *Releases {
	return &Releases{RepositoriesService: client.Repositories, client: client, listed: map[int64][]Asset{}}
}

// ListReleases lists one page of releases, as go-github's does.
func (r *Releases) ListReleases(ctx context.Context, owner, repo string, opts *gh.ListOptions) ([]*gh.RepositoryRelease, *gh.Response, error) {
	query := url.Values{}
	if opts != nil {
		if opts.PerPage > 0 {
			query.Set("per_page", strconv.Itoa(opts.PerPage))
		}
		if opts.Page > 0 {
			query.Set("page", strconv.Itoa(opts.Page))
		}
	}
	path := fmt.Sprintf("repos/%s/%s/releases", url.PathEscape(owner), url.PathEscape(repo))
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	req, err := r.client.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		return nil, nil, err
	}
	var raw []json.RawMessage
	resp, err := r.client.Do(ctx, req, &raw)
	if err != nil {
		return nil, resp, err
	}
	releases := make([]*gh.RepositoryRelease, 0, len(raw))
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, item := range raw {
		var rel gh.RepositoryRelease
		var withAssets struct {
			ID     int64   `json:"id"`
			Assets []Asset `json:"assets"`
		}
		if err := json.Unmarshal(item, &rel); err != nil {
			return nil, resp, fmt.Errorf("read the releases of %s/%s: %w", owner, repo, err)
		}
		if err := json.Unmarshal(item, &withAssets); err != nil {
			return nil, resp, fmt.Errorf("read the releases of %s/%s: %w", owner, repo, err)
		}
		r.listed[withAssets.ID] = withAssets.Assets
		releases = append(releases, &rel)
	}
	return releases, resp, nil
}

// ListedAssets returns the assets of a release as the last listing showed
// them, and whether it showed the release.
func (r *Releases) ListedAssets(releaseID int64) ([]Asset, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	assets, ok := r.listed[releaseID]
	return assets, ok
}
