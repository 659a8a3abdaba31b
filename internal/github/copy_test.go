package github

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// copyWorld plays what CopyAsset talks to: the API, which answers the
// download of asset 5 (and takes uploads), and the storage it redirects
// to, on another origin as GitHub's is.
type copyWorld struct {
	mu       sync.Mutex
	api      []string // method, path and what the test needs of each request
	storage  []http.Header
	uploads  []string // each upload's body
	download func(w http.ResponseWriter, storageURL string)
	store    func(n int, w http.ResponseWriter, at hosts)
	upload   func(n int, w http.ResponseWriter, body []byte)
	// list answers the listing of release 7's assets; nil: 404.
	list func(w http.ResponseWriter)
}

// hosts are the bases of the copy world's servers, for a storage that
// redirects to one of them.
type hosts struct{ api, storage string }

const (
	copied      = "the bytes of a build carried over\n"
	signedPath  = "/bucket/1/object-key"
	signedQuery = "X-Amz-Signature=deadbeef&X-Amz-Expires=300"
)

func redirect(w http.ResponseWriter, storageURL string) {
	w.Header().Set("Location", storageURL)
	w.WriteHeader(http.StatusFound)
}

func serveBytes(content string) func(int, http.ResponseWriter, hosts) {
	return func(_ int, w http.ResponseWriter, _ hosts) {
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		_, _ = io.WriteString(w, content)
	}
}

func created(n int, w http.ResponseWriter, body []byte) {
	sum := sha256.Sum256(body)
	writeJSON(w, http.StatusCreated, fmt.Sprintf(`{"id":%d,"name":"node-linux-x64.tar.gz","state":"uploaded","size":%d,"digest":"sha256:%s"}`, 100+n, len(body), hex.EncodeToString(sum[:])))
}

func newCopyWorld(t *testing.T, cw *copyWorld, configure ...func(*Config)) (Repo, *fakeWorld) {
	t.Helper()
	var at hosts
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw.mu.Lock()
		cw.storage = append(cw.storage, r.Header.Clone())
		n := len(cw.storage)
		cw.mu.Unlock()
		cw.store(n, w, at)
	}))
	t.Cleanup(storage.Close)
	storageURL := storage.URL + signedPath + "?" + signedQuery
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		cw.mu.Lock()
		cw.api = append(cw.api, r.Method+" "+r.URL.Path+" Accept="+r.Header.Get("Accept"))
		var n int
		if r.Method == http.MethodPost {
			cw.uploads = append(cw.uploads, string(body))
			n = len(cw.uploads)
		}
		cw.mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/api/v3/repos/o/r/releases/assets/5":
			cw.download(w, storageURL)
		case r.Method == http.MethodPost && r.URL.Path == "/api/uploads/repos/o/r/releases/7/assets":
			assert.Equal(t, strconv.Itoa(len(copied)), r.Header.Get("Content-Length"), "the upload announces the asset's size")
			cw.upload(n, w, body)
		case r.Method == http.MethodGet && r.URL.Path == "/api/v3/repos/o/r/releases/7/assets" && cw.list != nil:
			cw.list(w)
		case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/api/v3/repos/o/r/releases/assets/"):
			w.WriteHeader(http.StatusNoContent)
		default:
			writeJSON(w, http.StatusNotFound, `{"message":"Not Found"}`)
		}
	}))
	t.Cleanup(api.Close)
	at = hosts{api: api.URL, storage: storage.URL}
	world := &fakeWorld{}
	cfg := world.config(api)
	for _, change := range configure {
		change(&cfg)
	}
	client, err := NewClient(cfg)
	require.NoError(t, err)
	return Repo{Client: client, Owner: "o", Name: "r"}, world
}

