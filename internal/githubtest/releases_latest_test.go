package githubtest

import (
	"net/http"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLatestRelease plays which release GET releases/latest answers, and
// how make_latest moves it, as GitHub documents and has been seen to.
func TestLatestRelease(t *testing.T) {
	day := func(n int) time.Time { return testTime.Add(time.Duration(n) * 24 * time.Hour) }
	// plant adds v1 (day 1) and v2 (day 2), full releases, then more, and
	// returns their ids by tag.
	plant := func(v1, v2 Release, more ...Release) func(*Server) map[string]int64 {
		return func(s *Server) map[string]int64 {
			v1.TagName, v1.CreatedAt = "v1", day(1)
			v2.TagName, v2.CreatedAt = "v2", day(2)
			ids := map[string]int64{}
			for _, r := range append([]Release{v2, v1}, more...) { // v1's id is the higher: creation dates order them, not ids
				if !r.Draft {
					s.SetTag(repoName, r.TagName, shaOld)
				}
				ids[r.TagName] = s.AddRelease(repoName, r).ID
			}
			return ids
		}
	}
	rc := Release{TagName: "v3-rc1", Prerelease: true, CreatedAt: day(3)}
	edit := func(tag string, rel gh.RepositoryRelease) func(*gh.Client, map[string]int64) error {
		return func(c *gh.Client, ids map[string]int64) error {
			_, _, err := c.Repositories.EditRelease(t.Context(), testOwner, testRepo, ids[tag], &rel)
			return err
		}
	}
	create := func(rel gh.RepositoryRelease) func(*gh.Client, map[string]int64) error {
		return func(c *gh.Client, _ map[string]int64) error {
			rel.TargetCommitish = gh.String(shaMain)
			_, _, err := c.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &rel)
			return err
		}
	}
	tests := []struct {
		name       string
		setup      func(*Server) map[string]int64
		action     func(*gh.Client, map[string]int64) error // nil: none
		wantLatest string                                   // "": 404
	}{
		{name: "no release", setup: func(*Server) map[string]int64 { return nil }},
		{
			name: "prereleases and drafts are never latest",
			setup: func(s *Server) map[string]int64 {
				s.AddRelease(repoName, Release{TagName: "nightly", Prerelease: true, MakeLatest: "true"})
				s.AddRelease(repoName, Release{TagName: "v9", Draft: true})
				return nil
			},
		},
		{name: "none marked: the newest full release by creation date", setup: plant(Release{}, Release{}), wantLatest: "v2"},
		{name: "a release made the latest stays it over a newer one", setup: plant(Release{MakeLatest: "true"}, Release{MakeLatest: "false"}), wantLatest: "v1"},
		{name: "a new full release is made the latest by default", setup: plant(Release{MakeLatest: "true"}, Release{}), action: create(gh.RepositoryRelease{TagName: gh.String("v3")}), wantLatest: "v3"},
		{name: "a new full release with make_latest false leaves it", setup: plant(Release{}, Release{}), action: create(gh.RepositoryRelease{TagName: gh.String("v3"), MakeLatest: gh.String("false")}), wantLatest: "v2"},
		{name: "a new prerelease leaves it", setup: plant(Release{}, Release{}), action: create(gh.RepositoryRelease{TagName: gh.String("v3-rc1"), Prerelease: gh.Bool(true)}), wantLatest: "v2"},
		{name: "make_latest true on an older release moves it there", setup: plant(Release{}, Release{}), action: edit("v1", gh.RepositoryRelease{MakeLatest: gh.String("true")}), wantLatest: "v1"},
		{name: "make_latest false on the latest itself leaves it", setup: plant(Release{}, Release{MakeLatest: "true"}), action: edit("v2", gh.RepositoryRelease{MakeLatest: gh.String("false")}), wantLatest: "v2"},
		{name: "make_latest legacy goes back to the newest by creation date", setup: plant(Release{MakeLatest: "true"}, Release{}), action: edit("v1", gh.RepositoryRelease{MakeLatest: gh.String("legacy")}), wantLatest: "v2"},
		{name: "a body edit alone leaves it", setup: plant(Release{MakeLatest: "true"}, Release{}), action: edit("v2", gh.RepositoryRelease{Body: gh.String("notes")}), wantLatest: "v1"},
		{
			name:       "make_latest true on a prerelease is ignored",
			setup:      plant(Release{}, Release{}, rc),
			action:     edit("v3-rc1", gh.RepositoryRelease{MakeLatest: gh.String("true")}),
			wantLatest: "v2",
		},
		{
			name:  "made a full release after make_latest true was ignored: not the latest",
			setup: plant(Release{}, Release{MakeLatest: "true"}, rc),
			action: func(c *gh.Client, ids map[string]int64) error {
				if err := edit("v3-rc1", gh.RepositoryRelease{MakeLatest: gh.String("true")})(c, ids); err != nil {
					return err
				}
				return edit("v3-rc1", gh.RepositoryRelease{Prerelease: gh.Bool(false)})(c, ids)
			},
			wantLatest: "v2",
		},
		{
			name: "publishing a full draft makes it the latest by default",
			// Its tag made beforehand: a draft's is made when it is published.
			setup: func(s *Server) map[string]int64 {
				s.SetTag(repoName, "v3", shaMain)
				return plant(Release{}, Release{MakeLatest: "true"}, Release{TagName: "v3", Draft: true, CreatedAt: day(0)})(s)
			},
			action:     edit("v3", gh.RepositoryRelease{Draft: gh.Bool(false)}),
			wantLatest: "v3",
		},
		{name: "the latest made a prerelease is latest no more", setup: plant(Release{MakeLatest: "true"}, Release{}), action: edit("v1", gh.RepositoryRelease{Prerelease: gh.Bool(true)}), wantLatest: "v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			ids := tt.setup(fake)
			if tt.action != nil {
				require.NoError(t, tt.action(client, ids))
			}
			rel, resp, err := client.Repositories.GetLatestRelease(t.Context(), testOwner, testRepo)
			held, ok := fake.LatestRelease(repoName)
			if tt.wantLatest == "" {
				requireStatus(t, err, http.StatusNotFound)
				assert.False(t, ok)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, tt.wantLatest, rel.GetTagName())
			assert.True(t, ok)
			assert.Equal(t, tt.wantLatest, held.TagName)
		})
	}
}
