package prerelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/BTCDecoded/release-action/internal/github"
)

// AssetStore is the part of the GitHub API SyncAssets needs; github.Repo implements it.
type AssetStore interface {
	ListAssets(ctx context.Context, releaseID int64) ([]github.Asset, error)
	DeleteAsset(ctx context.Context, assetID int64) error
	UploadAsset(ctx context.Context, releaseID int64, name, path string) (github.Asset, error)
	// CopyAsset streams an asset of another release of the repository in.
	CopyAsset(ctx context.Context, releaseID int64, from github.Asset, name string) (github.Asset, error)
}

var _ AssetStore = github.Repo{}

// SyncResult says what SyncAssets did, each list in file order.
type SyncResult struct {
	Assets   []github.Asset // the release's assets for the given files, in file order
	Uploaded []string       // names uploaded this time (replaced ones included)
	Skipped  []string       // names already there with the same SHA-256
	Replaced []string       // names deleted first (different digest, or a "starter" leftover)
	// Digests holds each file's "sha256:<hex>", in file order, from the one
	// read that also decided whether to upload it.
	Digests []string
}

// Asset states GitHub reports; a "starter" asset is what a broken upload
// leaves behind.
const (
	stateUploaded = "uploaded"
	stateStarter  = "starter"
)

// SyncAssets makes the release's assets match files, as Sync.Assets does,
// with no progress lines and no group.
func SyncAssets(ctx context.Context, store AssetStore, releaseID int64, existing []github.Asset, files []File, concurrency int, logf func(string, ...any)) (SyncResult, error) {
	return Sync{Concurrency: concurrency, Logf: logf}.Assets(ctx, store, releaseID, existing, files)
}

// Sync is how assets are synced and how the work is told.
type Sync struct {
	// Concurrency is how many files (at least one) are hashed and
	// uploaded at once.
	Concurrency int
	// Logf gets a line per file, and the progress lines; nil says
	// nothing. It is never called by two goroutines at once.
	Logf func(string, ...any)
	// Now measures uploads: while any is in flight, each one logs how far
	// it got every progressEvery, by the ticker WithTicker put on the
	// context (else a real one). Nil logs no progress.
	Now func() time.Time
}

// Ticker calls tick every d until stop is called, never two ticks at
// once; once stop returns, no tick runs.
type Ticker func(d time.Duration, tick func()) (stop func())

type tickerKey struct{}

// WithTicker returns ctx with the ticker Sync.Assets tells the progress of
// its uploads by, so that a test ticks on its own clock. Like
// github.WithUploadProgress it rides on the context: the run's options
// reach Sync without a field for it.
func WithTicker(ctx context.Context, ticker Ticker) context.Context {
	return context.WithValue(ctx, tickerKey{}, ticker)
}

// tickerOf is the ticker ctx carries, else realTicker.
func tickerOf(ctx context.Context) Ticker {
	if ticker, ok := ctx.Value(tickerKey{}).(Ticker); ok && ticker != nil {
		return ticker
	}
	return realTicker
}

// realTicker ticks on the real clock, not by the injected Sleep: the
// ticks must come while an upload is in flight, when nothing sleeps, and a
// test's Sleep moves its clock at once.
func realTicker(d time.Duration, tick func()) func() {
	ticker := time.NewTicker(d)
	done := make(chan struct{})
	var ticking sync.WaitGroup
	ticking.Add(1)
	go func() {
		defer ticking.Done()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				tick()
			}
		}
	}()
	return func() {
		ticker.Stop()
		close(done)
		ticking.Wait()
	}
}

// progressEvery is how often a long upload says how far it got.
const progressEvery = 10 * time.Second

// maxEstimate is the longest time left an upload claims to know; a rate
// that would take longer says nothing worth a number.
const maxEstimate = 100 * time.Hour

