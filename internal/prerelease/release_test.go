package prerelease

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

const (
	testRepo = "BTCDecoded/bllvm"
	testTag  = "nightly-20251117-6113728"
	headSHA  = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
)

var testNow = time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC)

// newFake is the fake GitHub with the repository, its main branch at
// headSHA, and the Client create-prerelease builds on it.
func newFake(t *testing.T, opts ...githubtest.Option) (*githubtest.Server, Client, Options) {
	t.Helper()
	fake := githubtest.New(t, append([]githubtest.Option{githubtest.WithRepository(testRepo), githubtest.WithClock(func() time.Time { return testNow })}, opts...)...)
	fake.SetBranch(testRepo, "main", headSHA)
	client := gh.NewClient(fake.Client())
	c := Client{Releases: github.NewReleases(client), Assets: github.Repo{Client: client, Owner: "BTCDecoded", Name: "bllvm"}}
	o := Options{Owner: "BTCDecoded", Repo: "bllvm", Tag: testTag, Logf: func(string, ...any) {}}
	return fake, c, o
}

func listings(fake *githubtest.Server) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Method == http.MethodGet && r.Path == "/repos/BTCDecoded/bllvm/releases" {
			n++
		}
	}
	return n
}

func TestFindRelease(t *testing.T) {
	tests := []struct {
		name string
		// plant adds the releases, oldest first, and returns the one
		// findRelease must return (zero ID: none).
		plant     func(fake *githubtest.Server) githubtest.Release
		newer     int // releases of other tags made after those planted
		wantPages int
	}{
		{"no release of the tag", func(*githubtest.Server) githubtest.Release { return githubtest.Release{} }, 5, 1},
		{"published", func(fake *githubtest.Server) githubtest.Release {
			return fake.AddRelease(testRepo, githubtest.Release{TagName: testTag, CreatedAt: testNow.Add(-time.Hour)})
		}, 5, 1},
		{"a draft on the third page", func(fake *githubtest.Server) githubtest.Release {
			return fake.AddRelease(testRepo, githubtest.Release{TagName: testTag, Draft: true, CreatedAt: testNow.Add(-time.Hour)})
		}, 250, 3},
		{"several drafts: the oldest", func(fake *githubtest.Server) githubtest.Release {
			oldest := fake.AddRelease(testRepo, githubtest.Release{TagName: testTag, Draft: true, CreatedAt: testNow.Add(-2 * time.Hour)})
			fake.AddRelease(testRepo, githubtest.Release{TagName: testTag, Draft: true, CreatedAt: testNow.Add(-time.Hour)})
			return oldest
		}, 120, 2},
		{"drafts beside the published release: the published", func(fake *githubtest.Server) githubtest.Release {
			fake.AddRelease(testRepo, githubtest.Release{TagName: testTag, Draft: true, CreatedAt: testNow.Add(-3 * time.Hour)})
			published := fake.AddRelease(testRepo, githubtest.Release{TagName: testTag, CreatedAt: testNow.Add(-2 * time.Hour)})
			fake.AddRelease(testRepo, githubtest.Release{TagName: testTag, Draft: true, CreatedAt: testNow.Add(-time.Hour)})
			return published
		}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c, o := newFake(t)
			want := tt.plant(fake)
			for i := range tt.newer {
				fake.AddRelease(testRepo, githubtest.Release{TagName: fmt.Sprintf("v0.%d.0", i), CreatedAt: testNow.Add(-30 * time.Minute).Add(time.Duration(i) * time.Second)})
			}

			listed, rel, err := findRelease(t.Context(), c.Releases, o)

			require.NoError(t, err)
			assert.Len(t, listed, len(fake.Releases(testRepo)), "every release, once")
			if want.ID == 0 {
				assert.Nil(t, rel)
			} else {
				require.NotNil(t, rel)
				assert.Equal(t, want.ID, rel.GetID())
			}
			assert.Equal(t, tt.wantPages, listings(fake), "one request per page of 100")
		})
	}
}

