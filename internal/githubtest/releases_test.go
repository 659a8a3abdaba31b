package githubtest

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateRelease(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		// setup plants the world before the request.
		setup      func(*Server)
		release    gh.RepositoryRelease
		wantStatus int
		wantError  gh.Error
		wantTags   map[string]string
	}{
		{
			name:       "published at a branch tags the branch's commit",
			setup:      func(s *Server) { s.SetBranch(repoName, "release", shaOther) },
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), TargetCommitish: gh.String("release")},
			wantStatus: http.StatusCreated,
			wantTags:   map[string]string{"v1": shaOther},
		},
		{
			name:       "published at a full sha tags it",
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), TargetCommitish: gh.String(shaOther)},
			wantStatus: http.StatusCreated,
			wantTags:   map[string]string{"v1": shaOther},
		},
		{
			name:       "published without a target tags the default branch",
			setup:      func(s *Server) { s.SetBranch(repoName, "main", shaMain) },
			release:    gh.RepositoryRelease{TagName: gh.String("v1")},
			wantStatus: http.StatusCreated,
			wantTags:   map[string]string{"v1": shaMain},
		},
		{
			name:       "published at a target that does not resolve",
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), TargetCommitish: gh.String("nope")},
			wantStatus: http.StatusUnprocessableEntity,
			wantError:  gh.Error{Resource: "Release", Code: "invalid", Field: "target_commitish"},
			wantTags:   map[string]string{},
		},
		{
			name:       "published on an existing tag keeps it where it is",
			setup:      func(s *Server) { s.SetTag(repoName, "v1", shaOld); s.SetBranch(repoName, "main", shaMain) },
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), TargetCommitish: gh.String("main")},
			wantStatus: http.StatusCreated,
			wantTags:   map[string]string{"v1": shaOld},
		},
		{
			name:       "draft creates no tag",
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), Draft: gh.Bool(true)},
			wantStatus: http.StatusCreated,
			wantTags:   map[string]string{},
		},
		{
			name:       "draft at an unknown branch, once branches are known",
			setup:      func(s *Server) { s.SetBranch(repoName, "main", shaMain) },
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), TargetCommitish: gh.String("nope"), Draft: gh.Bool(true)},
			wantStatus: http.StatusUnprocessableEntity,
			wantError:  gh.Error{Resource: "Release", Code: "invalid", Field: "target_commitish"},
			wantTags:   map[string]string{},
		},
		{
			// GitHub keeps several drafts of one tag (ncipollo/release-action#8):
			// a draft holds no tag.
			name:       "a second draft of a tag",
			setup:      func(s *Server) { s.AddRelease(repoName, Release{TagName: "v1", Draft: true}) },
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), Draft: gh.Bool(true)},
			wantStatus: http.StatusCreated,
			wantTags:   map[string]string{},
		},
		{
			name:       "published beside a draft of its tag",
			setup:      func(s *Server) { s.AddRelease(repoName, Release{TagName: "v1", Draft: true}) },
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), TargetCommitish: gh.String(shaMain)},
			wantStatus: http.StatusCreated,
			wantTags:   map[string]string{"v1": shaMain},
		},
		{
			// With WithDraftsOfPublishedTags, a draft of a published
			// release's tag is made, and can never be published
			// (remixz/publish-release#37).
			name: "draft of the tag of a published release, where GitHub makes one",
			opts: []Option{WithDraftsOfPublishedTags()},
			setup: func(s *Server) {
				s.SetTag(repoName, "v1", shaOld)
				s.AddRelease(repoName, Release{TagName: "v1"})
			},
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), Draft: gh.Bool(true)},
			wantStatus: http.StatusCreated,
			wantTags:   map[string]string{"v1": shaOld},
		},
		{
			name: "draft of the tag of a published release, refused by default",
			setup: func(s *Server) {
				s.SetTag(repoName, "v1", shaOld)
				s.AddRelease(repoName, Release{TagName: "v1"})
			},
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), Draft: gh.Bool(true)},
			wantStatus: http.StatusUnprocessableEntity,
			wantError:  gh.Error{Resource: "Release", Code: "already_exists", Field: "tag_name"},
			wantTags:   map[string]string{"v1": shaOld},
		},
		{
			name:       "a body over GitHub's 125,000 characters",
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), TargetCommitish: gh.String(shaMain), Body: gh.String(strings.Repeat("é", 125_001))},
			wantStatus: http.StatusUnprocessableEntity,
			wantError:  gh.Error{Resource: "Release", Code: "custom", Field: "body", Message: "body is too long (maximum is 125000 characters)"},
			wantTags:   map[string]string{},
		},
		{
			name: "tag held by a published release",
			setup: func(s *Server) {
				s.SetTag(repoName, "v1", shaOld)
				s.AddRelease(repoName, Release{TagName: "v1"})
			},
			release:    gh.RepositoryRelease{TagName: gh.String("v1"), TargetCommitish: gh.String(shaMain)},
			wantStatus: http.StatusUnprocessableEntity,
			wantError:  gh.Error{Resource: "Release", Code: "already_exists", Field: "tag_name"},
			wantTags:   map[string]string{"v1": shaOld},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, tt.opts...)
			if tt.setup != nil {
				tt.setup(fake)
			}
			before := len(fake.Releases(repoName))

			_, resp, err := client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &tt.release)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantStatus == http.StatusCreated {
				require.NoError(t, err)
				assert.Len(t, fake.Releases(repoName), before+1)
			} else {
				ghErr := requireStatus(t, err, tt.wantStatus)
				assert.Equal(t, "Validation Failed", ghErr.Message)
				assert.Equal(t, []gh.Error{tt.wantError}, ghErr.Errors)
				assert.Len(t, fake.Releases(repoName), before)
			}
			assert.Equal(t, tt.wantTags, fake.Tags(repoName))
		})
	}
}

