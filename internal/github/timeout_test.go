package github

import (
	"bytes"
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
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// hangGuard is how long a test waits for a call that must end on its own
// before calling it a hang; it is no speed target, only a bound on a test
// that would otherwise wait for ever.
const hangGuard = 10 * time.Second

// withinGuard runs call and fails the test if it has not returned within
// hangGuard.
func withinGuard(t *testing.T, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(hangGuard):
		t.Fatalf("still waiting after %s: the request is not bounded", hangGuard)
		return nil
	}
}

// releaseAtEnd closes ended when the test ends, releasing every handler
// that hangs on it. Call it after starting the server: cleanups run last
// first, and the server's Close waits for its handlers.
func releaseAtEnd(t *testing.T, ended chan struct{}) {
	t.Cleanup(func() { close(ended) })
}

// hangUntil accepts the request and answers nothing until ended.
func hangUntil(ended <-chan struct{}) http.HandlerFunc {
	return func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-ended:
		case <-r.Context().Done():
		}
	}
}

// timeoutConfig is the fake world's config on the real clock: attempts here
// really take time, and that time must count.
func timeoutConfig(srv *httptest.Server, world *fakeWorld, maxWait time.Duration, timeouts Timeouts) Config {
	cfg := world.config(srv)
	cfg.Now = time.Now
	cfg.MaxWait = maxWait
	cfg.Timeouts = timeouts
	return cfg
}

func TestAttemptsAreBounded(t *testing.T) {
	const path = "/api/v3/repos/o/r/dispatches"
	tests := []struct {
		name         string
		maxWait      time.Duration
		timeouts     Timeouts
		wantRequests int
		wantSleeps   []time.Duration
		wantAfter    time.Duration // the limit the last attempt got
		wantLog      string        // substring of the last log line
	}{
		{
			name:         "the last attempt runs out max-wait and the grace",
			maxWait:      200 * time.Millisecond,
			timeouts:     Timeouts{Attempt: time.Minute, Grace: 100 * time.Millisecond, Single: time.Minute, Idle: time.Minute},
			wantRequests: 1,
			wantAfter:    300 * time.Millisecond,
			wantLog:      "giving up on POST " + path + " after attempt 1: no answer within 300ms: waiting 1s more would exceed max-wait 200ms",
		},
		{
			name:         "the time an attempt takes counts in max-wait",
			maxWait:      1200 * time.Millisecond, // 1s of backoff would fit, but not after a 300ms attempt
			timeouts:     Timeouts{Attempt: 300 * time.Millisecond, Grace: 100 * time.Millisecond, Single: time.Minute, Idle: time.Minute},
			wantRequests: 1,
			wantAfter:    300 * time.Millisecond,
			wantLog:      "giving up on POST " + path + " after attempt 1: no answer within 300ms: waiting 1s more would exceed max-wait 1.2s",
		},
		{
			name:         "an unanswered attempt is retried while max-wait lasts",
			maxWait:      2500 * time.Millisecond,
			timeouts:     Timeouts{Attempt: 300 * time.Millisecond, Grace: 100 * time.Millisecond, Single: time.Minute, Idle: time.Minute},
			wantRequests: 2,
			wantSleeps:   []time.Duration{time.Second},
			wantAfter:    300 * time.Millisecond,
			wantLog:      "giving up on POST " + path + " after attempt 2: no answer within 300ms: waiting 2s more would exceed max-wait 2.5s",
		},
		{
			name:         "max-wait 0 still bounds its one attempt",
			maxWait:      0,
			timeouts:     Timeouts{Attempt: time.Minute, Grace: 100 * time.Millisecond, Single: 150 * time.Millisecond, Idle: time.Minute},
			wantRequests: 1,
			wantAfter:    150 * time.Millisecond,
			wantLog:      "giving up on POST " + path + " after attempt 1: no answer within 150ms: waiting 1s more would exceed max-wait 0s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ended := make(chan struct{})
			srv, script := serve(t, hangUntil(ended))
			releaseAtEnd(t, ended)
			world := &fakeWorld{}
			client, err := NewClient(timeoutConfig(srv, world, tt.maxWait, tt.timeouts))
			require.NoError(t, err)

			err = withinGuard(t, func() error {
				_, _, err := client.Repositories.Dispatch(context.Background(), "o", "r", gh.DispatchRequestOptions{EventType: "build_all"})
				return err
			})

			var timeout *TimeoutError
			require.ErrorAs(t, err, &timeout)
			assert.Equal(t, &TimeoutError{After: tt.wantAfter}, timeout)
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "not mistaken for the caller's own deadline")
			assert.Len(t, script.seen(), tt.wantRequests)
			assert.Equal(t, tt.wantSleeps, world.slept())
			logs := world.logged()
			require.NotEmpty(t, logs)
			assert.Contains(t, logs[len(logs)-1], tt.wantLog)
			assert.Contains(t, Explain(err, Access{}).Error(), "GitHub did not answer in time")
		})
	}
}