func TestPublishDraft(t *testing.T) {
	tests := []struct {
		name string
		// other plants another run's release of the tag; nil for none.
		other        func(fake *githubtest.Server) githubtest.Release
		target       string
		wantLost     bool
		wantErr      string
		wantReleases int // of the tag, afterwards
	}{
		{"no other release", nil, headSHA, false, "", 1},
		{"another run's draft: both can be published, the first wins", func(fake *githubtest.Server) githubtest.Release {
			return fake.AddRelease(testRepo, githubtest.Release{TagName: testTag, Draft: true})
		}, headSHA, false, "", 2},
		{"another run published first", func(fake *githubtest.Server) githubtest.Release {
			return fake.AddRelease(testRepo, githubtest.Release{TagName: testTag})
		}, headSHA, true, "", 1},
		{"a 422 about something else", nil, "no-such-branch", false, "publish release " + testTag + " (its assets are attached; rerun to publish): ", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c, o := newFake(t)
			var other githubtest.Release
			if tt.other != nil {
				other = tt.other(fake)
			}
			draft := fake.AddRelease(testRepo, githubtest.Release{TagName: testTag, Draft: true, TargetCommitish: tt.target})
			fake.AddAssetContent(testRepo, draft.ID, "a.tar.gz", strings.NewReader("alpha"))

			published, lost, err := publishDraft(t.Context(), c, o, &gh.RepositoryRelease{ID: gh.Int64(draft.ID), TagName: gh.String(testTag), Draft: gh.Bool(true)}, true, "false")

			assert.Len(t, fake.Releases(testRepo), tt.wantReleases)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				assert.True(t, fake.Releases(testRepo)[0].Draft, "the draft stays, for a rerun")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantLost, lost)
			assert.False(t, published.GetDraft())
			if tt.wantLost {
				assert.Equal(t, other.ID, published.GetID(), "the release published first")
				assert.NotContains(t, idsOf(fake.Releases(testRepo)), draft.ID, "this run's draft is deleted")
				return
			}
			assert.Equal(t, draft.ID, published.GetID())
			require.Len(t, published.Assets, 1)
			assert.Equal(t, "https://github.com/BTCDecoded/bllvm/releases/download/"+testTag+"/a.tar.gz", published.Assets[0].GetBrowserDownloadURL())
		})
	}
}