func TestReleaseJSON(t *testing.T) {
	// format fills a release ID into want, when want has a verb for it.
	format := func(want string) func(int64) string {
		return func(id int64) string {
			if !strings.Contains(want, "%") {
				return want
			}
			return fmt.Sprintf(want, id)
		}
	}
	tests := []struct {
		name          string
		newClient     func(*http.Client) (*gh.Client, error)
		draft         bool
		wantUploadURL func(id int64) string
		wantHTMLURL   func(id int64) string
	}{
		{
			name:          "github.com",
			newClient:     func(hc *http.Client) (*gh.Client, error) { return gh.NewClient(hc), nil },
			wantUploadURL: format("https://uploads.github.com/repos/BTCDecoded/bllvm/releases/%d/assets{?name,label}"),
			wantHTMLURL:   format("https://github.com/BTCDecoded/bllvm/releases/tag/v1"),
		},
		{
			name: "enterprise server",
			newClient: func(hc *http.Client) (*gh.Client, error) {
				return gh.NewClient(hc).WithEnterpriseURLs("https://ghes.example.com/api/v3/", "https://ghes.example.com/api/uploads/")
			},
			wantUploadURL: format("https://ghes.example.com/api/uploads/repos/BTCDecoded/bllvm/releases/%d/assets{?name,label}"),
			wantHTMLURL:   format("https://ghes.example.com/BTCDecoded/bllvm/releases/tag/v1"),
		},
		{
			name:          "draft, at a placeholder tag until published",
			newClient:     func(hc *http.Client) (*gh.Client, error) { return gh.NewClient(hc), nil },
			draft:         true,
			wantUploadURL: format("https://uploads.github.com/repos/BTCDecoded/bllvm/releases/%d/assets{?name,label}"),
			wantHTMLURL:   format("https://github.com/BTCDecoded/bllvm/releases/tag/untagged-%020x"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName), WithClock(func() time.Time { return testTime }))
			client, err := tt.newClient(fake.Client())
			require.NoError(t, err)

			created, _, err := client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &gh.RepositoryRelease{
				TagName:         gh.String("v1"),
				TargetCommitish: gh.String(shaMain),
				Name:            gh.String("bllvm v1"),
				Body:            gh.String("notes"),
				Draft:           gh.Bool(tt.draft),
				Prerelease:      gh.Bool(true),
				MakeLatest:      gh.String("false"),
			})

			require.NoError(t, err)
			assert.Equal(t, tt.wantUploadURL(created.GetID()), created.GetUploadURL())
			assert.Equal(t, tt.wantHTMLURL(created.GetID()), created.GetHTMLURL())
			assert.Equal(t, "v1", created.GetTagName())
			assert.Equal(t, shaMain, created.GetTargetCommitish())
			assert.Equal(t, "bllvm v1", created.GetName())
			assert.Equal(t, "notes", created.GetBody())
			assert.Equal(t, tt.draft, created.GetDraft())
			assert.True(t, created.GetPrerelease())
			assert.NotNil(t, created.Assets)
			assert.Empty(t, created.Assets)
			assert.Equal(t, testTime, created.GetCreatedAt().Time)
			assert.Equal(t, tt.draft, created.PublishedAt == nil, "published_at is null for drafts only")
			assert.Equal(t, []Release{{
				ID: created.GetID(), TagName: "v1", TargetCommitish: shaMain, Name: "bllvm v1", Body: "notes",
				Draft: tt.draft, Prerelease: true, MakeLatest: "false", CreatedAt: testTime,
				PublishedAt: map[bool]time.Time{false: testTime}[tt.draft],
			}}, fake.Releases(repoName))
		})
	}
}

