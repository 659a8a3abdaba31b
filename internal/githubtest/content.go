package githubtest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// assetContent is where the fake keeps the bytes of an asset: a file of its
// own directory, written once, so that a test may upload and download
// gigabytes with flat memory.
type assetContent struct {
	path string
	// etag is S3's ETag of the object: the MD5 of its bytes, quoted.
	etag string
}

// storedBytes is what storeContent kept of a body.
type storedBytes struct {
	content *assetContent // nil when the server keeps no bytes
	size    int64
	digest  string // "sha256:<hex>"
}

// discard removes the bytes of an upload that did not complete: GitHub
// serves no bytes of a starter asset.
func (b storedBytes) discard() {
	if b.content != nil {
		os.Remove(b.content.path)
	}
}

// errReadBody marks a failure to read the body being stored, which is the
// client's (it went away, or sent less than it announced), not the fake's.
var errReadBody = errors.New("read the body")

// readRecorder keeps the error its reader returned, which io.Copy does not
// tell apart from a failure to write.
type readRecorder struct {
	r   io.Reader
	err error
}

func (rr *readRecorder) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		rr.err = err
	}
	return n, err
}

// storeContent streams body into a new file of the asset directory,
// hashing it on the way, and never holds it. On failure the file is gone,
// and the size read so far is kept, for the starter asset it leaves; an
// error reading body wraps errReadBody.
func (s *Server) storeContent(body io.Reader) (storedBytes, error) {
	digest, etag := sha256.New(), md5.New()
	sink := io.MultiWriter(digest, etag)
	var file *os.File
	if s.assetDir != "" {
		created, err := os.CreateTemp(s.assetDir, "asset-*")
		if err != nil {
			return storedBytes{}, fmt.Errorf("create a file for the asset: %w", err)
		}
		file = created
		sink = io.MultiWriter(file, digest, etag)
	}
	source := &readRecorder{r: body}
	size, err := io.Copy(sink, source)
	if file != nil {
		if closeErr := file.Close(); err == nil {
			err = closeErr
		}
	}
	stored := storedBytes{size: size, digest: "sha256:" + hex.EncodeToString(digest.Sum(nil))}
	if err != nil {
		if file != nil {
			os.Remove(file.Name())
		}
		if source.err != nil {
			return stored, fmt.Errorf("%w: %w", errReadBody, source.err)
		}
		return stored, fmt.Errorf("write the asset to %s: %w", s.assetDir, err)
	}
	if file != nil {
		stored.content = &assetContent{path: file.Name(), etag: `"` + hex.EncodeToString(etag.Sum(nil)) + `"`}
	}
	return stored, nil
}

// forgetContent removes the bytes of an asset that is gone, and its object
// from storage, as deleting an asset does on GitHub. A download under way
// keeps reading the open file. The caller holds s.mu.
func (s *Server) forgetContent(a *asset) {
	if a.key != "" {
		delete(s.objects, a.key)
	}
	if a.content != nil {
		os.Remove(a.content.path)
		a.content = nil
	}
}

// AddAssetContent plants an uploaded asset called name (kept as given)
// with content, read to its end, in a release of repo and returns it: its
// size and sha256 digest are content's, its media type
// application/octet-stream. The bytes go to a file of the server's, so
// content may be gigabytes; downloads serve them.
func (s *Server) AddAssetContent(repo string, releaseID int64, name string, content io.Reader) Asset {
	s.t.Helper()
	stored, err := s.storeContent(content)
	if err != nil {
		s.t.Fatalf("githubtest: add asset %q to release %d of %s: %v", name, releaseID, repo, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.mustRepository(repo).release(releaseID)
	if rel == nil {
		stored.discard()
		s.t.Fatalf("githubtest: add asset %q to release %d of %s: no such release", name, releaseID, repo)
	}
	planted := s.plantAsset(rel, Asset{
		Name:        name,
		ContentType: "application/octet-stream",
		State:       "uploaded",
		Size:        stored.size,
		Digest:      stored.digest,
	})
	planted.content = stored.content
	return planted.Asset
}

// AssetContent returns the bytes of the asset called name in a release of
// repo, read whole: it is for assertions on small assets. It returns false
// when there is no such asset or the fake has no bytes of it (a starter,
// or an asset planted by AddAsset).
func (s *Server) AssetContent(repo string, releaseID int64, name string) ([]byte, bool) {
	s.t.Helper()
	path := func() string {
		s.mu.Lock()
		defer s.mu.Unlock()
		if rel := s.mustRepository(repo).release(releaseID); rel != nil {
			for _, a := range rel.assets {
				if a.Name == name && a.content != nil {
					return a.content.path
				}
			}
		}
		return ""
	}()
	if path == "" {
		return nil, false
	}
	content, err := os.ReadFile(path)
	if err != nil {
		s.t.Errorf("githubtest: read asset %q of release %d of %s: %v", name, releaseID, repo, err)
		return nil, false
	}
	return content, true
}