// Assets makes the release's assets match files, idempotently: an asset
// already there with the file's SHA-256 is kept, one with another digest
// (or none, or a broken upload) is deleted and uploaded again, and a
// missing one is uploaded. existing is the release's assets as last
// listed. The first error stops the rest and is returned, naming its file,
// with the result of the files that had finished.
func (s Sync) Assets(ctx context.Context, store AssetStore, releaseID int64, existing []github.Asset, files []File) (SyncResult, error) {
	var logMu sync.Mutex
	log := func(format string, args ...any) {
		if s.Logf == nil {
			return
		}
		logMu.Lock()
		defer logMu.Unlock()
		s.Logf(format, args...)
	}
	byName := make(map[string]github.Asset, len(existing))
	for _, asset := range existing {
		byName[asset.Name] = asset
	}

	var flight inFlight
	if s.Now != nil {
		stop := tickerOf(ctx)(progressEvery, flight.tell)
		defer stop()
	}

	outcomes := make([]syncOutcome, len(files))
	group, groupCtx := errgroup.WithContext(ctx)
	group.SetLimit(max(s.Concurrency, 1))
	for i, file := range files {
		if groupCtx.Err() != nil {
			break
		}
		previous, found := byName[file.Name]
		group.Go(func() error {
			job := assetSync{store: store, releaseID: releaseID, file: file, log: log, now: s.Now, flight: &flight}
			outcome, err := job.run(groupCtx, previous, found)
			if err != nil {
				return &assetError{name: file.Name, stale: job.stale, err: err}
			}
			outcomes[i] = outcome
			return nil
		})
	}
	err := group.Wait()
	// The last progress line comes before whatever is logged next.
	flight.close()

	var result SyncResult
	for i, outcome := range outcomes {
		if !outcome.done {
			if err == nil {
				// Cancelled before the file was scheduled at all.
				err = &assetError{name: files[i].Name, err: context.Cause(ctx)}
			}
			continue
		}
		name := files[i].Name
		result.Assets = append(result.Assets, outcome.asset)
		result.Digests = append(result.Digests, outcome.digest)
		if outcome.skipped {
			result.Skipped = append(result.Skipped, name)
		} else {
			result.Uploaded = append(result.Uploaded, name)
		}
		if outcome.replaced {
			result.Replaced = append(result.Replaced, name)
		}
	}
	return result, err
}

// assetError is SyncAssets failing on one file.
type assetError struct {
	name string
	// stale says why the release's asset of that name had to be
	// replaced; "" when the release had none.
	stale string
	err   error
}

func (e *assetError) Error() string { return fmt.Sprintf("sync asset %s: %v", e.name, e.err) }
func (e *assetError) Unwrap() error { return e.err }

type syncOutcome struct {
	done, skipped, replaced bool
	asset                   github.Asset
	digest                  string
}

// assetSync brings one file's asset up to date.
type assetSync struct {
	store     AssetStore
	releaseID int64
	file      File
	log       func(string, ...any)
	now       func() time.Time // nil: no progress lines
	flight    *inFlight        // where the upload is told while it lasts
	digest    string           // "sha256:<hex>" of the file
	stale     string           // why the asset there is being replaced, if it is
	progress  *progress        // set by the first upload, with now
}

func (s *assetSync) run(ctx context.Context, previous github.Asset, found bool) (syncOutcome, error) {
	outcome, err := s.sync(ctx, previous, found)
	outcome.digest = s.digest
	return outcome, err
}

func (s *assetSync) sync(ctx context.Context, previous github.Asset, found bool) (syncOutcome, error) {
	var err error
	if s.file.From != nil {
		// A carried asset's digest is the one GitHub lists for the
		// original; CopyAsset checks the bytes against it as they stream.
		s.digest = s.file.From.Digest
	} else if s.digest, err = fileDigest(ctx, s.file.open()); err != nil {
		return syncOutcome{}, err
	}
	var outcome syncOutcome
	if found {
		reason := s.staleReason(previous)
		if reason == "" {
			s.log("skipped %s (%s, unchanged)", s.file.Name, humanSize(s.file.Size))
			return syncOutcome{done: true, skipped: true, asset: previous}, nil
		}
		if err := s.remove(ctx, previous, reason); err != nil {
			return syncOutcome{}, err
		}
		outcome.replaced = true
	}

	asset, err := s.upload(ctx)
	if alreadyExists(err) {
		// A dropped connection leaves a starter asset, and a racing run may
		// have uploaded this file: look once, then upload at most once more.
		adopted, replaced, retryErr := s.resolveConflict(ctx)
		if retryErr != nil {
			return syncOutcome{}, retryErr
		}
		if adopted != nil {
			s.log("skipped %s (%s, uploaded meanwhile with the same content)", s.file.Name, humanSize(s.file.Size))
			return syncOutcome{done: true, skipped: true, replaced: outcome.replaced, asset: *adopted}, nil
		}
		outcome.replaced = outcome.replaced || replaced
		asset, err = s.upload(ctx)
		if alreadyExists(err) {
			// Taken again: another run finishing the same release uploaded
			// it meanwhile. Its copy is kept if it holds the file; there is
			// never a third upload.
			if same, listErr := s.uploadedMeanwhile(ctx); listErr == nil && same != nil {
				s.log("skipped %s (%s, uploaded meanwhile with the same content)", s.file.Name, humanSize(s.file.Size))
				return syncOutcome{done: true, skipped: true, replaced: outcome.replaced, asset: *same}, nil
			}
		}
	}
	if err != nil {
		return syncOutcome{}, err
	}
	if asset.Digest != "" && asset.Digest != s.digest {
		return syncOutcome{}, fmt.Errorf("check upload of %s: GitHub stored %s but the file has %s (did it change during the upload?)",
			s.file.source(), asset.Digest, s.digest)
	}
	if asset.Name != "" && asset.Name != s.file.Name {
		s.log("warning: GitHub named %s %q, not %q as predicted; later runs will upload it again", s.file.source(), asset.Name, s.file.Name)
	}
	s.log("uploaded %s (%s)%s", s.file.Name, humanSize(s.file.Size), s.progress.took())
	outcome.done, outcome.asset = true, asset
	return outcome, nil
}