func TestReleasesNewestFirst(t *testing.T) {
	fake, client := newGitHub(t, WithClock(tickingClock(testTime)))
	same := testTime.Add(-time.Hour)
	// Planted in an order that is neither by time nor by ID.
	middle := fake.AddRelease(repoName, Release{TagName: "v2", CreatedAt: testTime.Add(-2 * time.Hour)})
	tiedFirst := fake.AddRelease(repoName, Release{TagName: "v3", CreatedAt: same})
	oldest := fake.AddRelease(repoName, Release{TagName: "v1", CreatedAt: testTime.Add(-3 * time.Hour)})
	tiedSecond := fake.AddRelease(repoName, Release{TagName: "v4", Draft: true, CreatedAt: same})
	newest, _, err := client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &gh.RepositoryRelease{TagName: gh.String("v5"), Draft: gh.Bool(true)})
	require.NoError(t, err)
	want := []int64{newest.GetID(), tiedSecond.ID, tiedFirst.ID, middle.ID, oldest.ID}

	listed, _, err := client.Repositories.ListReleases(t.Context(), testOwner, testRepo, nil)

	require.NoError(t, err)
	var gotListed, gotKept []int64
	for _, rel := range listed {
		gotListed = append(gotListed, rel.GetID())
	}
	for _, rel := range fake.Releases(repoName) {
		gotKept = append(gotKept, rel.ID)
	}
	assert.Equal(t, want, gotListed, "listed newest first, drafts included, ties by ID")
	assert.Equal(t, want, gotKept)
}

func TestGetRelease(t *testing.T) {
	tests := []struct {
		name       string
		path       func(draft, published Release) string
		wantStatus int
		wantTag    string
	}{
		{"published by tag", func(_, p Release) string { return "tags/v1" }, http.StatusOK, "v1"},
		{"draft by tag is hidden", func(Release, Release) string { return "tags/v2" }, http.StatusNotFound, ""},
		{"draft by ID", func(d, _ Release) string { return strconv.FormatInt(d.ID, 10) }, http.StatusOK, "v2"},
		{"published by ID", func(_, p Release) string { return strconv.FormatInt(p.ID, 10) }, http.StatusOK, "v1"},
		{"unknown ID", func(Release, Release) string { return "999" }, http.StatusNotFound, ""},
		{"tag with a slash, escaped", func(Release, Release) string { return "tags/nightly%2F1" }, http.StatusOK, "nightly/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			fake.SetTag(repoName, "v1", shaMain)
			fake.SetTag(repoName, "nightly/1", shaMain)
			published := fake.AddRelease(repoName, Release{TagName: "v1"})
			draft := fake.AddRelease(repoName, Release{TagName: "v2", Draft: true})
			fake.AddRelease(repoName, Release{TagName: "nightly/1"})

			status, body := do(t, fake.Client(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/releases/"+tt.path(draft, published), "", nil)

			assert.Equal(t, tt.wantStatus, status)
			if tt.wantTag != "" {
				assert.Contains(t, body, `"tag_name":"`+tt.wantTag+`"`)
			}
		})
	}
}

func TestUpdateRelease(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*Server)
		edit       gh.RepositoryRelease
		wantStatus int
		wantTags   map[string]string
		wantDraft  bool
	}{
		{
			name:       "publishing creates the tag at the target",
			setup:      func(s *Server) { s.SetBranch(repoName, "main", shaMain) },
			edit:       gh.RepositoryRelease{Draft: gh.Bool(false)},
			wantStatus: http.StatusOK,
			wantTags:   map[string]string{"v1": shaMain},
		},
		{
			name:       "publishing keeps an existing tag",
			setup:      func(s *Server) { s.SetBranch(repoName, "main", shaMain); s.SetTag(repoName, "v1", shaOld) },
			edit:       gh.RepositoryRelease{Draft: gh.Bool(false)},
			wantStatus: http.StatusOK,
			wantTags:   map[string]string{"v1": shaOld},
		},
		{
			name:       "publishing at a target that does not resolve",
			edit:       gh.RepositoryRelease{Draft: gh.Bool(false)},
			wantStatus: http.StatusUnprocessableEntity,
			wantTags:   map[string]string{},
			wantDraft:  true,
		},
		{
			name:       "editing a draft's text creates no tag",
			edit:       gh.RepositoryRelease{Body: gh.String("more notes")},
			wantStatus: http.StatusOK,
			wantTags:   map[string]string{},
			wantDraft:  true,
		},
		{
			name:       "retagging onto the tag of another draft",
			setup:      func(s *Server) { s.AddRelease(repoName, Release{TagName: "v0", Draft: true}) },
			edit:       gh.RepositoryRelease{TagName: gh.String("v0")},
			wantStatus: http.StatusOK,
			wantTags:   map[string]string{},
			wantDraft:  true,
		},
		{
			name: "publishing one of two drafts of a tag",
			setup: func(s *Server) {
				s.SetBranch(repoName, "main", shaMain)
				s.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			},
			edit:       gh.RepositoryRelease{Draft: gh.Bool(false)},
			wantStatus: http.StatusOK,
			wantTags:   map[string]string{"v1": shaMain},
		},
		{
			name: "publishing a draft whose tag a published release holds",
			setup: func(s *Server) {
				s.SetBranch(repoName, "main", shaMain)
				s.SetTag(repoName, "v1", shaOld)
				s.AddRelease(repoName, Release{TagName: "v1"})
			},
			edit:       gh.RepositoryRelease{Draft: gh.Bool(false)},
			wantStatus: http.StatusUnprocessableEntity,
			wantTags:   map[string]string{"v1": shaOld},
			wantDraft:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := testTime
			fake, client := newGitHub(t, WithClock(func() time.Time { return now }))
			if tt.setup != nil {
				tt.setup(fake)
			}
			draft := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			now = now.Add(time.Hour)

			edited, resp, _ := client.Repositories.EditRelease(t.Context(), testOwner, testRepo, draft.ID, &tt.edit)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantTags, fake.Tags(repoName))
			kept := fake.Releases(repoName)[0]
			assert.Equal(t, tt.wantDraft, kept.Draft)
			if !tt.wantDraft {
				assert.Equal(t, now, kept.PublishedAt)
				assert.Equal(t, now, edited.GetPublishedAt().Time)
				_, _, err := client.Repositories.GetReleaseByTag(t.Context(), testOwner, testRepo, "v1")
				assert.NoError(t, err, "a published release is found by its tag")
			}
		})
	}
}

