package github

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assetServer plays GitHub's release asset endpoints: handle answers the
// n-th request (from 1) and sees the body as the server received it.
type assetServer struct {
	mu       sync.Mutex
	handle   func(n int, w http.ResponseWriter, r *http.Request, body []byte)
	requests []assetRequest
}

type assetRequest struct {
	Method, Path, RawQuery, ContentType string
	ContentLength                       int64
	TransferEncoding                    []string
	BodySHA256                          string
	BodyLen                             int
}

func (s *assetServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sum := sha256.Sum256(body)
	s.mu.Lock()
	s.requests = append(s.requests, assetRequest{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"),
		ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding,
		BodySHA256: hex.EncodeToString(sum[:]), BodyLen: len(body),
	})
	n := len(s.requests)
	s.mu.Unlock()
	s.handle(n, w, r, body)
}

func (s *assetServer) seen() []assetRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]assetRequest(nil), s.requests...)
}

// newAssetRepo starts the server and returns a Repo on a client with the
// real retry transport, whose waits are skipped.
func newAssetRepo(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request, body []byte)) (Repo, *assetServer, *fakeWorld) {
	t.Helper()
	server := &assetServer{handle: handle}
	srv := httptest.NewServer(server)
	t.Cleanup(srv.Close)
	world := &fakeWorld{}
	client, err := NewClient(world.config(srv))
	require.NoError(t, err)
	return Repo{Client: client, Owner: "o", Name: "r"}, server, world
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func TestListAssets(t *testing.T) {
	tests := []struct {
		name      string
		pages     []string // response body of each page; every page but the last links to the next
		wantIDs   []int64
		wantQuery []string
	}{
		{"empty release", []string{`[]`}, nil, []string{"per_page=100"}},
		{"one page", []string{`[{"id":1,"name":"a.tar.gz","state":"uploaded","digest":"sha256:aa","size":3}]`}, []int64{1}, []string{"per_page=100"}},
		{
			"two pages",
			[]string{`[{"id":1,"name":"a"},{"id":2,"name":"b"}]`, `[{"id":3,"name":"c","state":"starter"}]`},
			[]int64{1, 2, 3},
			[]string{"per_page=100", "page=2&per_page=100"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srvURL string
			repo, server, _ := newAssetRepo(t, func(n int, w http.ResponseWriter, _ *http.Request, _ []byte) {
				if n < len(tt.pages) {
					w.Header().Set("Link", fmt.Sprintf(`<%s/api/v3/repos/o/r/releases/7/assets?per_page=100&page=%d>; rel="next"`, srvURL, n+1))
				}
				writeJSON(w, http.StatusOK, tt.pages[n-1])
			})
			srvURL = "http://" + repo.Client.BaseURL.Host

			assets, err := repo.ListAssets(context.Background(), 7)
			require.NoError(t, err)
			var ids []int64
			for _, a := range assets {
				ids = append(ids, a.ID)
			}
			assert.Equal(t, tt.wantIDs, ids)
			var queries []string
			for _, r := range server.seen() {
				assert.Equal(t, "GET /api/v3/repos/o/r/releases/7/assets", r.Method+" "+r.Path)
				queries = append(queries, r.RawQuery)
			}
			assert.Equal(t, tt.wantQuery, queries)
		})
	}
}

func TestListAssetsDecodesDigestAndState(t *testing.T) {
	repo, _, _ := newAssetRepo(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, http.StatusOK, `[{"id":5,"name":"n.tar.gz","label":"L","state":"starter","content_type":"application/gzip",
			"size":12,"digest":"sha256:abc","browser_download_url":"https://example.test/n.tar.gz"}]`)
	})
	assets, err := repo.ListAssets(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, []Asset{{ID: 5, Name: "n.tar.gz", Label: "L", State: "starter", ContentType: "application/gzip",
		Size: 12, Digest: "sha256:abc", BrowserDownloadURL: "https://example.test/n.tar.gz"}}, assets)
}

func TestDeleteAsset(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		wantErr string
	}{
		{"deleted", http.StatusNoContent, ""},
		{"not found", http.StatusNotFound, "delete asset 42: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, server, _ := newAssetRepo(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
				writeJSON(w, tt.status, `{"message":"Not Found"}`)
			})
			err := repo.DeleteAsset(context.Background(), 42)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
			} else {
				assert.NoError(t, err)
			}
			requests := server.seen()
			require.Len(t, requests, 1)
			assert.Equal(t, "DELETE /api/v3/repos/o/r/releases/assets/42", requests[0].Method+" "+requests[0].Path)
		})
	}
}

