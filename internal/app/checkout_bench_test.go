package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
)

// The checkout benchmarks' world: six repositories of 50 MiB each (50
// files of 1 MiB of random bytes, so the archive is as large as its
// contents), and storage that takes benchLatency before its first byte
// and then serves benchBandwidth per download, as codeload building an
// archive and a runner's link would.
const (
	benchRepoFiles = 50
	benchFileSize  = 1 << 20
	benchLatency   = 300 * time.Millisecond
	benchBandwidth = 50 << 20 // bytes per second, per download
)

// benchArchive is 50 MiB of files that do not compress, made as they are
// written.
func benchArchive(seed uint64) iter.Seq[githubtest.TarEntry] {
	return func(yield func(githubtest.TarEntry) bool) {
		random := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
		body := make([]byte, benchFileSize)
		for i := range benchRepoFiles {
			_, _ = random.Read(body)
			if !yield(githubtest.TarEntry{Name: fmt.Sprintf("src/part-%02d.bin", i), Body: string(body)}) {
				return
			}
		}
	}
}

// benchWorld plants the six archives and returns the fake with the
// snapshot's manifest.
func benchWorld(b *testing.B, token string) (*githubtest.Server, manifest.Manifest) {
	b.Helper()
	var opts []githubtest.Option
	for _, c := range checkoutComponents {
		opts = append(opts, githubtest.WithRepository("BTCDecoded/"+c.repository))
	}
	srv := githubtest.New(b, append(opts, githubtest.WithToken(token))...)
	var m manifest.Manifest
	for i, c := range checkoutComponents {
		sha := commitOf(c.component, 1)
		srv.SetCommitArchive("BTCDecoded/"+c.repository, sha, benchArchive(uint64(i)))
		m = append(m, manifest.Entry{Component: c.component, Repository: "BTCDecoded/" + c.repository, SHA: sha})
	}
	return srv, m
}

// slowStorage plays storage's latency and bandwidth on every download.
type slowStorage struct{ next http.RoundTripper }

func (s slowStorage) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != storageHost {
		return s.next.RoundTrip(req)
	}
	time.Sleep(benchLatency)
	resp, err := s.next.RoundTrip(req)
	if err == nil {
		resp.Body = &slowBody{ReadCloser: resp.Body, start: time.Now()}
	}
	return resp, err
}

type slowBody struct {
	io.ReadCloser
	start time.Time
	read  int64
}

func (t *slowBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	t.read += int64(n)
	due := t.start.Add(time.Duration(float64(t.read) / benchBandwidth * float64(time.Second)))
	time.Sleep(time.Until(due))
	return n, err
}

// peakHeap samples the heap in use until stop is called, and returns its
// highest reading in bytes.
func peakHeap() (stop func() uint64) {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse+ms.StackInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// runCheckout lays out m into workspace in this process, through the
// slow storage, and returns how long it took and how many requests it sent.
func runCheckout(b *testing.B, srv *githubtest.Server, m manifest.Manifest, workspace string) (time.Duration, int) {
	b.Helper()
	client := *srv.Client()
	client.Transport = slowStorage{next: client.Transport}
	vars := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": orchestrator, "GITHUB_WORKSPACE": workspace,
		"GITHUB_API_URL": "https://api.github.com", "GITHUB_SERVER_URL": "https://github.com",
		"INPUT_MODE": "checkout", "INPUT_TOKEN": token, "INPUT_MANIFEST": m.String(), "INPUT_PATH": "src",
		"INPUT_MAX-WAIT": "5m", "INPUT_MAX-BYTES": "2GiB", "INPUT_MAX-ENTRIES": "200000",
	}
	var stdout bytes.Buffer
	before := len(srv.Requests())
	started := time.Now()
	code := Run(context.Background(), Env{Getenv: func(k string) string { return vars[k] }, Stdout: &stdout, Stderr: &stdout, HTTPClient: &client})
	took := time.Since(started)
	if code != 0 {
		b.Fatalf("checkout failed:\n%s", stdout.String())
	}
	return took, len(srv.Requests()) - before
}

// BenchmarkCheckout lays out six repositories of 50 MiB each at once,
// through storage with 300 ms of latency and 50 MiB/s per download. It
// reports the wall time against the slowest of the six laid out alone
// (x-slowest, the target is at most 1.5), the peak heap of the process
// (peak-heap-MiB, the fake included; the target for the process is under
// 64 MiB, which BenchmarkCheckoutMaxRSS measures) and the requests of a
// rerun (rerun-requests, the target is 0).
func BenchmarkCheckout(b *testing.B) {
	srv, m := benchWorld(b, token)
	var slowest time.Duration
	for _, e := range m {
		took, _ := runCheckout(b, srv, manifest.Manifest{e}, b.TempDir())
		slowest = max(slowest, took)
	}
	var wall time.Duration
	var peak uint64
	var rerun int
	b.ResetTimer()
	for range b.N {
		workspace := b.TempDir()
		runtime.GC()
		stop := peakHeap()
		took, _ := runCheckout(b, srv, m, workspace)
		peak = max(peak, stop())
		wall += took
		b.StopTimer()
		_, rerun = runCheckout(b, srv, m, workspace)
		b.StartTimer()
	}
	b.ReportMetric(slowest.Seconds(), "slowest-single-s")
	b.ReportMetric(wall.Seconds()/float64(b.N)/slowest.Seconds(), "x-slowest")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(rerun), "rerun-requests")
}

// BenchmarkCheckoutMaxRSS reports the peak memory (maxrss-MiB) of the
// action's binary laying out the six repositories of 50 MiB each, as its
// own process against the fake in this one (its tarball answers delayed
// by 300 ms each), measured as scripts/bench.sh measures the others.
// RELEASE_ACTION_BINARY names a built binary; without it, one is built.
func BenchmarkCheckoutMaxRSS(b *testing.B) {
	const botToken = "bench-token"
	binary := measuredBinary(b)
	srv, m := benchWorld(b, botToken)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for _, e := range m {
			srv.BeforeNext(http.MethodGet, "/repos/"+e.Repository+"/tarball/"+e.SHA, func() { time.Sleep(benchLatency) })
		}
		workspace := b.TempDir()
		rss, log := runMeasured(b, binary, workspace, botToken, "--mode=checkout", "--api-url="+srv.URL(),
			"--repository="+orchestrator, "--manifest="+m.String(), "--path=./src")
		for _, e := range m {
			_, name, _ := strings.Cut(e.Repository, "/")
			if _, err := os.Stat(filepath.Join(workspace, "src", name, "src", "part-49.bin")); err != nil {
				b.Fatalf("%s not laid out whole: %v\n%s", e.Repository, err, log)
			}
		}
		reportMaxRSS(b, rss)
		b.StartTimer()
	}
}
