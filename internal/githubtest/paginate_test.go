package githubtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPaginationLinks(t *testing.T) {
	const tagsURL = "https://api.github.com/repos/BTCDecoded/bllvm/tags"
	tests := []struct {
		name     string
		tags     int
		url      string
		wantLen  int
		wantLink string
	}{
		{
			name:     "first page",
			tags:     5,
			url:      tagsURL + "?per_page=2",
			wantLen:  2,
			wantLink: `<` + tagsURL + `?page=2&per_page=2>; rel="next", <` + tagsURL + `?page=3&per_page=2>; rel="last"`,
		},
		{
			name:     "middle page",
			tags:     5,
			url:      tagsURL + "?per_page=2&page=2",
			wantLen:  2,
			wantLink: `<` + tagsURL + `?page=1&per_page=2>; rel="prev", <` + tagsURL + `?page=3&per_page=2>; rel="next", <` + tagsURL + `?page=3&per_page=2>; rel="last", <` + tagsURL + `?page=1&per_page=2>; rel="first"`,
		},
		{
			name:     "last page",
			tags:     5,
			url:      tagsURL + "?per_page=2&page=3",
			wantLen:  1,
			wantLink: `<` + tagsURL + `?page=2&per_page=2>; rel="prev", <` + tagsURL + `?page=1&per_page=2>; rel="first"`,
		},
		{
			name:     "thirty by default",
			tags:     31,
			url:      tagsURL,
			wantLen:  30,
			wantLink: `<` + tagsURL + `?page=2>; rel="next", <` + tagsURL + `?page=2>; rel="last"`,
		},
		{
			name:    "at most a hundred",
			tags:    101,
			url:     tagsURL + "?per_page=500&page=2",
			wantLen: 1,
			wantLink: `<` + tagsURL + `?page=1&per_page=500>; rel="prev", <` + tagsURL +
				`?page=1&per_page=500>; rel="first"`,
		},
		{
			name:    "one page has no links",
			tags:    3,
			url:     tagsURL,
			wantLen: 3,
		},
		{
			name:    "past the end is empty",
			tags:    3,
			url:     tagsURL + "?page=9",
			wantLen: 0,
			wantLink: `<` + tagsURL + `?page=1>; rel="prev", <` + tagsURL +
				`?page=1>; rel="first"`,
		},
		{
			name:    "enterprise server links stay on its host",
			tags:    3,
			url:     "https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/tags?per_page=1&page=3",
			wantLen: 1,
			wantLink: `<https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/tags?page=2&per_page=1>; rel="prev", ` +
				`<https://ghes.example.com/api/v3/repos/BTCDecoded/bllvm/tags?page=1&per_page=1>; rel="first"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			for i := range tt.tags {
				fake.SetTag(repoName, fmt.Sprintf("v0.0.%03d", i), shaMain)
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, tt.url, nil)
			require.NoError(t, err)

			resp, err := fake.Client().Do(req)

			require.NoError(t, err)
			defer resp.Body.Close()
			var page []map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&page))
			assert.Len(t, page, tt.wantLen)
			assert.Equal(t, tt.wantLink, resp.Header.Get("Link"))
		})
	}
}

// TestPaginationWalksEveryPage follows go-github's NextPage, parsed from
// the Link header, through each paginated list (matching-refs is not one:
// see TestMatchingRefsAnswersEveryMatchAtOnce).
func TestPaginationWalksEveryPage(t *testing.T) {
	const items = 7
	type lister func(ctx context.Context, c *gh.Client, opts gh.ListOptions) ([]string, *gh.Response, error)
	tests := []struct {
		name string
		list lister
		want []string
	}{
		{
			name: "tags, by name descending",
			list: func(ctx context.Context, c *gh.Client, opts gh.ListOptions) ([]string, *gh.Response, error) {
				tags, resp, err := c.Repositories.ListTags(ctx, testOwner, testRepo, &opts)
				var names []string
				for _, tag := range tags {
					names = append(names, tag.GetName())
				}
				return names, resp, err
			},
			want: []string{"v1", "nightly-6", "nightly-5", "nightly-4", "nightly-3", "nightly-2", "nightly-1", "nightly-0"},
		},
		{
			name: "releases, newest first",
			list: func(ctx context.Context, c *gh.Client, opts gh.ListOptions) ([]string, *gh.Response, error) {
				releases, resp, err := c.Repositories.ListReleases(ctx, testOwner, testRepo, &opts)
				var names []string
				for _, rel := range releases {
					names = append(names, rel.GetTagName())
				}
				return names, resp, err
			},
			want: []string{"nightly-6", "nightly-5", "nightly-4", "nightly-3", "nightly-2", "nightly-1", "nightly-0", "v1"},
		},
		{
			name: "assets, in upload order",
			list: func(ctx context.Context, c *gh.Client, opts gh.ListOptions) ([]string, *gh.Response, error) {
				release, _, err := c.Repositories.GetReleaseByTag(ctx, testOwner, testRepo, "v1")
				if err != nil {
					return nil, nil, err
				}
				assets, resp, err := c.Repositories.ListReleaseAssets(ctx, testOwner, testRepo, release.GetID(), &opts)
				var names []string
				for _, a := range assets {
					names = append(names, a.GetName())
				}
				return names, resp, err
			},
			want: []string{"a0.tgz", "a1.tgz", "a2.tgz", "a3.tgz", "a4.tgz", "a5.tgz", "a6.tgz"},
		},
		{
			name: "runs, newest first",
			list: func(ctx context.Context, c *gh.Client, opts gh.ListOptions) ([]string, *gh.Response, error) {
				runs, resp, err := c.Actions.ListRepositoryWorkflowRuns(ctx, testOwner, testRepo, &gh.ListWorkflowRunsOptions{ListOptions: opts})
				var names []string
				for _, run := range runs.WorkflowRuns {
					names = append(names, run.GetHeadBranch())
				}
				return names, resp, err
			},
			want: []string{"b6", "b5", "b4", "b3", "b2", "b1", "b0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, WithClock(tickingClock(testTime)))
			fake.SetTag(repoName, "v1", shaMain)
			withAssets := fake.AddRelease(repoName, Release{TagName: "v1", CreatedAt: testTime.Add(-24 * time.Hour)})
			for i := range items {
				tag := fmt.Sprintf("nightly-%d", i)
				fake.SetTag(repoName, tag, shaMain)
				fake.AddRelease(repoName, Release{TagName: tag})
				fake.AddAsset(repoName, withAssets.ID, Asset{Name: fmt.Sprintf("a%d.tgz", i)})
				fake.AddRun(repoName, Run{WorkflowID: "nightly.yml", HeadBranch: fmt.Sprintf("b%d", i)})
			}

			var got []string
			opts := gh.ListOptions{PerPage: 3}
			pages := 0
			for {
				names, resp, err := tt.list(t.Context(), client, opts)
				require.NoError(t, err)
				got = append(got, names...)
				pages++
				if resp.NextPage == 0 {
					break
				}
				opts.Page = resp.NextPage
			}

			assert.Equal(t, tt.want, got)
			assert.Equal(t, (len(tt.want)+2)/3, pages)
		})
	}
}