func TestCopyAsset(t *testing.T) {
	sum := sha256.Sum256([]byte(copied))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	from := Asset{ID: 5, Name: "node-linux-x64.tar.gz", State: "uploaded", Size: int64(len(copied)), Digest: digest}
	unreachable := httptest.NewServer(http.NotFoundHandler())
	unreachable.Close()
	tests := []struct {
		name         string
		download     func(w http.ResponseWriter, storageURL string)
		store        func(n int, w http.ResponseWriter, at hosts)
		upload       func(n int, w http.ResponseWriter, body []byte)
		wantErr      []string // each must be in the error; none: it succeeds
		wantNotInErr []string
		wantStorage  int // downloads from storage
		wantAPIGets  int // GETs of the API, each with the token; 0: not counted
		wantUploads  int // each carrying every byte
	}{
		{
			name:        "streamed from storage to the upload",
			download:    redirect,
			store:       serveBytes(copied),
			upload:      created,
			wantStorage: 1, wantUploads: 1,
		},
		{
			name:        "the API serving the bytes itself: no storage",
			download:    func(w http.ResponseWriter, _ string) { serveBytes(copied)(0, w, hosts{}) },
			upload:      created,
			wantStorage: 0, wantUploads: 1,
		},
		{
			name:     "a retried upload downloads again",
			download: redirect,
			store:    serveBytes(copied),
			upload: func(n int, w http.ResponseWriter, body []byte) {
				if n == 1 {
					writeJSON(w, http.StatusBadGateway, `{"message":"Bad Gateway"}`)
					return
				}
				created(n, w, body)
			},
			wantStorage: 2, wantUploads: 2,
		},
		{
			name:        "storage announcing another size: nothing uploaded",
			download:    redirect,
			store:       serveBytes(copied + "and more"),
			wantErr:     []string{"copy asset node-linux-x64.tar.gz: ", fmt.Sprintf("%d bytes announced, the asset has %d", len(copied)+8, len(copied))},
			wantStorage: 1,
		},
		{
			name:     "storage refusing: nothing uploaded, the signed URL not quoted",
			download: redirect,
			store: func(_ int, w http.ResponseWriter, _ hosts) {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, "<Error><Code>AccessDenied</Code></Error>")
			},
			wantErr:      []string{"copy asset node-linux-x64.tar.gz: download asset 5 from GitHub's storage: answered 403"},
			wantNotInErr: []string{"X-Amz-Signature", "deadbeef"},
			wantStorage:  1,
		},
		{
			name:     "storage redirecting to the API: not followed, the token stays home",
			download: redirect,
			store: func(_ int, w http.ResponseWriter, at hosts) {
				redirect(w, at.api+"/api/v3/repos/o/r/releases/assets/5?X-Amz-Signature=deadbeef")
			},
			wantErr: []string{
				"copy asset node-linux-x64.tar.gz: download asset 5: GitHub's storage redirected to http://127.0.0.1:",
				"/api/v3/repos/o/r/releases/assets/5, which would receive the token",
			},
			wantNotInErr: []string{"X-Amz-Signature", "deadbeef"},
			wantStorage:  1, wantAPIGets: 1,
		},
		{
			name:     "storage redirecting within itself, up to 3 times: followed",
			download: redirect,
			store: func(n int, w http.ResponseWriter, at hosts) {
				if n <= 3 {
					redirect(w, at.storage+signedPath+"?"+signedQuery+"&hop="+strconv.Itoa(n))
					return
				}
				serveBytes(copied)(n, w, at)
			},
			upload:      created,
			wantStorage: 4, wantUploads: 1,
		},
		{
			name:     "storage redirecting without end: stopped after 3",
			download: redirect,
			store: func(n int, w http.ResponseWriter, at hosts) {
				redirect(w, at.storage+signedPath+"?"+signedQuery+"&hop="+strconv.Itoa(n))
			},
			wantErr:      []string{"copy asset node-linux-x64.tar.gz: download asset 5: GitHub's storage redirected more than 3 times"},
			wantNotInErr: []string{"X-Amz-Signature", "deadbeef"},
			wantStorage:  4,
		},
		{
			name:     "storage unreachable: nothing uploaded",
			download: func(w http.ResponseWriter, _ string) { redirect(w, unreachable.URL+signedPath+"?"+signedQuery) },
			wantErr:  []string{"copy asset node-linux-x64.tar.gz: download asset 5 from GitHub's storage: ", "connection refused"},
		},
		{
			name:     "a redirect to another scheme is refused",
			download: func(w http.ResponseWriter, _ string) { redirect(w, "ftp://storage.example/object") },
			wantErr:  []string{"GitHub redirected to ", "not a storage URL"},
		},
		{
			name:     "the asset gone",
			download: func(w http.ResponseWriter, _ string) { writeJSON(w, http.StatusNotFound, `{"message":"Not Found"}`) },
			wantErr:  []string{"copy asset node-linux-x64.tar.gz: download asset 5: ", "404"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := &copyWorld{download: tt.download, store: tt.store, upload: tt.upload}
			repo, _ := newCopyWorld(t, cw)

			asset, err := repo.CopyAsset(context.Background(), 7, from, from.Name)

			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					assert.ErrorContains(t, err, want)
				}
				for _, unwanted := range tt.wantNotInErr {
					assert.NotContains(t, err.Error(), unwanted)
				}
			} else {
				require.NoError(t, err)
				assert.Equal(t, digest, asset.Digest, "the upload's answer is returned")
			}
			cw.mu.Lock()
			defer cw.mu.Unlock()
			if tt.store != nil {
				assert.Len(t, cw.storage, tt.wantStorage, "downloads from storage")
			}
			for _, header := range cw.storage {
				assert.Empty(t, header.Get("Authorization"), "the token never reaches storage")
			}
			assert.Len(t, cw.uploads, tt.wantUploads)
			for i, body := range cw.uploads {
				assert.Equal(t, copied, body, "upload %d carries every byte", i+1)
			}
			gets := 0
			for _, r := range cw.api {
				if strings.HasPrefix(r, "GET ") {
					gets++
					assert.Equal(t, "GET /api/v3/repos/o/r/releases/assets/5 Accept=application/octet-stream", r, "the bytes are asked for, not the JSON")
				}
			}
			if tt.wantAPIGets > 0 {
				assert.Equal(t, tt.wantAPIGets, gets, "requests that carried the token to the API")
			}
		})
	}
}