// upload sends the file, or copies the carried asset, telling its
// progress when it takes long.
func (s *assetSync) upload(ctx context.Context) (github.Asset, error) {
	if s.now != nil {
		if s.progress == nil {
			verb, total := "uploading", s.file.Size
			if s.file.From != nil {
				verb, total = "copying", max(total, s.file.From.Size)
			}
			s.progress = newProgress(verb, s.file.Name, total, s.now, s.log)
		} else {
			s.progress.restart()
		}
		ctx = github.WithUploadProgress(ctx, s.progress.advance)
		s.flight.add(s.progress)
		defer s.flight.remove(s.progress)
	}
	if s.file.From != nil {
		return s.store.CopyAsset(ctx, s.releaseID, *s.file.From, s.file.Name)
	}
	return s.store.UploadAsset(ctx, s.releaseID, s.file.Name, s.file.open())
}

// staleReason says why an existing asset must be replaced, or "" if it
// already holds the file.
func (s *assetSync) staleReason(asset github.Asset) string {
	switch {
	case asset.State == stateStarter:
		return "a broken earlier upload (state starter)"
	case asset.State != stateUploaded:
		return fmt.Sprintf("in state %q", asset.State)
	case asset.Digest == "":
		// Comparing sizes would keep a changed file of the same size.
		return "GitHub reports no digest to compare"
	case asset.Digest != s.digest:
		return fmt.Sprintf("content changed: %s, file %s", asset.Digest, s.digest)
	}
	return ""
}

func (s *assetSync) remove(ctx context.Context, asset github.Asset, reason string) error {
	s.stale = reason
	if err := s.store.DeleteAsset(ctx, asset.ID); err != nil {
		return err
	}
	s.log("replacing %s: deleted the old asset (%s)", s.file.Name, reason)
	return nil
}

// resolveConflict handles an upload refused because the name is taken: the
// asset found is adopted if it holds the file, else deleted.
func (s *assetSync) resolveConflict(ctx context.Context) (adopted *github.Asset, replaced bool, err error) {
	assets, err := s.store.ListAssets(ctx, s.releaseID)
	if err != nil {
		return nil, false, err
	}
	for _, asset := range assets {
		if asset.Name != s.file.Name {
			continue
		}
		reason := s.staleReason(asset)
		if reason == "" {
			return &asset, false, nil
		}
		return nil, true, s.remove(ctx, asset, reason)
	}
	return nil, false, fmt.Errorf("upload asset %s: GitHub says the name is taken but lists no asset of that name on release %d (GitHub may rename it differently than predicted: rename the file to letters, digits, '.', '-' and '_')",
		s.file.Name, s.releaseID)
}

// uploadedMeanwhile returns the release's asset of the file's name when it
// already holds the file, else nil.
func (s *assetSync) uploadedMeanwhile(ctx context.Context) (*github.Asset, error) {
	assets, err := s.store.ListAssets(ctx, s.releaseID)
	if err != nil {
		return nil, err
	}
	for _, asset := range assets {
		if asset.Name == s.file.Name && s.staleReason(asset) == "" {
			return &asset, nil
		}
	}
	return nil, nil
}

