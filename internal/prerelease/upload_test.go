package prerelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// fakeStore is a release's assets in memory. Like GitHub it refuses an
// upload whose name is taken, and stores the SHA-256 of what it received.
type fakeStore struct {
	mu          sync.Mutex
	nextID      int64
	assets      []github.Asset
	calls       []string
	inFlight    int
	maxInFlight int

	// uploadDelay holds every upload this long (or until it is cancelled).
	uploadDelay time.Duration
	// beforeUpload runs as an upload arrives, with the store locked; a
	// non-nil error is returned instead of storing the file.
	beforeUpload func(ctx context.Context, s *fakeStore, name string) error
	// wrongDigest makes the store record another digest than the content's.
	wrongDigest bool
	// hideOnList leaves assets out of ListAssets.
	hideOnList bool
}

func (s *fakeStore) add(asset github.Asset) github.Asset {
	s.nextID++
	asset.ID = s.nextID
	s.assets = append(s.assets, asset)
	return asset
}

func (s *fakeStore) record(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

func (s *fakeStore) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

func (s *fakeStore) list() []github.Asset {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]github.Asset(nil), s.assets...)
}

func (s *fakeStore) ListAssets(_ context.Context, _ int64) ([]github.Asset, error) {
	s.record("list")
	if s.hideOnList {
		return nil, nil
	}
	return s.list(), nil
}

func (s *fakeStore) DeleteAsset(_ context.Context, assetID int64) error {
	s.record(fmt.Sprintf("delete %d", assetID))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assets = slices.DeleteFunc(s.assets, func(a github.Asset) bool { return a.ID == assetID })
	return nil
}

