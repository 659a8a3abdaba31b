package github

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

const tarballSHA = "0123456789abcdef0123456789abcdef01234567"

func tarballWorld(t *testing.T) (*githubtest.Server, Tarballs) {
	t.Helper()
	srv := githubtest.New(t, githubtest.WithToken(testToken), githubtest.WithRepository("BTCDecoded/bllvm-node"))
	srv.SetCommitFiles("BTCDecoded/bllvm-node", tarballSHA, map[string]string{"Cargo.toml": "[package]\n"})
	client, err := NewClient(Config{Token: testToken, HTTPClient: srv.Client(), MaxWait: time.Minute, Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	return srv, Tarballs{Client: client}
}

// names lists the entries of a gzip tar.
func names(t *testing.T, r io.Reader) []string {
	t.Helper()
	zr, err := gzip.NewReader(r)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	var out []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		out = append(out, hdr.Name)
	}
}

func TestTarball(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(srv *githubtest.Server)
		wantErr string // "" means the archive is read
		// wantStorage is how many requests reach storage.
		wantStorage int
	}{
		{name: "through the redirect to storage", wantStorage: 1},
		{name: "storage moving it within itself, up to 3 times", prepare: func(srv *githubtest.Server) {
			srv.RedirectDownloads("BTCDecoded-bllvm-node-0123456.tar.gz", "", 3)
		}, wantStorage: 4},
		{name: "storage redirecting without end: stopped after 3", prepare: func(srv *githubtest.Server) {
			srv.RedirectDownloads("BTCDecoded-bllvm-node-0123456.tar.gz", "", 10)
		}, wantErr: "GitHub's storage redirected more than 3 times", wantStorage: 4},
		{name: "storage redirecting to the API: not followed, the token stays home", prepare: func(srv *githubtest.Server) {
			srv.RedirectDownloads("BTCDecoded-bllvm-node-0123456.tar.gz", "https://api.github.com/user?X-Amz-Signature=deadbeef", 1)
		}, wantErr: "GitHub's storage redirected to https://api.github.com/user, which would receive the token", wantStorage: 1},
		{name: "the API redirecting to its own host, as GitHub Enterprise Server may: followed", prepare: func(srv *githubtest.Server) {
			srv.Fail(http.MethodGet, "/repos/BTCDecoded/bllvm-node/tarball/"+tarballSHA, githubtest.Response{Status: http.StatusFound, Header: map[string]string{"Location": "https://api.github.com/repos/BTCDecoded/bllvm-node/tarball/" + tarballSHA}})
		}, wantStorage: 1},
		{name: "the API redirecting elsewhere than https: refused", prepare: func(srv *githubtest.Server) {
			srv.Fail(http.MethodGet, "/repos/BTCDecoded/bllvm-node/tarball/"+tarballSHA, githubtest.Response{Status: http.StatusFound, Header: map[string]string{"Location": "ftp://objects.githubusercontent.com/x"}})
		}, wantErr: `GitHub redirected to "ftp://objects.githubusercontent.com/x", not a storage URL`},
		{name: "an unknown commit", prepare: func(srv *githubtest.Server) {
			srv.Fail(http.MethodGet, "/repos/BTCDecoded/bllvm-node/tarball/"+tarballSHA, githubtest.NotFound())
		}, wantErr: "download the archive of BTCDecoded/bllvm-node at " + tarballSHA + ": GET https://api.github.com/repos/BTCDecoded/bllvm-node/tarball/" + tarballSHA + ": 404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, tarballs := tarballWorld(t)
			if tt.prepare != nil {
				tt.prepare(srv)
			}
			body, err := tarballs.Tarball(context.Background(), "BTCDecoded", "bllvm-node", tarballSHA)
			if tt.wantErr == "" {
				require.NoError(t, err)
				defer body.Close()
				assert.Equal(t, []string{"pax_global_header", "BTCDecoded-bllvm-node-0123456/", "BTCDecoded-bllvm-node-0123456/Cargo.toml"}, names(t, body))
			} else {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), "deadbeef")
				assert.NotContains(t, err.Error(), "X-Amz-Signature")
			}
			storage := 0
			for _, r := range srv.Requests() {
				auth := r.Header.Get("Authorization")
				if r.Host == "api.github.com" {
					if strings.HasPrefix(r.Path, "/repos/") {
						assert.Equal(t, "Bearer "+testToken, auth)
					} else {
						t.Errorf("a request to %s %s, which a redirect named", r.Host, r.Path)
					}
					continue
				}
				storage++
				assert.Empty(t, auth, "the token is never sent to %s", r.Host)
			}
			assert.Equal(t, tt.wantStorage, storage)
		})
	}
}