// alreadyExists reports GitHub refusing an upload because an asset of that
// name is on the release.
func alreadyExists(err error) bool {
	return github.IsValidationCode(err, "already_exists")
}

// fileDigest streams the file through SHA-256, in GitHub's digest format.
func fileDigest(ctx context.Context, path string) (string, error) {
	file, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, unwrapPath(err))
	}
	defer file.Close()
	hash := sha256.New()
	if _, err := io.Copy(hash, contextReader{ctx, file}); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return "sha256:" + hex.EncodeToString(hash.Sum(nil)), nil
}

// inFlight is the uploads under way, in the order they started, which
// every tick tells. After close it tells nothing more.
type inFlight struct {
	mu      sync.Mutex
	uploads []*progress
	closed  bool
}

func (f *inFlight) add(p *progress) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads = append(f.uploads, p)
}

func (f *inFlight) remove(p *progress) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.uploads = slices.DeleteFunc(f.uploads, func(other *progress) bool { return other == p })
}

func (f *inFlight) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
}

// tell logs a line for each upload under way. The lock is held while it
// logs, so that close waits for a tick that is telling.
func (f *inFlight) tell() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	for _, p := range f.uploads {
		p.tell()
	}
}

// progress follows one file's upload: how many bytes the current attempt
// has handed over, which the upload's body tells as it is read, and since
// when all are sent. tell says so, with the rate and the time left, or how
// long GitHub has taken to confirm; a tick calls it, so that an upload
// whose reads stop (the socket took it all, or GitHub is slow to answer)
// is still told. The end of an upload that was told is said by took, on
// the line that says it is uploaded. A retry that sends the body again
// starts the count over. took may be called on a nil progress, which
// tells nothing.
type progress struct {
	verb, name string
	total      int64
	now        func() time.Time
	log        func(string, ...any)

	mu      sync.Mutex
	began   time.Time // the first attempt
	started time.Time // the current attempt
	sent    int64     // by the current attempt
	allSent time.Time // when sent reached total; zero before
	shown   bool      // a line was logged, so the end says how long it took
}

func newProgress(verb, name string, total int64, now func() time.Time, log func(string, ...any)) *progress {
	start := now()
	return &progress{verb: verb, name: name, total: total, now: now, log: log, began: start, started: start}
}

// restart starts another attempt.
func (p *progress) restart() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.started, p.sent, p.allSent = p.now(), 0, time.Time{}
}

// advance is told the bytes the current attempt has sent so far.
func (p *progress) advance(sent int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if sent < p.sent {
		// The transport sends the body again.
		p.started, p.allSent = now, time.Time{}
	}
	p.sent = sent
	if sent >= p.total && p.allSent.IsZero() {
		p.allSent = now
	}
}

// tell logs how far the upload got.
func (p *progress) tell() {
	if p.total <= 0 {
		return
	}
	p.mu.Lock()
	now, sent, started, allSent := p.now(), p.sent, p.started, p.allSent
	p.shown = true
	p.mu.Unlock()
	if !allSent.IsZero() {
		p.log("%s %s: all %s sent, waiting for GitHub to confirm (%s)", p.verb, p.name, humanSize(p.total), seconds(now.Sub(allSent).Seconds()))
		return
	}
	var rate float64
	if elapsed := now.Sub(started).Seconds(); elapsed > 0 {
		rate = float64(sent) / elapsed
	}
	left := "time left unknown"
	if estimate := float64(p.total-sent) / rate; rate > 0 && estimate < maxEstimate.Seconds() {
		left = fmt.Sprintf("about %s left", seconds(estimate))
	}
	p.log("%s %s: %s of %s (%d%%), %s/s, %s", p.verb, p.name, humanSize(sent), humanSize(p.total), sent*100/p.total, humanSize(int64(rate)), left)
}

// took says, for the end of an upload that was told, how long the whole
// upload took and how fast it went; "" for one that never was.
func (p *progress) took() string {
	if p == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := p.now().Sub(p.began)
	if !p.shown || elapsed <= 0 {
		return ""
	}
	return fmt.Sprintf(" in %s, %s/s", seconds(elapsed.Seconds()), humanSize(int64(float64(p.total)/elapsed.Seconds())))
}

// seconds is a duration in whole seconds, as a person reads it: 15s, 2m5s.
func seconds(s float64) time.Duration {
	return (time.Duration(s * float64(time.Second))).Round(time.Second)
}

// contextReader stops a long read when ctx is done.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