func idsOf(releases []githubtest.Release) []int64 {
	var ids []int64
	for _, r := range releases {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestUseDownloadURLs(t *testing.T) {
	const draftURL, tagURL = "https://github.com/o/r/releases/download/untagged-0000000000000000000a/", "https://github.com/o/r/releases/download/v1/"
	published := &gh.RepositoryRelease{Assets: []*gh.ReleaseAsset{
		{Name: gh.String("a.tar.gz"), BrowserDownloadURL: gh.String(tagURL + "a.tar.gz")},
		{Name: gh.String("b.zip"), BrowserDownloadURL: gh.String(tagURL + "b.zip")},
	}}
	tests := []struct {
		name  string
		asset string
		want  string
	}{
		{"listed by the answer", "a.tar.gz", tagURL + "a.tar.gz"},
		{"not listed: kept", "c.txt", draftURL + "c.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assets := []github.Asset{{Name: tt.asset, BrowserDownloadURL: draftURL + tt.asset}}
			useDownloadURLs(assets, published)
			assert.Equal(t, tt.want, assets[0].BrowserDownloadURL)
		})
	}
}

func TestMissingAssets(t *testing.T) {
	published := &gh.RepositoryRelease{Assets: []*gh.ReleaseAsset{
		{Name: gh.String("a.tar.gz"), State: gh.String("uploaded"), Size: gh.Int(5)},
		{Name: gh.String("b.zip"), State: gh.String("starter"), Size: gh.Int(0)},
		{Name: gh.String("c.txt"), State: gh.String("uploaded"), Size: gh.Int(9)},
	}}
	tests := []struct {
		name   string
		synced github.Asset
		want   []string
	}{
		{"as uploaded", github.Asset{Name: "a.tar.gz", Size: 5}, nil},
		{"a starter: another upload under way", github.Asset{Name: "b.zip", Size: 6}, []string{"b.zip"}},
		{"another size: replaced meanwhile", github.Asset{Name: "c.txt", Size: 7}, []string{"c.txt"}},
		{"gone", github.Asset{Name: "d.txt", Size: 1}, []string{"d.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, missingAssets(published, []github.Asset{tt.synced}))
		})
	}
}

// The error for assets that could not be attached says what state the
// release is in, and what helps.
func TestAttachError(t *testing.T) {
	refused := &gh.ErrorResponse{Response: &http.Response{StatusCode: http.StatusUnprocessableEntity, Request: uploadRequest}, Message: "Cannot delete assets from an immutable release."}
	unavailable := &gh.ErrorResponse{Response: &http.Response{StatusCode: http.StatusBadGateway, Request: uploadRequest}, Message: "Server Error"}
	draft := &gh.RepositoryRelease{Draft: gh.Bool(true)}
	published := &gh.RepositoryRelease{Draft: gh.Bool(false)}
	tests := []struct {
		name    string
		rel     *gh.RepositoryRelease
		err     error
		want    []string
		wantNot []string
	}{
		{"draft", draft, &assetError{name: "a.tar.gz", err: unavailable},
			[]string{"attach assets to draft release " + testTag + " (nothing is published yet; rerun to finish): sync asset a.tar.gz: "}, nil},
		{"published, an asset differs, immutable", published, &assetError{name: "a.tar.gz", stale: "content changed: sha256:1, file sha256:2", err: refused},
			[]string{"release " + testTag + " is published and immutable, so its assets cannot change: its asset a.tar.gz differs from the file here (content changed: sha256:1, file sha256:2); build the assets reproducibly, so that a rerun makes the same files, or publish them under a new tag"},
			[]string{"nothing is published", "rerun to finish", "Cannot delete"}},
		{"published, a new file, immutable", published, &assetError{name: "c.txt", err: refused},
			[]string{"c.txt is not among its assets, and none can be added"}, []string{"nothing is published", "rerun to finish"}},
		{"published, GitHub unavailable", published, &assetError{name: "a.tar.gz", err: unavailable},
			[]string{"attach assets to published release " + testTag + " (rerun to finish): "}, []string{"nothing is published", "immutable"}},
		{"published, not about an asset", published, errors.New("write SHA256SUMS: disk full"),
			[]string{"attach assets to published release " + testTag}, []string{"immutable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := attachError(Options{Tag: testTag}, tt.rel, "assets", tt.err).Error()
			for _, want := range tt.want {
				assert.Contains(t, got, want)
			}
			for _, not := range tt.wantNot {
				assert.NotContains(t, got, not)
			}
		})
	}
}

// The body of a complete nightly ends with its two markers, the tag object
// and the manifest, which the next plan and locate read back; they count
// toward GitHub's limit as the user's text and the table do, and are
// never cut.
func TestReleaseBodyMarkers(t *testing.T) {
	m := chain(map[string]byte{"consensus": 'a', "protocol": 'b', "node": 'c', "sdk": 'd', "governance": 'e', "bllvm": 'f'}, "sdk", "governance")
	object := sha('7')
	const table = "### What this nightly holds\n\n| component | repository | commit | since |\n|---|---|---|---|\n"
	marked := markers(object, m)
	_, c, o := newFake(t)
	o.Body = "Built every night.\n"

	body, err := releaseBody(t.Context(), c, o, "", table, marked)
	require.NoError(t, err)
	assert.Equal(t, "Built every night.\n\n"+strings.TrimRight(table, "\n")+"\n\n"+
		"<!-- release-action: complete nightly, tag object "+object+" -->\n"+
		"<!-- release-action: manifest "+m.String()+" -->", body)
	gotObject, ok := nightly.MarkedTagObject(body)
	assert.True(t, ok)
	assert.Equal(t, object, gotObject)
	gotManifest, ok := nightly.MarkedManifest(body)
	assert.True(t, ok)
	assert.Equal(t, m, gotManifest, "rebuilt too: the manifest whole")

	// Exactly at the limit with the markers; one character more is an
	// error before anything is written.
	room := MaxBodyChars - len(strings.TrimRight(table, "\n")) - len(marked) - 4
	o.Body = strings.Repeat("x", room)
	body, err = releaseBody(t.Context(), c, o, "", table, marked)
	require.NoError(t, err)
	assert.Equal(t, MaxBodyChars, len(body))
	o.Body = strings.Repeat("x", room+1)
	_, err = releaseBody(t.Context(), c, o, "", table, marked)
	require.ErrorContains(t, err, fmt.Sprintf("would be %d characters", MaxBodyChars+1))
}
