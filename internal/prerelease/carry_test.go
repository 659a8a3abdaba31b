package prerelease

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/githubtest"
)

const (
	carryRepo  = "BTCDecoded/bllvm"
	carryToken = "ghs_carryTokenThatStaysWithGitHub"
	carried    = "bllvm-node-linux-x64.tar.gz"
)

// carryWorld is yesterday's nightly holding carried on the fake GitHub,
// today's draft to carry it into, and the client a run syncs with.
type carryWorld struct {
	fake    *githubtest.Server
	repo    github.Repo
	content []byte
	from    github.Asset // yesterday's asset, as the listing gave it
	draftID int64
}

func newCarryWorld(t *testing.T, size int) carryWorld {
	t.Helper()
	fake := githubtest.New(t, githubtest.WithToken(carryToken), githubtest.WithRepository(carryRepo))
	content := bytes.Repeat([]byte("node build "), size/11+1)[:size]
	yesterday := fake.AddRelease(carryRepo, githubtest.Release{TagName: "nightly-20251116-6113728", Prerelease: true})
	planted := fake.AddAssetContent(carryRepo, yesterday.ID, carried, bytes.NewReader(content))
	draft := fake.AddRelease(carryRepo, githubtest.Release{TagName: "nightly-20251117-6113728", Prerelease: true, Draft: true})
	client, err := github.NewClient(github.Config{
		Token: carryToken, HTTPClient: fake.Client(), MaxWait: time.Minute,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	require.NoError(t, err)
	return carryWorld{
		fake:    fake,
		repo:    github.Repo{Client: client, Owner: "BTCDecoded", Name: "bllvm"},
		content: content,
		from:    github.Asset{ID: planted.ID, Name: planted.Name, State: planted.State, Size: planted.Size, Digest: planted.Digest},
		draftID: draft.ID,
	}
}

// draftAssets lists the draft's assets as "name state".
func (w carryWorld) draftAssets() []string {
	var names []string
	for _, rel := range w.fake.Releases(carryRepo) {
		if rel.ID != w.draftID {
			continue
		}
		for _, a := range rel.Assets {
			names = append(names, a.Name+" "+a.State)
		}
	}
	return names
}

// A carried asset streams from GitHub's storage, which the token never
// reaches and whose answers are not all to be trusted: it is copied as
// GitHub lists it, or not at all.
func TestSyncCarriedAssetFromHostileStorage(t *testing.T) {
	tests := []struct {
		name string
		// size of the carried asset; enough to fill the sockets' buffers
		// where the upload must be cut before its end.
		size        int
		hostile     func(w carryWorld)
		wantErr     []string // each in the error, {listed} the asset's digest; none: copied
		wantStorage int      // requests to storage
	}{
		{
			name:        "as GitHub serves it: copied",
			size:        1 << 20,
			hostile:     func(carryWorld) {},
			wantStorage: 1,
		},
		{
			name:    "storage serving other bytes than GitHub lists: not copied, the half-made copy deleted",
			size:    32 << 20,
			hostile: func(w carryWorld) { w.fake.CorruptDownloads(carried) },
			wantErr: []string{
				"sync asset " + carried + ": copy asset " + carried + ": the bytes GitHub's storage served have sha256:",
				", not {listed} as GitHub lists for the asset; the half-made copy was deleted",
			},
			wantStorage: 1,
		},
		{
			name: "storage redirecting to GitHub's API: not followed, the token sent there once",
			size: 1 << 20,
			hostile: func(w carryWorld) {
				w.fake.RedirectDownloads(carried, fmt.Sprintf("https://api.github.com/repos/%s/releases/assets/%d", carryRepo, w.from.ID), 50)
			},
			wantErr: []string{
				"sync asset " + carried + ": copy asset " + carried + ": download asset ",
				fmt.Sprintf("GitHub's storage redirected to https://api.github.com/repos/%s/releases/assets/", carryRepo),
				"which would receive the token",
			},
			wantStorage: 1,
		},
		{
			name:        "a chain of 3 redirects within storage: followed",
			size:        1 << 20,
			hostile:     func(w carryWorld) { w.fake.RedirectDownloads(carried, "", 3) },
			wantStorage: 4,
		},
		{
			name:        "storage redirecting without end: stopped after 3",
			size:        1 << 20,
			hostile:     func(w carryWorld) { w.fake.RedirectDownloads(carried, "", 50) },
			wantErr:     []string{"sync asset " + carried + ": copy asset " + carried + ": download asset ", "GitHub's storage redirected more than 3 times"},
			wantStorage: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newCarryWorld(t, tt.size)
			tt.hostile(w)
			files := []File{{Name: carried, Size: w.from.Size, From: &w.from}}

			got, err := Sync{Concurrency: 1}.Assets(context.Background(), w.repo, w.draftID, nil, files)

			var storage, apiDownloads int
			for _, r := range w.fake.Requests() {
				switch {
				case r.Host == "objects.githubusercontent.com":
					storage++
					assert.Empty(t, r.Header.Get("Authorization"), "the token never reaches storage")
				case r.Method == "GET" && strings.HasPrefix(r.Path, "/repos/"+carryRepo+"/releases/assets/"):
					apiDownloads++
				}
			}
			assert.Equal(t, tt.wantStorage, storage, "requests to storage")
			assert.Equal(t, 1, apiDownloads, "asset downloads from the API, each with the token")
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				assert.Equal(t, []string{w.from.Digest}, got.Digests)
				assert.Equal(t, []string{carried + " uploaded"}, w.draftAssets())
				stored, ok := w.fake.AssetContent(carryRepo, w.draftID, carried)
				require.True(t, ok)
				assert.True(t, bytes.Equal(w.content, stored), "the copy holds yesterday's bytes")
				return
			}
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.ErrorContains(t, err, strings.ReplaceAll(want, "{listed}", w.from.Digest))
			}
			assert.NotContains(t, err.Error(), "X-Amz-Signature", "the storage URL is not quoted")
			assert.Empty(t, w.draftAssets(), "nothing of the copy is left on the draft")
		})
	}
}