// A carried asset is hashed on its way from storage to the upload: bytes
// that are not what GitHub lists never complete an upload, and what the
// cut upload left is deleted.
func TestCopyAssetChecksTheDigest(t *testing.T) {
	listed := digestOf(copied)
	other := "The bytes of a build carried over\n" // as long, one letter changed
	starter := func(w http.ResponseWriter) {
		writeJSON(w, http.StatusOK, `[{"id":9,"name":"node-linux-x64.tar.gz","state":"starter","size":0}]`)
	}
	tests := []struct {
		name         string
		digest       string // the listed digest
		served       string // what storage serves
		list         func(w http.ResponseWriter)
		wantErr      []string // none: copied
		wantStorage  int
		wantRequests []string // requests to the API after the upload, besides the download
	}{
		{
			name: "the bytes GitHub lists: copied", digest: listed, served: copied,
			wantStorage: 1,
		},
		{
			name: "other bytes: the upload cut before its end, the starter deleted", digest: listed, served: other, list: starter,
			wantErr: []string{
				"copy asset node-linux-x64.tar.gz: the bytes GitHub's storage served have " + digestOf(other) + ", not " + listed + " as GitHub lists for the asset; the half-made copy was deleted",
			},
			wantStorage:  1,
			wantRequests: []string{"GET /api/v3/repos/o/r/releases/7/assets", "DELETE /api/v3/repos/o/r/releases/assets/9"},
		},
		{
			name: "other bytes, and another run's whole copy meanwhile: that one kept", digest: listed, served: other,
			list: func(w http.ResponseWriter) {
				writeJSON(w, http.StatusOK, fmt.Sprintf(`[{"id":9,"name":"node-linux-x64.tar.gz","state":"uploaded","size":%d,"digest":%q}]`, len(copied), listed))
			},
			wantErr:      []string{"not " + listed + " as GitHub lists for the asset; no half-made copy was left on the release"},
			wantStorage:  1,
			wantRequests: []string{"GET /api/v3/repos/o/r/releases/7/assets"},
		},
		{
			name: "other bytes, the listing failing: what may be left is said", digest: listed, served: other,
			wantErr: []string{
				"not " + listed + " as GitHub lists for the asset; a half-made copy may be left on the release, which a rerun replaces (list assets of release 7: ",
			},
			wantStorage:  1,
			wantRequests: []string{"GET /api/v3/repos/o/r/releases/7/assets"},
		},
		{
			name: "no digest listed: refused before any request", digest: "", served: copied,
			wantErr: []string{`copy asset node-linux-x64.tar.gz: GitHub lists no sha256 digest for it (""), so a copy could not be checked`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cw := &copyWorld{download: redirect, store: serveBytes(tt.served), upload: created, list: tt.list}
			repo, _ := newCopyWorld(t, cw)
			from := Asset{ID: 5, Name: "node-linux-x64.tar.gz", State: "uploaded", Size: int64(len(copied)), Digest: tt.digest}

			asset, err := repo.CopyAsset(context.Background(), 7, from, from.Name)

			cw.mu.Lock()
			defer cw.mu.Unlock()
			assert.Len(t, cw.storage, tt.wantStorage, "downloads from storage")
			var after []string
			for _, r := range cw.api {
				if !strings.Contains(r, "/releases/assets/5 ") && !strings.HasPrefix(r, "POST ") {
					after = append(after, strings.TrimSuffix(r, " Accept=application/vnd.github.v3+json"))
				}
			}
			assert.Equal(t, tt.wantRequests, after)
			if len(tt.wantErr) == 0 {
				require.NoError(t, err)
				assert.Equal(t, listed, asset.Digest)
				assert.Equal(t, []string{copied}, cw.uploads)
				return
			}
			for _, want := range tt.wantErr {
				assert.ErrorContains(t, err, want)
			}
			assert.NotContains(t, cw.uploads, tt.served, "no upload carried every byte")
		})
	}
}