const (
	uploadedJSON      = `{"id":9,"name":"bllvm.tar.gz","state":"uploaded","size":13,"digest":"sha256:feed"}`
	alreadyExistsJSON = `{"message":"Validation Failed","errors":[{"resource":"ReleaseAsset","code":"already_exists","field":"name"}]}`
)

// reply is how the server answers one upload attempt; path is the file
// being uploaded, so a reply can change it between attempts.
type reply func(path string, w http.ResponseWriter)

func status(code int, body string) reply {
	return func(_ string, w http.ResponseWriter) { writeJSON(w, code, body) }
}

// rewrite replaces the file's content, then answers with then.
func rewrite(content string, then reply) reply {
	return func(path string, w http.ResponseWriter) {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			panic(err)
		}
		then(path, w)
	}
}

func TestUploadAsset(t *testing.T) {
	const original = "archive bytes"
	tests := []struct {
		name          string
		asset         string // name given to UploadAsset
		content       string
		replies       []reply // the n-th attempt gets the n-th, the last repeats
		wantErr       string
		wantBodies    []string // what each attempt carried
		wantQuery     string
		wantMediaType string
	}{
		{
			name: "streams the file with its size and an escaped name", asset: "bllvm 1+2.tar.gz", content: original,
			replies:    []reply{status(http.StatusCreated, uploadedJSON)},
			wantBodies: []string{original}, wantQuery: "name=bllvm+1%2B2.tar.gz",
		},
		{
			name: "media type from the name's extension", asset: "manifest.json", content: `{}`,
			replies:    []reply{status(http.StatusCreated, uploadedJSON)},
			wantBodies: []string{`{}`}, wantQuery: "name=manifest.json", wantMediaType: "application/json",
		},
		{
			name: "unknown extension is octet-stream", asset: "bllvm.unknownext", content: original,
			replies:    []reply{status(http.StatusCreated, uploadedJSON)},
			wantBodies: []string{original}, wantQuery: "name=bllvm.unknownext", wantMediaType: "application/octet-stream",
		},
		{
			name: "502 is retried with the whole body again", asset: "bllvm.tar.gz", content: original,
			replies:    []reply{status(http.StatusBadGateway, `{"message":"Bad Gateway"}`), status(http.StatusCreated, uploadedJSON)},
			wantBodies: []string{original, original}, wantQuery: "name=bllvm.tar.gz",
		},
		{
			// Were the body buffered, the second attempt would carry the old bytes.
			name: "a retry rereads the file from disk", asset: "bllvm.tar.gz", content: original,
			replies:    []reply{rewrite("ARCHIVE BYTES", status(http.StatusBadGateway, "")), status(http.StatusCreated, uploadedJSON)},
			wantBodies: []string{original, "ARCHIVE BYTES"}, wantQuery: "name=bllvm.tar.gz",
		},
		{
			name: "a file that changed size is not replayed", asset: "bllvm.tar.gz", content: original,
			replies:    []reply{rewrite("longer archive bytes", status(http.StatusBadGateway, "")), status(http.StatusCreated, uploadedJSON)},
			wantErr:    "changed size during the upload (13 bytes, now 20): ",
			wantBodies: []string{original}, wantQuery: "name=bllvm.tar.gz",
		},
		{
			name: "empty file is sent with a zero length, not chunked", asset: "empty.txt", content: "",
			replies:    []reply{status(http.StatusBadGateway, ""), status(http.StatusCreated, uploadedJSON)},
			wantBodies: []string{"", ""}, wantQuery: "name=empty.txt",
		},
		{
			name: "a refusal is not retried", asset: "bllvm.tar.gz", content: original,
			replies:    []reply{status(http.StatusUnprocessableEntity, alreadyExistsJSON)},
			wantErr:    "upload asset bllvm.tar.gz: ",
			wantBodies: []string{original}, wantQuery: "name=bllvm.tar.gz",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "asset")
			require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o600))
			repo, server, world := newAssetRepo(t, func(n int, w http.ResponseWriter, _ *http.Request, _ []byte) {
				tt.replies[min(n, len(tt.replies))-1](path, w)
			})

			asset, err := repo.UploadAsset(context.Background(), 7, tt.asset, path)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
				assert.Equal(t, Asset{ID: 9, Name: "bllvm.tar.gz", State: "uploaded", Size: 13, Digest: "sha256:feed"}, asset)
			}

			requests := server.seen()
			require.Len(t, requests, len(tt.wantBodies))
			for i, r := range requests {
				sum := sha256.Sum256([]byte(tt.wantBodies[i]))
				assert.Equal(t, "POST /api/uploads/repos/o/r/releases/7/assets", r.Method+" "+r.Path)
				assert.Equal(t, tt.wantQuery, r.RawQuery)
				assert.Equal(t, hex.EncodeToString(sum[:]), r.BodySHA256, "attempt %d", i+1)
				assert.Equal(t, int64(len(tt.content)), r.ContentLength, "attempt %d", i+1)
				assert.Empty(t, r.TransferEncoding, "attempt %d", i+1)
				if tt.wantMediaType != "" {
					assert.Equal(t, tt.wantMediaType, r.ContentType)
				}
			}
			assert.Len(t, world.slept(), len(tt.wantBodies)-1, "one wait before each retry")
			assertClosed(t, path)
		})
	}
}

