package github

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// A release's SHA256SUMS read as verify reads it: the release by its tag
// with the assets' digests, then the asset through storage, bounded.
func TestReadAssetOfAReleaseByTag(t *testing.T) {
	const sums = "0000000000000000000000000000000000000000000000000000000000000000  a.zip\n"
	tests := []struct {
		name         string
		most         int64
		corrupt      bool
		wantErr      string
		wantRequests int // after the release's
	}{
		{"read whole, through storage", 1 << 20, false, "", 2},
		{"larger than asked for: refused before any request", int64(len(sums)) - 1, false, "GitHub lists 72 bytes; at most 71 are read", 0},
		{"storage serving other bytes than the digest GitHub lists", 1 << 20, true, "the bytes GitHub's storage served have sha256:", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubtest.New(t, githubtest.WithToken(testToken), githubtest.WithRepository("BTCDecoded/bllvm"))
			srv.SetBranch("BTCDecoded/bllvm", "main", strings.Repeat("b", 40))
			rel := srv.AddRelease("BTCDecoded/bllvm", githubtest.Release{TagName: "nightly-20251117-bbbbbbb", Prerelease: true})
			srv.AddAssetContent("BTCDecoded/bllvm", rel.ID, "SHA256SUMS", strings.NewReader(sums))
			if tt.corrupt {
				srv.CorruptDownloads("SHA256SUMS")
			}
			client, err := NewClient(Config{Token: testToken, HTTPClient: srv.Client(), MaxWait: time.Minute, Sleep: func(context.Context, time.Duration) error { return nil }})
			require.NoError(t, err)

			got, assets, err := ReleaseByTag(t.Context(), client, "BTCDecoded", "bllvm", "nightly-20251117-bbbbbbb")
			require.NoError(t, err)
			assert.Equal(t, rel.ID, got.GetID())
			require.Len(t, assets, 1)
			assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, assets[0].Digest, "the digest go-github drops is kept")
			before := len(srv.Requests())

			data, err := Repo{Client: client, Owner: "BTCDecoded", Name: "bllvm"}.ReadAsset(t.Context(), assets[0], tt.most)
			requests := srv.Requests()[before:]
			assert.Len(t, requests, tt.wantRequests)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, sums, string(data))
			assert.NotEmpty(t, requests[0].Header.Get("Authorization"))
			assert.Empty(t, requests[1].Header.Get("Authorization"), "the token never goes to storage")
		})
	}
}

func TestReleaseByTagOfADraftIsNotFound(t *testing.T) {
	srv := githubtest.New(t, githubtest.WithToken(testToken), githubtest.WithRepository("BTCDecoded/bllvm"))
	srv.SetBranch("BTCDecoded/bllvm", "main", strings.Repeat("b", 40))
	srv.AddRelease("BTCDecoded/bllvm", githubtest.Release{TagName: "nightly-20251117-bbbbbbb", Draft: true})
	client, err := NewClient(Config{Token: testToken, HTTPClient: srv.Client(), MaxWait: time.Minute, Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	_, _, err = ReleaseByTag(t.Context(), client, "BTCDecoded", "bllvm", "nightly-20251117-bbbbbbb")
	require.Error(t, err)
	assert.True(t, IsStatus(err, 404), "%v", err)
}