func (s *fakeStore) UploadAsset(ctx context.Context, _ int64, name, path string) (github.Asset, error) {
	s.record("upload " + name)
	s.mu.Lock()
	s.inFlight++
	s.maxInFlight = max(s.maxInFlight, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()

	if s.uploadDelay > 0 {
		select {
		case <-time.After(s.uploadDelay):
		case <-ctx.Done():
			return github.Asset{}, ctx.Err()
		}
	}
	content, err := os.ReadFile(path) // fine in a fake: the files are tiny
	if err != nil {
		return github.Asset{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.beforeUpload != nil {
		if err := s.beforeUpload(ctx, s, name); err != nil {
			return github.Asset{}, err
		}
	}
	for _, a := range s.assets {
		if a.Name == name {
			return github.Asset{}, alreadyExistsError()
		}
	}
	digest := digestOf(string(content))
	if s.wrongDigest {
		digest = digestOf("something else")
	}
	return s.add(github.Asset{Name: name, State: stateUploaded, Size: int64(len(content)), Digest: digest}), nil
}

// CopyAsset plays a carried asset: GitHub stores the original's bytes, so
// the copy has its digest.
func (s *fakeStore) CopyAsset(_ context.Context, _ int64, from github.Asset, name string) (github.Asset, error) {
	s.record("copy " + from.Name + " as " + name)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.assets {
		if a.Name == name {
			return github.Asset{}, alreadyExistsError()
		}
	}
	return s.add(github.Asset{Name: name, State: stateUploaded, Size: from.Size, Digest: from.Digest}), nil
}

func alreadyExistsError() error {
	return &gh.ErrorResponse{
		Response: &http.Response{StatusCode: http.StatusUnprocessableEntity, Request: uploadRequest},
		Message:  "Validation Failed",
		Errors:   []gh.Error{{Resource: "ReleaseAsset", Code: "already_exists", Field: "name"}},
	}
}

var uploadRequest, _ = http.NewRequest(http.MethodPost, "https://uploads.github.com/repos/o/r/releases/7/assets", nil)

func digestOf(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// writeFiles writes name → content files and returns them in name order.
func writeFiles(t *testing.T, contents map[string]string) []File {
	t.Helper()
	dir := t.TempDir()
	var files []File
	for name, content := range contents {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		files = append(files, File{Path: path, Name: name, Size: int64(len(content))})
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return files
}

type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func TestSyncAssets(t *testing.T) {
	contents := map[string]string{"a.tar.gz": "alpha", "b.zip": "bravo!"}
	tests := []struct {
		name      string
		existing  []github.Asset // on the release before the sync, IDs from 1
		store     *fakeStore     // nil: an empty one
		wantCalls []string
		want      SyncResult // Assets compared by name and digest only
		wantErr   string
		wantLogs  []string // each must be a logged line
	}{
		{
			name:      "fresh release gets every file",
			wantCalls: []string{"upload a.tar.gz", "upload b.zip"},
			want:      SyncResult{Uploaded: []string{"a.tar.gz", "b.zip"}},
			wantLogs:  []string{"uploaded a.tar.gz (5 B)", "uploaded b.zip (6 B)"},
		},
		{
			name: "rerun with the same files sends nothing",
			existing: []github.Asset{
				{Name: "a.tar.gz", State: stateUploaded, Digest: digestOf("alpha")},
				{Name: "b.zip", State: stateUploaded, Digest: digestOf("bravo!")},
			},
			wantCalls: nil,
			want:      SyncResult{Skipped: []string{"a.tar.gz", "b.zip"}},
			wantLogs:  []string{"skipped a.tar.gz (5 B, unchanged)"},
		},
		{
			name: "changed file is replaced",
			existing: []github.Asset{
				{Name: "a.tar.gz", State: stateUploaded, Digest: digestOf("old alpha")},
				{Name: "b.zip", State: stateUploaded, Digest: digestOf("bravo!")},
			},
			wantCalls: []string{"delete 1", "upload a.tar.gz"},
			want:      SyncResult{Uploaded: []string{"a.tar.gz"}, Skipped: []string{"b.zip"}, Replaced: []string{"a.tar.gz"}},
			wantLogs:  []string{"replacing a.tar.gz: deleted the old asset (content changed: " + digestOf("old alpha") + ", file " + digestOf("alpha") + ")"},
		},
		{
			name:      "starter leftover is replaced",
			existing:  []github.Asset{{Name: "b.zip", State: stateStarter}},
			wantCalls: []string{"upload a.tar.gz", "delete 1", "upload b.zip"},
			want:      SyncResult{Uploaded: []string{"a.tar.gz", "b.zip"}, Replaced: []string{"b.zip"}},
			wantLogs:  []string{"replacing b.zip: deleted the old asset (a broken earlier upload (state starter))"},
		},
		{
			name:      "asset without a digest is replaced, saying why",
			existing:  []github.Asset{{Name: "a.tar.gz", State: stateUploaded, Size: 5}},
			wantCalls: []string{"delete 1", "upload a.tar.gz", "upload b.zip"},
			want:      SyncResult{Uploaded: []string{"a.tar.gz", "b.zip"}, Replaced: []string{"a.tar.gz"}},
			wantLogs:  []string{"replacing a.tar.gz: deleted the old asset (GitHub reports no digest to compare)"},
		},
		{
			name: "same content uploaded meanwhile is adopted",
			store: &fakeStore{beforeUpload: onceFor("b.zip", func(s *fakeStore) {
				s.add(github.Asset{Name: "b.zip", State: stateUploaded, Digest: digestOf("bravo!")})
			})},
			wantCalls: []string{"upload a.tar.gz", "upload b.zip", "list"},
			want:      SyncResult{Uploaded: []string{"a.tar.gz"}, Skipped: []string{"b.zip"}},
			wantLogs:  []string{"skipped b.zip (6 B, uploaded meanwhile with the same content)"},
		},
		{
			name: "other content appeared meanwhile is replaced once",
			store: &fakeStore{beforeUpload: onceFor("b.zip", func(s *fakeStore) {
				s.add(github.Asset{Name: "b.zip", State: stateStarter})
			})},
			wantCalls: []string{"upload a.tar.gz", "upload b.zip", "list", "delete 2", "upload b.zip"},
			want:      SyncResult{Uploaded: []string{"a.tar.gz", "b.zip"}, Replaced: []string{"b.zip"}},
		},
		{
			name: "a name taken again after the retry is an error, not a loop",
			store: &fakeStore{beforeUpload: func(_ context.Context, s *fakeStore, name string) error {
				if name == "b.zip" && !slices.ContainsFunc(s.assets, func(a github.Asset) bool { return a.Name == name }) {
					s.add(github.Asset{Name: "b.zip", State: stateStarter})
				}
				return nil
			}},
			wantCalls: []string{"upload a.tar.gz", "upload b.zip", "list", "delete 2", "upload b.zip", "list"},
			wantErr:   "sync asset b.zip: POST https://uploads.github.com/repos/o/r/releases/7/assets: 422",
		},
		{
			// Another run finishing the same release: it replaced the
			// starter this run deleted, with the same bytes.
			name: "the same content uploaded again after the retry is adopted",
			store: &fakeStore{beforeUpload: func(_ context.Context, s *fakeStore, name string) error {
				if name != "b.zip" || slices.ContainsFunc(s.assets, func(a github.Asset) bool { return a.Name == name }) {
					return nil
				}
				if slices.Contains(s.calls, "delete 2") {
					s.add(github.Asset{Name: "b.zip", State: stateUploaded, Digest: digestOf("bravo!")})
				} else {
					s.add(github.Asset{Name: "b.zip", State: stateStarter})
				}
				return nil
			}},
			wantCalls: []string{"upload a.tar.gz", "upload b.zip", "list", "delete 2", "upload b.zip", "list"},
			want:      SyncResult{Uploaded: []string{"a.tar.gz"}, Skipped: []string{"b.zip"}, Replaced: []string{"b.zip"}},
			wantLogs:  []string{"skipped b.zip (6 B, uploaded meanwhile with the same content)"},
		},
		{
			name:      "a digest GitHub computed differently fails the sync",
			store:     &fakeStore{wrongDigest: true},
			wantCalls: []string{"upload a.tar.gz"},
			wantErr:   "sync asset a.tar.gz: check upload of ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := writeFiles(t, contents)
			store := tt.store
			if store == nil {
				store = &fakeStore{}
			}
			for _, a := range tt.existing {
				store.add(a)
			}
			logs := &logRecorder{}

			// One at a time, so the calls come in file order.
			got, err := SyncAssets(context.Background(), store, 7, store.list(), files, 1, logs.logf)
			assert.Equal(t, tt.wantCalls, store.seen())
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.Uploaded, got.Uploaded, "uploaded")
			assert.Equal(t, tt.want.Skipped, got.Skipped, "skipped")
			assert.Equal(t, tt.want.Replaced, got.Replaced, "replaced")
			require.Len(t, got.Assets, len(files))
			for i, f := range files {
				assert.Equal(t, f.Name, got.Assets[i].Name)
				assert.Equal(t, digestOf(contents[f.Name]), got.Assets[i].Digest, f.Name)
			}
			for _, line := range tt.wantLogs {
				assert.Contains(t, logs.lines, line)
			}
		})
	}
}

// onceFor runs change the first time name is uploaded.
func onceFor(name string, change func(*fakeStore)) func(context.Context, *fakeStore, string) error {
	done := false
	return func(_ context.Context, s *fakeStore, uploading string) error {
		if uploading == name && !done {
			done = true
			change(s)
		}
		return nil
	}
}

func TestSyncAssetsNameTakenButNotListed(t *testing.T) {
	files := writeFiles(t, map[string]string{"b.zip": "bravo!"})
	store := &fakeStore{hideOnList: true}
	store.add(github.Asset{Name: "b.zip", State: stateStarter})

	_, err := SyncAssets(context.Background(), store, 7, nil, files, 1, nil)
	assert.ErrorContains(t, err, "sync asset b.zip: upload asset b.zip: GitHub says the name is taken but lists no asset of that name on release 7")
	assert.Equal(t, []string{"upload b.zip", "list"}, store.seen())
}

func TestSyncAssetsRerunIsIdempotent(t *testing.T) {
	files := writeFiles(t, map[string]string{"a.tar.gz": "alpha", "b.zip": "bravo!", "c.txt": "charlie"})
	store := &fakeStore{}
	first, err := SyncAssets(context.Background(), store, 7, nil, files, 2, nil)
	require.NoError(t, err)
	assert.Len(t, first.Uploaded, 3)

	before := len(store.seen())
	second, err := SyncAssets(context.Background(), store, 7, store.list(), files, 2, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"a.tar.gz", "b.zip", "c.txt"}, second.Skipped)
	assert.Empty(t, second.Uploaded)
	assert.Len(t, store.seen(), before, "a rerun sends no request")
	assert.Equal(t, first.Assets, second.Assets)
}

func TestSyncAssetsFirstErrorCancelsTheRest(t *testing.T) {
	errBroken := errors.New("connection reset")
	files := writeFiles(t, map[string]string{"a.bin": "a", "b.bin": "b", "c.bin": "c", "d.bin": "d"})
	// b.bin is held until the sync is cancelled.
	store := &fakeStore{uploadDelay: time.Minute}

	done := make(chan struct{})
	var got SyncResult
	var err error
	go func() {
		defer close(done)
		got, err = SyncAssets(context.Background(), &failFirst{fakeStore: store, fail: "a.bin", err: errBroken}, 7, nil, files, 2, nil)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("SyncAssets did not stop after the first error")
	}
	require.ErrorIs(t, err, errBroken)
	assert.ErrorContains(t, err, "sync asset a.bin: connection reset")
	calls := store.seen()
	assert.Contains(t, calls, "upload a.bin")
	assert.Subset(t, []string{"upload a.bin", "upload b.bin"}, calls, "c.bin and d.bin are never uploaded")
	assert.Empty(t, got.Assets)
}

// failFirst fails the named upload at once; the fake holds the others.
type failFirst struct {
	*fakeStore
	fail string
	err  error
}

func (f *failFirst) UploadAsset(ctx context.Context, releaseID int64, name, path string) (github.Asset, error) {
	if name == f.fail {
		f.record("upload " + name)
		return github.Asset{}, f.err
	}
	return f.fakeStore.UploadAsset(ctx, releaseID, name, path)
}

func TestSyncAssetsConcurrencyLimit(t *testing.T) {
	tests := []struct {
		name        string
		concurrency int
		want        int
	}{
		{"one at a time", 1, 1},
		{"three at once", 3, 3},
		{"no more than there are files", 20, 12},
		{"zero means one", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			contents := map[string]string{}
			for i := range 12 {
				contents[fmt.Sprintf("f%02d.bin", i)] = fmt.Sprint(i)
			}
			files := writeFiles(t, contents)
			store := &fakeStore{uploadDelay: 20 * time.Millisecond}

			got, err := SyncAssets(context.Background(), store, 7, nil, files, tt.concurrency, nil)
			require.NoError(t, err)
			assert.Len(t, got.Uploaded, 12)
			assert.LessOrEqual(t, store.maxInFlight, max(tt.concurrency, 1), "never over the limit")
			assert.Equal(t, tt.want, store.maxInFlight, "the limit is used")
		})
	}
}

func TestSyncAssetsCancelled(t *testing.T) {
	files := writeFiles(t, map[string]string{"a.bin": "a"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	store := &fakeStore{}
	_, err := SyncAssets(ctx, store, 7, nil, files, 1, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorContains(t, err, "sync asset a.bin")
	assert.Empty(t, store.seen())
}

func TestAlreadyExists(t *testing.T) {
	withCode := func(status int, code string) error {
		return &gh.ErrorResponse{Response: &http.Response{StatusCode: status}, Errors: []gh.Error{{Code: code}}}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"422 already_exists", withCode(422, "already_exists"), true},
		{"wrapped", fmt.Errorf("upload asset a: %w", withCode(422, "already_exists")), true},
		{"422 for another reason", withCode(422, "invalid"), false},
		{"other status with the code", withCode(500, "already_exists"), false},
		{"message alone is not enough", errors.New("422 already_exists"), false},
		{"no response", &gh.ErrorResponse{Errors: []gh.Error{{Code: "already_exists"}}}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, alreadyExists(tt.err))
		})
	}
}

func TestFileDigestStreams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sparse")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	require.NoError(t, os.Truncate(path, 3<<20))
	got, err := fileDigest(context.Background(), path)
	require.NoError(t, err)
	assert.Equal(t, digestOf(string(make([]byte, 3<<20))), got)

	_, err = fileDigest(context.Background(), filepath.Join(t.TempDir(), "missing"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "hash ")
}

// TestSyncAssetsThroughRepo runs SyncAssets on github.Repo and the real
// client, so the already_exists answer is seen as GitHub sends it.
func TestSyncAssetsThroughRepo(t *testing.T) {
	files := writeFiles(t, map[string]string{"a.tar.gz": "alpha", "b.zip": "bravo!"})
	var mu sync.Mutex
	var requests []string
	uploads := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		requests = append(requests, r.Method+" "+r.URL.Path+" "+r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		switch name := r.URL.Query().Get("name"); {
		case r.Method == http.MethodGet:
			// A racing run uploaded a.tar.gz with the same content.
			fmt.Fprintf(w, `[{"id":3,"name":"a.tar.gz","state":"uploaded","size":5,"digest":%q}]`, digestOf("alpha"))
		case name == "a.tar.gz":
			w.WriteHeader(http.StatusUnprocessableEntity)
			_, _ = io.WriteString(w, `{"message":"Validation Failed","errors":[{"resource":"ReleaseAsset","code":"already_exists","field":"name"}]}`)
		case uploads[name] == 0:
			uploads[name]++
			w.WriteHeader(http.StatusBadGateway)
		default:
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"id":4,"name":%q,"state":"uploaded","size":%d,"digest":%q}`, name, len(body), digestOf(string(body)))
		}
	}))
	defer srv.Close()
	client, err := github.NewClient(github.Config{
		APIURL: srv.URL + "/api/v3", HTTPClient: srv.Client(), MaxWait: time.Minute,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	require.NoError(t, err)

	got, err := SyncAssets(context.Background(), github.Repo{Client: client, Owner: "o", Name: "r"}, 1, nil, files, 1, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"b.zip"}, got.Uploaded)
	assert.Equal(t, []string{"a.tar.gz"}, got.Skipped)
	assert.Equal(t, []string{
		"POST /api/uploads/repos/o/r/releases/1/assets name=a.tar.gz",
		"GET /api/v3/repos/o/r/releases/1/assets per_page=100",
		"POST /api/uploads/repos/o/r/releases/1/assets name=b.zip",
		"POST /api/uploads/repos/o/r/releases/1/assets name=b.zip",
	}, requests)
}

// newFakeClock is a clock the test moves by hand.
func newFakeClock() *githubtest.Clock {
	return githubtest.NewClock(time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC))
}

// What a tick says of an upload: the bytes handed over of the total, the
// rate and the time left, or, once all is sent, how long GitHub has taken
// to confirm; the reads alone say nothing, and the end says how long the
// upload took if a tick told it.
func TestProgress(t *testing.T) {
	const mib = 1 << 20
	type event struct {
		at   time.Duration // since the upload started
		sent int64         // by the attempt so far; -1 for a tick
	}
	tick := func(at time.Duration) event { return event{at: at, sent: -1} }
	read := func(at time.Duration, sent int64) event { return event{at: at, sent: sent} }
	const name = "bllvm-node-linux-x64.tar.gz"
	tests := []struct {
		name     string
		total    int64
		events   []event // the last one ends the upload
		want     []string
		wantTook string
	}{
		{"reads alone say nothing", 120 * mib,
			[]event{read(12*time.Second, 60*mib), read(30*time.Second, 120*mib)}, nil, ""},
		{"a tick while sending: handed over, rate, time left", 120 * mib,
			[]event{read(5*time.Second, 20*mib), read(10*time.Second, 48*mib), tick(10 * time.Second), read(17*time.Second, 90*mib), tick(20 * time.Second), read(25*time.Second, 120*mib)},
			[]string{
				"uploading " + name + ": 48.0 MiB of 120.0 MiB (40%), 4.8 MiB/s, about 15s left",
				"uploading " + name + ": 90.0 MiB of 120.0 MiB (75%), 4.5 MiB/s, about 7s left",
			}, " in 25s, 4.8 MiB/s"},
		{"a tick before any byte: time left unknown", 120 * mib,
			[]event{tick(10 * time.Second), read(35*time.Second, 120*mib)},
			[]string{"uploading " + name + ": 0 B of 120.0 MiB (0%), 0 B/s, time left unknown"}, " in 35s, 3.4 MiB/s"},
		{"a tick at the very start: no rate yet", 120 * mib,
			[]event{tick(0), read(10*time.Second, 120*mib)},
			[]string{"uploading " + name + ": 0 B of 120.0 MiB (0%), 0 B/s, time left unknown"}, " in 10s, 12.0 MiB/s"},
		{"all sent: how long GitHub takes to confirm", 120 * mib,
			[]event{read(4*time.Second, 120*mib), tick(10 * time.Second), tick(20 * time.Second), read(23*time.Second, 120*mib)},
			[]string{
				"uploading " + name + ": all 120.0 MiB sent, waiting for GitHub to confirm (6s)",
				"uploading " + name + ": all 120.0 MiB sent, waiting for GitHub to confirm (16s)",
			}, " in 23s, 5.2 MiB/s"},
		{"a retry sending the body again starts over", 120 * mib,
			[]event{read(8*time.Second, 40*mib), read(9*time.Second, 1*mib), read(19*time.Second, 48*mib), tick(19 * time.Second), read(28*time.Second, 120*mib)},
			[]string{"uploading " + name + ": 48.0 MiB of 120.0 MiB (40%), 4.8 MiB/s, about 15s left"}, " in 28s, 4.3 MiB/s"},
		{"all sent, then sent again: sending, not waiting", 120 * mib,
			[]event{read(5*time.Second, 120*mib), read(6*time.Second, 10*mib), tick(16 * time.Second), read(30*time.Second, 120*mib)},
			[]string{"uploading " + name + ": 10.0 MiB of 120.0 MiB (8%), 1.0 MiB/s, about 1m50s left"}, " in 30s, 4.0 MiB/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			start := clock.Now()
			logs := &logRecorder{}
			p := newProgress("uploading", name, tt.total, clock.Now, logs.logf)
			for _, e := range tt.events {
				clock.Advance(start.Add(e.at).Sub(clock.Now()))
				if e.sent < 0 {
					p.tell()
				} else {
					p.advance(e.sent)
				}
			}
			assert.Equal(t, tt.want, logs.lines)
			assert.Equal(t, tt.wantTook, p.took(), "the end of the upload")
		})
	}
}

// The real ticker ticks until stopped, and not after.
func TestRealTicker(t *testing.T) {
	var mu sync.Mutex
	stopped := false
	ticked := make(chan struct{}, 1)
	stop := realTicker(time.Millisecond, func() {
		mu.Lock()
		defer mu.Unlock()
		assert.False(t, stopped, "a tick after stop returned")
		select {
		case ticked <- struct{}{}:
		default:
		}
	})
	for range 2 {
		select {
		case <-ticked:
		case <-time.After(10 * time.Second):
			t.Fatal("no tick within 10s")
		}
	}
	stop()
	mu.Lock()
	stopped = true
	mu.Unlock()
}

// slowUploads plays uploads.github.com for files named slow*: it reads the
// body (Content-Length bytes) perSecond bytes at a time, a second of the
// clock passing before each read, then takes confirm of the clock to
// answer as GitHub does. Other uploads are read and answered at once.
type slowUploads struct {
	ticks     *githubtest.Ticks
	perSecond int
	confirm   time.Duration
}

func (s slowUploads) RoundTrip(r *http.Request) (*http.Response, error) {
	name := r.URL.Query().Get("name")
	slow := strings.HasPrefix(name, "slow")
	hash := sha256.New()
	var size int64
	chunk := make([]byte, s.perSecond)
	for size < r.ContentLength {
		if slow {
			s.ticks.Advance(time.Second)
		}
		n, err := io.ReadFull(r.Body, chunk)
		hash.Write(chunk[:n])
		size += int64(n)
		if err != nil && err != io.ErrUnexpectedEOF {
			return nil, err
		}
	}
	r.Body.Close()
	if slow {
		s.ticks.Advance(s.confirm)
	}
	body := fmt.Sprintf(`{"id":1,"name":%q,"state":"uploaded","size":%d,"digest":"sha256:%x"}`, name, size, hash.Sum(nil))
	return &http.Response{StatusCode: http.StatusCreated, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// Through github.Repo, progress follows the clock: every 10 s while an
// upload is in flight, the bytes handed over so far, then, once all is
// sent, how long GitHub has taken to confirm; a fast upload beside it
// says nothing.
func TestSyncAssetsTellsProgress(t *testing.T) {
	const mib = 1 << 20
	dir := t.TempDir()
	var files []File
	for name, size := range map[string]int64{"fast.zip": 3 * mib, "slow.tar.gz": 25 * mib} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, nil, 0o600))
		require.NoError(t, os.Truncate(path, size))
		files = append(files, File{Path: path, Name: name, Size: size})
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	clock := newFakeClock()
	ticks := githubtest.NewTicks(clock)
	client, err := github.NewClient(github.Config{
		APIURL: "https://api.github.com", HTTPClient: &http.Client{Transport: slowUploads{ticks: ticks, perSecond: mib, confirm: 12 * time.Second}},
		MaxWait: time.Minute, Now: clock.Now, Sleep: func(context.Context, time.Duration) error { return nil },
	})
	require.NoError(t, err)
	logs := &logRecorder{}
	ctx := WithTicker(context.Background(), ticks.Ticker)

	got, err := Sync{Concurrency: 1, Logf: logs.logf, Now: clock.Now}.Assets(ctx, github.Repo{Client: client, Owner: "o", Name: "r"}, 1, nil, files)
	require.NoError(t, err)
	assert.Equal(t, []string{"fast.zip", "slow.tar.gz"}, got.Uploaded)
	assert.Equal(t, []string{
		"uploaded fast.zip (3.0 MiB)",
		"uploading slow.tar.gz: 9.0 MiB of 25.0 MiB (36%), 921.6 KiB/s, about 18s left",
		"uploading slow.tar.gz: 19.0 MiB of 25.0 MiB (76%), 972.8 KiB/s, about 6s left",
		"uploading slow.tar.gz: all 25.0 MiB sent, waiting for GitHub to confirm (5s)",
		"uploaded slow.tar.gz (25.0 MiB) in 37s, 691.9 KiB/s",
	}, logs.lines)
}

// TestSyncAssetsReadsWhatWasChecked: a link inside the workspace that is
// pointed elsewhere after ResolveAssets checked it does not change what is
// uploaded: the file is read from the path that was checked.
func TestSyncAssetsReadsWhatWasChecked(t *testing.T) {
	workspace, outside := t.TempDir(), t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(workspace, "dist"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(workspace, "build.tar.gz"), []byte("the build"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("a secret"), 0o644))
	link := filepath.Join(workspace, "dist", "build.tar.gz")
	require.NoError(t, os.Symlink(filepath.Join(workspace, "build.tar.gz"), link))

	files, _, err := ResolveAssets(workspace, []string{"dist/*"}, true)
	require.NoError(t, err)
	require.Len(t, files, 1)
	// Another step repoints the link before the upload.
	require.NoError(t, os.Remove(link))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret"), link))

	store := &fakeStore{}
	got, err := SyncAssets(context.Background(), store, 1, nil, files, 1, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{digestOf("the build")}, got.Digests)
	require.Len(t, store.list(), 1)
	assert.Equal(t, digestOf("the build"), store.list()[0].Digest, "the checked file was uploaded, not the link's new target")
}