func TestUploadAssetMissingFile(t *testing.T) {
	repo, server, _ := newAssetRepo(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, http.StatusCreated, uploadedJSON)
	})
	_, err := repo.UploadAsset(context.Background(), 7, "gone.tar.gz", filepath.Join(t.TempDir(), "gone.tar.gz"))
	assert.ErrorContains(t, err, "upload asset gone.tar.gz: open ")
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Empty(t, server.seen())
}

func TestUploadAssetAlreadyExistsIsTyped(t *testing.T) {
	repo, _, _ := newAssetRepo(t, func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, http.StatusUnprocessableEntity, alreadyExistsJSON)
	})
	path := filepath.Join(t.TempDir(), "a")
	require.NoError(t, os.WriteFile(path, []byte("x"), 0o600))
	_, err := repo.UploadAsset(context.Background(), 7, "a", path)
	var apiErr *gh.ErrorResponse
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnprocessableEntity, apiErr.Response.StatusCode)
	require.Len(t, apiErr.Errors, 1)
	assert.Equal(t, "already_exists", apiErr.Errors[0].Code)
}

// assertClosed checks that no descriptor of this process still has path
// open; the transport may close a body just after the response returns.
func assertClosed(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Log("no /proc/self/fd; not checking for open files")
		return
	}
	target, err := filepath.EvalSymlinks(path)
	require.NoError(t, err)
	assert.Eventually(t, func() bool { return openDescriptors(target) == 0 }, 2*time.Second, 5*time.Millisecond,
		"%s is still open", path)
}

func openDescriptors(target string) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if link, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && link == target {
			n++
		}
	}
	return n
}

// A listing of assets whose next page does not come after the one read,
// or whose answer is null, fails naming the route instead of stopping
// quietly with what it has (a sync would then upload what is there).
func TestListAssetsRefusesHostileAnswers(t *testing.T) {
	tests := []struct {
		name string
		next func(n int) int // the page each answer names as the next; 0 none
		body string
		want string
	}{
		{"the same page again", func(n int) int { return n }, `[{"id":1,"name":"a"}]`, "GET /repos/o/r/releases/7/assets: the answer for page 1 names page 1 as the next"},
		{"an earlier page", func(n int) int { return map[int]int{1: 2, 2: 1}[n] }, `[{"id":1,"name":"a"}]`, "the answer for page 2 names page 1 as the next"},
		{"null", func(int) int { return 0 }, `null`, "GET /repos/o/r/releases/7/assets: the answer is null, not the list of assets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srvURL string
			repo, server, _ := newAssetRepo(t, func(n int, w http.ResponseWriter, _ *http.Request, _ []byte) {
				if next := tt.next(n); next > 0 && n < 50 {
					w.Header().Set("Link", fmt.Sprintf(`<%s/api/v3/repos/o/r/releases/7/assets?per_page=100&page=%d>; rel="next"`, srvURL, next))
				}
				writeJSON(w, http.StatusOK, tt.body)
			})
			srvURL = "http://" + repo.Client.BaseURL.Host
			_, err := repo.ListAssets(context.Background(), 7)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.LessOrEqual(t, len(server.seen()), 2)
		})
	}
}
