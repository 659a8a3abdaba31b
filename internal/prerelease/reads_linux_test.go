package prerelease

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/github"
)

// openWatch counts the times files are opened, by any code of the
// process, through inotify: SyncAssets opens files with os.Open and takes
// no file system to count through, and a counter must not change what it
// measures. Closes are watched too: inotify merges an event into an
// identical one still queued, so two opens in a row would count as one
// unless a close comes between them.
type openWatch struct {
	t     *testing.T
	fd    int
	names map[int32]string // by watch descriptor
}

func watchOpens(t *testing.T, files []File) *openWatch {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Close(fd) })
	w := &openWatch{t: t, fd: fd, names: map[int32]string{}}
	for _, f := range files {
		if f.Path == "" {
			continue
		}
		wd, err := syscall.InotifyAddWatch(fd, f.Path, syscall.IN_OPEN|syscall.IN_CLOSE_NOWRITE)
		require.NoError(t, err)
		w.names[int32(wd)] = f.Name
	}
	return w
}

// opens returns the opens seen since the watch began, by file name, and
// checks that each was closed.
func (w *openWatch) opens() map[string]int {
	w.t.Helper()
	counts, closes := map[string]int{}, map[string]int{}
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(w.fd, buf)
		if errors.Is(err, syscall.EAGAIN) {
			assert.Equal(w.t, counts, closes, "every file opened is closed")
			return counts
		}
		require.NoError(w.t, err)
		for offset := 0; offset+syscall.SizeofInotifyEvent <= n; {
			event := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[offset]))
			require.Zero(w.t, event.Mask&syscall.IN_Q_OVERFLOW, "inotify dropped events")
			if event.Mask&syscall.IN_OPEN != 0 {
				counts[w.names[event.Wd]]++
			}
			if event.Mask&syscall.IN_CLOSE_NOWRITE != 0 {
				closes[w.names[event.Wd]]++
			}
			offset += syscall.SizeofInotifyEvent + int(event.Len)
		}
	}
}

// SyncAssets reads each file once to hash it, and the upload once more:
// the digests it returns, which the checksums are written from, come from
// that one read, never from a read of their own. A file already on the
// release with its digest is read once; a carried asset is not read at all.
func TestSyncAssetsReadsEachFileOnceToHash(t *testing.T) {
	contents := map[string]string{"consensus-linux-x64.tar.gz": "consensus build", "manifest.json": "{}\n", "sdk-linux-x64.tar.gz": "sdk build"}
	carried := github.Asset{ID: 70, Name: "node-linux-x64.tar.gz", State: stateUploaded, Size: 10, Digest: digestOf("node build")}
	tests := []struct {
		name     string
		existing map[string]string // name → content of what the release holds
		// wantOpens is each file's opens: hashing, and the fake store's
		// upload reading it once.
		wantOpens    map[string]int
		wantUploaded []string
	}{
		{
			name:         "a new release: hashed, then uploaded",
			wantOpens:    map[string]int{"consensus-linux-x64.tar.gz": 2, "manifest.json": 2, "sdk-linux-x64.tar.gz": 2},
			wantUploaded: []string{"consensus-linux-x64.tar.gz", "manifest.json", "sdk-linux-x64.tar.gz", carried.Name},
		},
		{
			name:         "a rerun: hashed only",
			existing:     map[string]string{"consensus-linux-x64.tar.gz": "consensus build", "manifest.json": "{}\n", "sdk-linux-x64.tar.gz": "sdk build", carried.Name: "node build"},
			wantOpens:    map[string]int{"consensus-linux-x64.tar.gz": 1, "manifest.json": 1, "sdk-linux-x64.tar.gz": 1},
			wantUploaded: nil,
		},
		{
			name:         "one file changed: it alone is read again, to upload",
			existing:     map[string]string{"consensus-linux-x64.tar.gz": "consensus build", "manifest.json": "{}\n", "sdk-linux-x64.tar.gz": "an older sdk build", carried.Name: "node build"},
			wantOpens:    map[string]int{"consensus-linux-x64.tar.gz": 1, "manifest.json": 1, "sdk-linux-x64.tar.gz": 2},
			wantUploaded: []string{"sdk-linux-x64.tar.gz"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := append(writeFiles(t, contents), File{Name: carried.Name, Size: carried.Size, From: &carried})
			store := &fakeStore{}
			for name, content := range tt.existing {
				store.add(github.Asset{Name: name, State: stateUploaded, Size: int64(len(content)), Digest: digestOf(content)})
			}
			watch := watchOpens(t, files)

			got, err := SyncAssets(context.Background(), store, 1, store.list(), files, 2, nil)
			require.NoError(t, err)

			want := make([]string, len(files))
			for i, f := range files {
				want[i] = digestOf(contents[f.Name])
			}
			want[len(files)-1] = carried.Digest
			assert.Equal(t, want, got.Digests, "each file's SHA-256, in file order; the carried asset's from GitHub")
			assert.Equal(t, tt.wantOpens, watch.opens(), "opens per file")
			assert.ElementsMatch(t, tt.wantUploaded, got.Uploaded)
		})
	}
}

// Through github.Repo, as the action runs: the upload opens the file once
// more, and a retried upload reopens it (which this test does not do).
func TestSyncAssetsThroughRepoReadsEachFileTwice(t *testing.T) {
	contents := map[string]string{"a.tar.gz": "alpha", "b.zip": "bravo!"}
	files := writeFiles(t, contents)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":4,"name":%q,"state":"uploaded","size":%d,"digest":%q}`, r.URL.Query().Get("name"), len(body), digestOf(string(body)))
	}))
	defer srv.Close()
	client, err := github.NewClient(github.Config{
		APIURL: srv.URL + "/api/v3", HTTPClient: srv.Client(), MaxWait: time.Minute,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	require.NoError(t, err)
	watch := watchOpens(t, files)

	got, err := SyncAssets(context.Background(), github.Repo{Client: client, Owner: "o", Name: "r"}, 1, nil, files, 2, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{digestOf("alpha"), digestOf("bravo!")}, got.Digests)
	assert.Equal(t, map[string]int{"a.tar.gz": 2, "b.zip": 2}, watch.opens(), "hashed once, uploaded once")
	for _, f := range files {
		assert.Equal(t, filepath.Base(f.Path), f.Name)
	}
}