func TestDeleteReleaseKeepsItsTag(t *testing.T) {
	fake, client := newGitHub(t)
	fake.SetTag(repoName, "v1", shaMain)
	rel := fake.AddRelease(repoName, Release{TagName: "v1"})

	resp, err := client.Repositories.DeleteRelease(t.Context(), testOwner, testRepo, rel.ID)

	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Empty(t, fake.Releases(repoName))
	assert.Equal(t, map[string]string{"v1": shaMain}, fake.Tags(repoName))
	resp, _ = client.Repositories.DeleteRelease(t.Context(), testOwner, testRepo, rel.ID)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestGenerateReleaseNotes(t *testing.T) {
	const web = "https://github.com/BTCDecoded/bllvm"
	tests := []struct {
		name          string
		previous      *string
		wantStatus    int
		wantChangelog string
	}{
		{"from the given tag", gh.String("v1.0.0"), http.StatusOK, web + "/compare/v1.0.0...v1.2.0"},
		{"from the latest published release", nil, http.StatusOK, web + "/compare/v1.1.0...v1.2.0"},
		{"from a tag that does not exist", gh.String("v0.9.0"), http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, WithClock(tickingClock(testTime)))
			fake.SetTag(repoName, "v1.0.0", shaOld)
			fake.SetTag(repoName, "v1.1.0", shaOld)
			fake.AddRelease(repoName, Release{TagName: "v1.0.0"})
			fake.AddRelease(repoName, Release{TagName: "v1.1.0"})
			fake.AddRelease(repoName, Release{TagName: "v1.2.0-draft", Draft: true})

			notes, resp, err := client.Repositories.GenerateReleaseNotes(t.Context(), testOwner, testRepo, &gh.GenerateNotesOptions{
				TagName:         "v1.2.0",
				TargetCommitish: gh.String("main"),
				PreviousTagName: tt.previous,
			})

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantStatus != http.StatusOK {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "v1.2.0", notes.Name)
			assert.Regexp(t, `^## What's Changed\n(.|\n)*\n\*\*Full Changelog\*\*: `+regexp.QuoteMeta(tt.wantChangelog)+`$`, notes.Body)
		})
	}
}

