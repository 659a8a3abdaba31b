package prerelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/BTCDecoded/release-action/internal/github"
)

// uploadServer plays GitHub's upload endpoint for one release of o/r. It
// reads every body in small pieces, as GitHub would, and keeps nothing of it.
type uploadServer struct {
	delay time.Duration // how long each upload takes besides the transfer
	hash  bool          // answer with the digest of what was received

	mu     sync.Mutex
	nextID int64
}

func (s *uploadServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/uploads/repos/o/r/releases/1/assets" {
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		return
	}
	sum := sha256.New()
	sink := io.Writer(io.Discard)
	if s.hash {
		sink = sum
	}
	size, err := io.Copy(sink, r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	time.Sleep(s.delay)

	s.mu.Lock()
	s.nextID++
	asset := github.Asset{ID: s.nextID, Name: r.URL.Query().Get("name"), State: "uploaded", Size: size}
	s.mu.Unlock()
	if s.hash {
		asset.Digest = digestString(sum)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(asset)
}

func digestString(sum hash.Hash) string { return "sha256:" + hex.EncodeToString(sum.Sum(nil)) }

// benchRepo is github.Repo on the real client (retry transport included)
// pointed at server.
func benchRepo(b *testing.B, server http.Handler) github.Repo {
	b.Helper()
	srv := httptest.NewServer(server)
	b.Cleanup(srv.Close)
	client, err := github.NewClient(github.Config{
		APIURL:     srv.URL + "/api/v3",
		HTTPClient: srv.Client(),
		MaxWait:    time.Minute,
		Sleep:      func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	return github.Repo{Client: client, Owner: "o", Name: "r"}
}

// BenchmarkUploadConcurrency uploads 16 small files to a server that takes
// 100 ms per upload: four at once should take about a quarter of the time.
func BenchmarkUploadConcurrency(b *testing.B) {
	dir := b.TempDir()
	var files []File
	for i := range 16 {
		path := filepath.Join(dir, fmt.Sprintf("part-%02d.bin", i))
		if err := os.WriteFile(path, []byte(fmt.Sprintf("part %d of the nightly build\n", i)), 0o600); err != nil {
			b.Fatal(err)
		}
		files = append(files, File{Path: path, Name: filepath.Base(path)})
	}
	repo := benchRepo(b, &uploadServer{delay: 100 * time.Millisecond, hash: true})

	for _, concurrency := range []int{1, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", concurrency), func(b *testing.B) {
			for range b.N {
				result, err := SyncAssets(context.Background(), repo, 1, nil, files, concurrency, nil)
				if err != nil {
					b.Fatal(err)
				}
				if len(result.Uploaded) != len(files) {
					b.Fatalf("uploaded %d of %d files", len(result.Uploaded), len(files))
				}
			}
		})
	}
}

// BenchmarkUploadMemory hashes and uploads a 1 GiB file (sparse, so it costs
// no disk) and reports the most heap in use meanwhile: streaming keeps it
// near the baseline, where buffering the file would add 1024 MiB.
func BenchmarkUploadMemory(b *testing.B) {
	path := filepath.Join(b.TempDir(), "nightly.tar.gz")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	const size = 1 << 30
	if err := os.Truncate(path, size); err != nil {
		b.Fatal(err)
	}
	files := []File{{Path: path, Name: "nightly.tar.gz", Size: size}}
	repo := benchRepo(b, &uploadServer{})

	runtime.GC()
	b.SetBytes(size)
	b.ResetTimer()
	var peak uint64
	for range b.N {
		stop := sampleHeap(2*time.Millisecond, &peak)
		_, err := SyncAssets(context.Background(), repo, 1, nil, files, 1, nil)
		stop()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// sampleHeap records the most heap in use (object spans, live or not yet
// swept) into peak until stop is called.
func sampleHeap(every time.Duration, peak *uint64) (stop func()) {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	measure := func() {
		metrics.Read(samples)
		*peak = max(*peak, samples[0].Value.Uint64()+samples[1].Value.Uint64())
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			measure()
			select {
			case <-done:
				return
			case <-ticker.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