func digestOf(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// One max-wait bounds a whole copy: the waits of its downloads count
// with those of its upload, so the upload retries less after a download
// that had to wait.
func TestCopySpendsOneMaxWait(t *testing.T) {
	cw := &copyWorld{
		download: redirect,
		store: func(n int, w http.ResponseWriter, at hosts) {
			if n <= 2 {
				writeJSON(w, http.StatusServiceUnavailable, `<Error><Code>SlowDown</Code></Error>`)
				return
			}
			serveBytes(copied)(n, w, at)
		},
		upload: func(_ int, w http.ResponseWriter, _ []byte) {
			writeJSON(w, http.StatusBadGateway, `{"message":"Bad Gateway"}`)
		},
	}
	repo, world := newCopyWorld(t, cw, func(cfg *Config) { cfg.MaxWait = 8 * time.Second })
	from := Asset{ID: 5, Name: "node-linux-x64.tar.gz", State: "uploaded", Size: int64(len(copied)), Digest: digestOf(copied)}

	_, err := repo.CopyAsset(context.Background(), 7, from, from.Name)

	require.Error(t, err)
	// The download waits 1s and 2s; 5s are left for the upload's waits.
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, time.Second, 2 * time.Second}, world.slept())
	cw.mu.Lock()
	defer cw.mu.Unlock()
	assert.Len(t, cw.uploads, 3, "upload attempts")
	logs := world.logged()
	assert.Contains(t, logs[len(logs)-1], "after attempt 3: 502 Bad Gateway: waiting 4s more would exceed max-wait 8s (2s left)")
}