func TestImmutableReleases(t *testing.T) {
	type action func(ctx context.Context, c *gh.Client, rel, other Release) (*gh.Response, error)
	uploadNew := func(ctx context.Context, c *gh.Client, rel, _ Release) (*gh.Response, error) {
		_, resp, err := c.Repositories.UploadReleaseAsset(ctx, testOwner, testRepo, rel.ID, &gh.UploadOptions{Name: "new.tgz"}, assetFile(t, "new.tgz", "new"))
		return resp, err
	}
	deleteAsset := func(ctx context.Context, c *gh.Client, rel, _ Release) (*gh.Response, error) {
		return c.Repositories.DeleteReleaseAsset(ctx, testOwner, testRepo, rel.Assets[0].ID)
	}
	retag := func(ctx context.Context, c *gh.Client, rel, _ Release) (*gh.Response, error) {
		_, resp, err := c.Repositories.EditRelease(ctx, testOwner, testRepo, rel.ID, &gh.RepositoryRelease{TagName: gh.String("v1.0.1")})
		return resp, err
	}
	deleteTag := func(ctx context.Context, c *gh.Client, _, _ Release) (*gh.Response, error) {
		return c.Git.DeleteRef(ctx, testOwner, testRepo, "tags/v1")
	}
	rename := func(ctx context.Context, c *gh.Client, rel, _ Release) (*gh.Response, error) {
		_, resp, err := c.Repositories.EditRelease(ctx, testOwner, testRepo, rel.ID, &gh.RepositoryRelease{Name: gh.String("renamed")})
		return resp, err
	}
	tests := []struct {
		name        string
		opts        []Option
		draft       bool
		act         action
		wantStatus  int
		wantMessage string
	}{
		{"upload to a published immutable release", []Option{WithImmutableReleases()}, false, uploadNew, http.StatusUnprocessableEntity, "Cannot upload assets to an immutable release."},
		{"delete an asset of a published immutable release", []Option{WithImmutableReleases()}, false, deleteAsset, http.StatusUnprocessableEntity, "Cannot delete assets from an immutable release."},
		{"change the tag of a published immutable release", []Option{WithImmutableReleases()}, false, retag, http.StatusUnprocessableEntity, "Validation Failed"},
		{"delete the tag of a published immutable release", []Option{WithImmutableReleases()}, false, deleteTag, http.StatusUnprocessableEntity, "Cannot update or delete a tag used by an immutable release."},
		{"rename a published immutable release", []Option{WithImmutableReleases()}, false, rename, http.StatusOK, ""},
		{"upload to an immutable draft", []Option{WithImmutableReleases()}, true, uploadNew, http.StatusCreated, ""},
		{"delete an asset of an immutable draft", []Option{WithImmutableReleases()}, true, deleteAsset, http.StatusNoContent, ""},
		{"change the tag of an immutable draft", []Option{WithImmutableReleases()}, true, retag, http.StatusOK, ""},
		{"upload to a published mutable release", nil, false, uploadNew, http.StatusCreated, ""},
		{"delete an asset of a published mutable release", nil, false, deleteAsset, http.StatusNoContent, ""},
		{"change the tag of a published mutable release", nil, false, retag, http.StatusOK, ""},
		{"delete the tag of a published mutable release", nil, false, deleteTag, http.StatusNoContent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t, tt.opts...)
			fake.SetBranch(repoName, "main", shaMain)
			fake.SetTag(repoName, "v1", shaMain)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: tt.draft, Assets: []Asset{{Name: "old.tgz", Size: 3}}})
			other := fake.AddRelease(repoName, Release{TagName: "v0", Draft: true})

			resp, err := tt.act(t.Context(), client, rel, other)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantMessage != "" {
				ghErr := requireStatus(t, err, tt.wantStatus)
				assert.Equal(t, tt.wantMessage, ghErr.Message)
				assert.Equal(t, []Asset{{ID: rel.Assets[0].ID, Name: "old.tgz", State: "uploaded", Size: 3, Uploads: 1}}, fake.Releases(repoName)[1].Assets, "nothing changed")
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

func TestPublishingUnderImmutableReleasesStampsTheRelease(t *testing.T) {
	fake, client := newGitHub(t, WithImmutableReleases())
	fake.SetBranch(repoName, "main", shaMain)
	draft, _, err := client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &gh.RepositoryRelease{TagName: gh.String("v1"), Draft: gh.Bool(true)})
	require.NoError(t, err)
	assert.False(t, fake.Releases(repoName)[0].Immutable, "a draft is not immutable yet")

	_, _, err = client.Repositories.EditRelease(t.Context(), testOwner, testRepo, draft.GetID(), &gh.RepositoryRelease{Draft: gh.Bool(false)})

	require.NoError(t, err)
	assert.True(t, fake.Releases(repoName)[0].Immutable)
	status, body := do(t, fake.Client(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/releases/tags/v1", "", nil)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"immutable":true`)
}