// TestAttemptDeadlineCoversTheBody: headers alone do not end an attempt;
// a body that stops coming is cut by the same deadline.
func TestAttemptDeadlineCoversTheBody(t *testing.T) {
	ended := make(chan struct{})
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"id":1,`)
		w.(http.Flusher).Flush()
		hangUntil(ended)(w, r)
	})
	releaseAtEnd(t, ended)
	client, err := NewClient(timeoutConfig(srv, &fakeWorld{}, 200*time.Millisecond,
		Timeouts{Attempt: time.Minute, Grace: 100 * time.Millisecond, Single: time.Minute, Idle: time.Minute}))
	require.NoError(t, err)

	err = withinGuard(t, func() error {
		_, _, err := client.Repositories.Get(context.Background(), "o", "r")
		return err
	})

	var timeout *TimeoutError
	require.ErrorAs(t, err, &timeout)
	assert.Equal(t, 300*time.Millisecond, timeout.After)
}

// paced is an upload endpoint that reads the body a chunk at a time with a
// pause after each, then answers 201; stallAfter > 0 stops reading after
// that many bytes, and answer false never answers once the body is read.
type paced struct {
	pacing
	ended    <-chan struct{}
	requests atomic.Int32
	received atomic.Int64
}

type pacing struct {
	chunk      int
	pause      time.Duration
	stallAfter int
	answer     bool
}

func (p *paced) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	buf := make([]byte, p.chunk)
	for {
		if p.stallAfter > 0 && p.received.Load() >= int64(p.stallAfter) {
			hangUntil(p.ended)(w, r)
			return
		}
		n, err := io.ReadFull(r.Body, buf)
		p.received.Add(int64(n))
		if err != nil {
			break
		}
		time.Sleep(p.pause)
	}
	if !p.answer {
		hangUntil(p.ended)(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = io.WriteString(w, `{"id":1,"name":"bllvm.tar.gz","state":"uploaded"}`)
}

func TestUploadIsCutOnlyWhenItStopsMoving(t *testing.T) {
	const mib = 1 << 20
	// Uploads are bounded by idleness alone: max-wait and the attempt cap
	// here are far shorter than the slow upload takes.
	timeouts := Timeouts{Attempt: 200 * time.Millisecond, Grace: 50 * time.Millisecond, Single: 200 * time.Millisecond, Idle: 500 * time.Millisecond}
	upload := func(client *gh.Client, path string) error {
		_, err := Repo{Client: client, Owner: "o", Name: "r"}.UploadAsset(context.Background(), 7, "bllvm.tar.gz", path)
		return err
	}
	streamed := func(client *gh.Client, path string) error {
		file, err := os.Open(path)
		if err != nil {
			return err
		}
		_, _, err = client.Repositories.UploadReleaseAsset(context.Background(), "o", "r", 7, &gh.UploadOptions{Name: "bllvm.tar.gz"}, file)
		return err
	}
	tests := []struct {
		name         string
		size         int
		server       pacing
		send         func(*gh.Client, string) error
		wantErr      bool
		wantRequests int32
	}{
		{
			// 32 MiB at 1 MiB per 25ms: about 0.8s, never idle for long.
			name:         "slow upload that keeps moving finishes",
			size:         32 * mib,
			server:       pacing{chunk: mib, pause: 25 * time.Millisecond, answer: true},
			send:         upload,
			wantRequests: 1,
		},
		{
			name:         "upload that stops being read is cut",
			size:         32 * mib,
			server:       pacing{chunk: mib, pause: time.Millisecond, stallAfter: mib},
			send:         upload,
			wantErr:      true,
			wantRequests: 1,
		},
		{
			name:         "upload sent whole but never answered is cut",
			size:         1024,
			server:       pacing{chunk: 256, answer: false},
			send:         upload,
			wantErr:      true,
			wantRequests: 1,
		},
		{
			name:         "upload that cannot be replayed is cut too",
			size:         32 * mib,
			server:       pacing{chunk: mib, pause: time.Millisecond, stallAfter: mib},
			send:         streamed,
			wantErr:      true,
			wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ended := make(chan struct{})
			server := &paced{pacing: tt.server, ended: ended}
			srv := httptest.NewServer(server)
			t.Cleanup(srv.Close)
			releaseAtEnd(t, ended)
			path := filepath.Join(t.TempDir(), "bllvm.tar.gz")
			require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("x"), tt.size), 0o600))
			client, err := NewClient(timeoutConfig(srv, &fakeWorld{}, 100*time.Millisecond, timeouts))
			require.NoError(t, err)

			err = withinGuard(t, func() error { return tt.send(client, path) })

			assert.Equal(t, tt.wantRequests, server.requests.Load())
			if !tt.wantErr {
				require.NoError(t, err)
				assert.Equal(t, int64(tt.size), server.received.Load())
				return
			}
			var timeout *TimeoutError
			require.ErrorAs(t, err, &timeout)
			assert.Equal(t, &TimeoutError{After: 500 * time.Millisecond, Idle: true}, timeout)
			assert.Contains(t, Explain(err, Access{}).Error(), "stopped moving")
		})
	}
}

// TestAssetDownloadIsNotCapped: a download that an upload streams on may
// take as long as the upload, so it is cut only when it stops moving.
func TestAssetDownloadIsNotCapped(t *testing.T) {
	const size, chunk = 64 << 10, 4 << 10
	srv, _ := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", "65536")
		w.WriteHeader(http.StatusOK)
		for range size / chunk {
			_, _ = w.Write(bytes.Repeat([]byte("x"), chunk))
			w.(http.Flusher).Flush()
			time.Sleep(40 * time.Millisecond) // 16 chunks: about 0.6s in all
		}
	})
	client, err := NewClient(timeoutConfig(srv, &fakeWorld{}, 100*time.Millisecond,
		Timeouts{Attempt: 200 * time.Millisecond, Grace: 50 * time.Millisecond, Single: 200 * time.Millisecond, Idle: 500 * time.Millisecond}))
	require.NoError(t, err)
	repo := Repo{Client: client, Owner: "o", Name: "r"}

	err = withinGuard(t, func() error {
		body, err := repo.download(context.Background(), Asset{ID: 1, Name: "bllvm.tar.gz", Size: size})
		if err != nil {
			return err
		}
		defer body.Close()
		n, err := io.Copy(io.Discard, body)
		if err == nil && n != size {
			err = errors.New("short download")
		}
		return err
	})
	require.NoError(t, err)
}

// stallsCost moves the clock on by cost whenever an attempt ends in an
// error, as an attempt cut for idleness takes the idle time on GitHub's
// runners; the real idle limit of the test is far shorter.
type stallsCost struct {
	next  http.RoundTripper
	clock *githubtest.Clock
	cost  time.Duration
}

func (s stallsCost) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(req)
	if err != nil {
		s.clock.Advance(s.cost)
	}
	return resp, err
}

// max-wait bounds the whole of one asset's upload, its attempts and the
// waits between them together: an uploads host (or a storage a copy reads
// from) that accepts and then stalls every attempt ends the upload within
// max-wait and one idle time, not one idle time per retry on top.
func TestStalledUploadIsBoundedByMaxWait(t *testing.T) {
	const size = 64 << 10
	content := bytes.Repeat([]byte("x"), size)
	sum := sha256.Sum256(content)
	from := Asset{ID: 5, Name: "bllvm.tar.gz", State: "uploaded", Size: size, Digest: "sha256:" + hex.EncodeToString(sum[:])}
	upload := func(repo Repo, path string) error {
		_, err := repo.UploadAsset(context.Background(), 7, "bllvm.tar.gz", path)
		return err
	}
	copyIn := func(repo Repo, _ string) error {
		_, err := repo.CopyAsset(context.Background(), 7, from, "bllvm.tar.gz")
		return err
	}
	tests := []struct {
		name         string
		send         func(repo Repo, path string) error
		stallStorage bool // storage stalls mid-body instead of the uploads host
		maxWait      time.Duration
		wantAttempts int
	}{
		{"an upload the uploads host takes and never answers", upload, false, 5 * time.Minute, 5},
		{"a copy whose storage stalls mid-body", copyIn, true, 5 * time.Minute, 5},
		{"max-wait shorter than one stall: one attempt", upload, false, 30 * time.Second, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ended := make(chan struct{})
			var uploads atomic.Int32
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodPost:
					uploads.Add(1)
					if !tt.stallStorage {
						_, _ = io.Copy(io.Discard, r.Body)
					}
					hangUntil(ended)(w, r)
				case r.URL.Path == "/api/v3/repos/o/r/releases/assets/5":
					redirect(w, srv.URL+"/storage/object?X-Amz-Signature=deadbeef")
				default:
					w.Header().Set("Content-Length", strconv.Itoa(size))
					_, _ = w.Write(content[:size/2])
					w.(http.Flusher).Flush()
					hangUntil(ended)(w, r)
				}
			}))
			t.Cleanup(srv.Close)
			releaseAtEnd(t, ended)
			path := filepath.Join(t.TempDir(), "bllvm.tar.gz")
			require.NoError(t, os.WriteFile(path, content, 0o600))
			clock := githubtest.NewClock(testNow)
			world := &fakeWorld{}
			cfg := world.config(srv)
			cfg.MaxWait = tt.maxWait
			cfg.Timeouts = Timeouts{Idle: 50 * time.Millisecond}
			cfg.HTTPClient = &http.Client{Transport: stallsCost{next: srv.Client().Transport, clock: clock, cost: time.Minute}}
			cfg.Now = clock.Now
			cfg.Sleep = func(_ context.Context, d time.Duration) error {
				clock.Advance(d)
				return nil
			}
			client, err := NewClient(cfg)
			require.NoError(t, err)

			err = withinGuard(t, func() error { return tt.send(Repo{Client: client, Owner: "o", Name: "r"}, path) })

			var timeout *TimeoutError
			require.ErrorAs(t, err, &timeout)
			assert.True(t, timeout.Idle)
			assert.Equal(t, tt.wantAttempts, int(uploads.Load()), "upload attempts")
			took := clock.Now().Sub(testNow)
			assert.LessOrEqual(t, took, tt.maxWait+time.Minute, "the clock the upload took: max-wait, and the last attempt's idle minute")
			logs := world.logged()
			require.NotEmpty(t, logs)
			assert.Contains(t, logs[len(logs)-1], fmt.Sprintf("giving up on POST /api/uploads/repos/o/r/releases/7/assets after attempt %d: no progress for 50ms", tt.wantAttempts))
		})
	}
}
