package github

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"

	gh "github.com/google/go-github/v66/github"
)

// Asset is a release asset as GitHub reports it, with the digest go-github v66 lacks.
type Asset struct {
	ID                 int64  `json:"id"`
	Name               string `json:"name"`
	Label              string `json:"label"`
	State              string `json:"state"` // "uploaded", or "starter" for a broken upload
	ContentType        string `json:"content_type"`
	Size               int64  `json:"size"`
	Digest             string `json:"digest"` // "sha256:<hex>"; may be empty on older servers
	BrowserDownloadURL string `json:"browser_download_url"`
}

// Repo is one repository's release API.
type Repo struct {
	Client      *gh.Client
	Owner, Name string
}

// assetsPerPage is the most GitHub returns in one page.
const assetsPerPage = 100

// ListAssets returns every asset of a release, following the pages.
func (r Repo) ListAssets(ctx context.Context, releaseID int64) ([]Asset, error) {
	var assets []Asset
	pages := Pages{Route: "GET /" + r.releasePath(releaseID) + "/assets"}
	for page := 1; ; {
		query := url.Values{"per_page": {fmt.Sprint(assetsPerPage)}}
		if page > 1 {
			query.Set("page", fmt.Sprint(page))
		}
		req, err := r.Client.NewRequest(http.MethodGet, r.releasePath(releaseID)+"/assets?"+query.Encode(), nil)
		if err != nil {
			return nil, fmt.Errorf("list assets of release %d: %w", releaseID, err)
		}
		var batch []Asset
		resp, err := r.Client.Do(ctx, req, &batch)
		if err != nil {
			return nil, fmt.Errorf("list assets of release %d: %w", releaseID, err)
		}
		if batch == nil {
			return nil, Malformed(pages.Route, "the answer is null, not the list of assets")
		}
		assets = append(assets, batch...)
		// A Link header that does not move forward would loop forever.
		next, err := pages.Next(resp)
		if err != nil {
			return nil, fmt.Errorf("list assets of release %d: %w", releaseID, err)
		}
		if next == 0 {
			return assets, nil
		}
		page = next
	}
}

// DeleteAsset deletes one release asset.
func (r Repo) DeleteAsset(ctx context.Context, assetID int64) error {
	if _, err := r.Client.Repositories.DeleteReleaseAsset(ctx, r.Owner, r.Name, assetID); err != nil {
		return fmt.Errorf("delete asset %d: %w", assetID, err)
	}
	return nil
}

// UploadAsset streams the file at path to the release as name. The request
// can be replayed by the client's retry transport: each attempt reopens the
// file, so no attempt holds the file in memory.
func (r Repo) UploadAsset(ctx context.Context, releaseID int64, name, path string) (Asset, error) {
	asset, err := r.uploadAsset(withBudget(ctx), releaseID, name, path)
	if err != nil {
		return Asset{}, fmt.Errorf("upload asset %s: %w", name, err)
	}
	return asset, nil
}

func (r Repo) uploadAsset(ctx context.Context, releaseID int64, name, path string) (Asset, error) {
	file, size, err := openSized(path, -1)
	if err != nil {
		return Asset{}, err
	}
	asset, err := r.upload(ctx, releaseID, name, file, size, func() (io.ReadCloser, error) {
		again, _, err := openSized(path, size)
		return again, err
	})
	if err != nil {
		// A replay refused because the file changed leaves only the first
		// attempt's error; say what stopped the retry.
		if info, statErr := os.Stat(path); statErr == nil && info.Size() != size {
			return Asset{}, fmt.Errorf("%s changed size during the upload (%d bytes, now %d): %w", path, size, info.Size(), err)
		}
		return Asset{}, err
	}
	return asset, nil
}

// upload streams body (size bytes) to the release as name; reopen gives
// the same bytes again for a retry.
func (r Repo) upload(ctx context.Context, releaseID int64, name string, body io.ReadCloser, size int64, reopen func() (io.ReadCloser, error)) (Asset, error) {
	// The transport closes every body it sends, but not one it never sends
	// (go-github refusing before a rate limit lifts, a retry whose wait is
	// cancelled); closing them all again here is harmless and leaks none.
	var mu sync.Mutex
	opened := []io.Closer{body}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range opened {
			f.Close()
		}
	}()

	mediaType := mime.TypeByExtension(filepath.Ext(name))
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	sent := uploadProgress(ctx)
	var reader io.Reader = counted(body, sent)
	if size == 0 {
		// A zero ContentLength with a non-nil body would be sent chunked.
		reader = http.NoBody
	}
	req, err := r.Client.NewUploadRequest(r.releasePath(releaseID)+"/assets?name="+url.QueryEscape(name), reader, size, mediaType)
	if err != nil {
		return Asset{}, err
	}
	req.GetBody = func() (io.ReadCloser, error) {
		if size == 0 {
			return http.NoBody, nil
		}
		again, err := reopen()
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, again)
		return counted(again, sent), nil
	}

	var asset Asset
	if _, err := r.Client.Do(ctx, req, &asset); err != nil {
		return Asset{}, err
	}
	return asset, nil
}

type uploadProgressKey struct{}

// WithUploadProgress returns ctx with a hook that an upload made with it
// (UploadAsset, CopyAsset) calls as its body is read: sent is how many
// bytes of the current attempt have gone out so far, so it starts again
// from the beginning when a retry sends the body again. Like
// net/http/httptrace it rides on the context, so that every asset store
// keeps the one UploadAsset signature.
func WithUploadProgress(ctx context.Context, sent func(sent int64)) context.Context {
	return context.WithValue(ctx, uploadProgressKey{}, sent)
}

func uploadProgress(ctx context.Context) func(int64) {
	sent, _ := ctx.Value(uploadProgressKey{}).(func(int64))
	return sent
}

// counted tells sent of every byte read from body; without a hook it is
// body itself.
func counted(body io.ReadCloser, sent func(int64)) io.ReadCloser {
	if sent == nil {
		return body
	}
	return &countedBody{ReadCloser: body, sent: sent}
}

type countedBody struct {
	io.ReadCloser
	sent func(int64)
	n    int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.n += int64(n)
		b.sent(b.n)
	}
	return n, err
}

// CopyAsset streams an asset of another release of this repository (from)
// into the release as name, from download to upload without holding it:
// GitHub answers the download with a redirect to its storage, which is
// fetched without the token. A retried upload downloads again.
//
// The bytes are hashed on the way and must have from's digest, which must
// be a sha256 one: the upload of bytes that do not is cut before its last
// byte, so that GitHub never completes it, and what it left on the release
// (a "starter" asset) is deleted.
func (r Repo) CopyAsset(ctx context.Context, releaseID int64, from Asset, name string) (Asset, error) {
	if !sha256Digest.MatchString(from.Digest) {
		return Asset{}, fmt.Errorf("copy asset %s: GitHub lists no sha256 digest for it (%.100q), so a copy could not be checked", from.Name, from.Digest)
	}
	// The cleanup after a failed copy gets a max-wait of its own.
	cleanup := ctx
	ctx = withBudget(ctx)
	open := func() (io.ReadCloser, error) {
		body, err := r.download(ctx, from)
		if err != nil {
			return nil, err
		}
		return &digestChecked{ReadCloser: body, asset: from, hash: sha256.New()}, nil
	}
	body, err := open()
	if err != nil {
		return Asset{}, fmt.Errorf("copy asset %s: %w", from.Name, err)
	}
	asset, err := r.upload(ctx, releaseID, name, body, from.Size, open)
	var mismatch *DigestMismatchError
	if errors.As(err, &mismatch) {
		// Not the url.Error around it, which names the upload's URL.
		return Asset{}, fmt.Errorf("copy asset %s: %w; %s", from.Name, mismatch, r.dropHalfMade(cleanup, releaseID, name, from.Digest))
	}
	if err != nil {
		return Asset{}, fmt.Errorf("copy asset %s: %w", from.Name, err)
	}
	return asset, nil
}

// sha256Digest is GitHub's digest of an asset.
var sha256Digest = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// dropHalfMade deletes what a cut upload of name left on the release, and
// says how that went. An asset of that name holding the digest is another
// run's whole copy, which is kept.
func (r Repo) dropHalfMade(ctx context.Context, releaseID int64, name, digest string) string {
	assets, err := r.ListAssets(ctx, releaseID)
	if err != nil {
		return fmt.Sprintf("a half-made copy may be left on the release, which a rerun replaces (%v)", err)
	}
	for _, asset := range assets {
		if asset.Name != name || (asset.State == "uploaded" && asset.Digest == digest) {
			continue
		}
		if err := r.DeleteAsset(ctx, asset.ID); err != nil {
			return fmt.Sprintf("its half-made copy is left on the release, which a rerun replaces (%v)", err)
		}
		return "the half-made copy was deleted"
	}
	return "no half-made copy was left on the release"
}

// DigestMismatchError is a carried asset whose bytes, as GitHub's storage
// served them, do not have the digest GitHub lists for the asset.
type DigestMismatchError struct {
	Asset          string
	Listed, Served string // "sha256:<hex>"
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("the bytes GitHub's storage served have %s, not %s as GitHub lists for the asset", e.Served, e.Listed)
}

// digestChecked hashes a download as it is read. The read that reaches the
// asset's size is checked before it is handed on: when the sum is not the
// listed digest, it fails instead, and every read after it, so that an
// upload reading the download never sends its last bytes.
type digestChecked struct {
	io.ReadCloser
	asset Asset
	hash  hash.Hash
	read  int64
	err   error
}

func (c *digestChecked) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.ReadCloser.Read(p)
	c.hash.Write(p[:n])
	before := c.read
	c.read += int64(n)
	if before < c.asset.Size && c.read >= c.asset.Size {
		if served := "sha256:" + hex.EncodeToString(c.hash.Sum(nil)); served != c.asset.Digest {
			c.err = &DigestMismatchError{Asset: c.asset.Name, Listed: c.asset.Digest, Served: served}
			return 0, c.err
		}
	}
	return n, err
}

// maxRedirectURL bounds the storage URL GitHub's redirect names.
const maxRedirectURL = 8 << 10

// maxStorageRedirects is how many redirects of its own GitHub's storage
// may answer a download with before the bytes: a few, for a storage that
// moves an object, never a loop.
const maxStorageRedirects = 3

// download opens the content of a release asset: GET the asset with
// Accept: application/octet-stream, which GitHub answers with a redirect
// to its storage, then GET that. The first request goes through the
// client's transport (token, retries); the second too, and the transport
// sends the token to GitHub's API hosts only, never to the storage. A
// redirect of the storage's own is followed only to a host that does not
// get the token, and at most maxStorageRedirects of them: anything the
// storage names could be anything, GitHub's API included, whose answer
// would then be sent with the token and stored as the asset.
func (r Repo) download(ctx context.Context, asset Asset) (io.ReadCloser, error) {
	req, err := r.Client.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/assets/%d", url.PathEscape(r.Owner), url.PathEscape(r.Name), asset.ID), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := fromStorage(ctx, r.Client, req, fmt.Sprintf("asset %d", asset.ID), "")
	if err != nil {
		return nil, err
	}
	return sized(resp, asset)
}

// fromStorage sends req, an API request that GitHub answers with a
// redirect to its storage (or, on GitHub Enterprise Server, may answer
// itself), then GETs the storage URL, and returns the answer whose body
// is what to download (what names it in errors). The first request goes
// through the client's transport (token, retries); the second too, and
// the transport sends the token to GitHub's API hosts only, never to the
// storage. A redirect of the storage's own is followed only to a host
// that does not get the token, and at most maxStorageRedirects of them:
// anything the storage names could be anything, GitHub's API included,
// whose answer would then be sent with the token and stored. The body is
// streamed: an attempt is cut only when it stops moving. byteRange, when
// set, is the Range header sent to the storage, which may answer 206.
func fromStorage(ctx context.Context, client *gh.Client, req *http.Request, what, byteRange string) (*http.Response, error) {
	noFollow := *client.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Do(req.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", what, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return resp, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		resp.Body.Close()
	default:
		defer resp.Body.Close()
		return nil, fmt.Errorf("download %s: %w", what, gh.CheckResponse(resp))
	}
	location := resp.Header.Get("Location")
	target, err := resp.Request.URL.Parse(location)
	if err != nil || len(location) > maxRedirectURL || (target.Scheme != "https" && target.Scheme != resp.Request.URL.Scheme) {
		return nil, fmt.Errorf("download %s: GitHub redirected to %.100q, not a storage URL", what, location)
	}
	storageReq, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", what, err)
	}
	storageReq.Header.Set("Accept", "application/octet-stream")
	if byteRange != "" {
		storageReq.Header.Set("Range", byteRange)
	}
	tokened := []string{origin(client.BaseURL), origin(client.UploadURL)}
	storage := *client.Client()
	storage.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if slices.Contains(tokened, origin(next.URL)) {
			return &StorageRedirectError{To: next.URL}
		}
		if len(via) > maxStorageRedirects {
			return &StorageRedirectError{}
		}
		return nil
	}
	resp, err = storage.Do(storageReq)
	var refused *StorageRedirectError
	if errors.As(err, &refused) {
		// Not the url.Error around it, which quotes the signed URL.
		return nil, fmt.Errorf("download %s: %w", what, refused)
	}
	if err != nil {
		return nil, fmt.Errorf("download %s from GitHub's storage: %w", what, withoutURL(err))
	}
	if resp.StatusCode != http.StatusOK && (byteRange == "" || resp.StatusCode != http.StatusPartialContent) {
		resp.Body.Close()
		return nil, fmt.Errorf("download %s from GitHub's storage: answered %s", what, resp.Status)
	}
	return resp, nil
}

// StorageRedirectError is a redirect of GitHub's storage that a download
// does not follow: to To, an origin the token is sent to, or, To nil, one
// more than maxStorageRedirects.
type StorageRedirectError struct {
	To *url.URL
}

func (e *StorageRedirectError) Error() string {
	if e.To != nil {
		// Without the query, which may carry a signature.
		shown := url.URL{Scheme: e.To.Scheme, Host: e.To.Host, Path: e.To.Path}
		return fmt.Sprintf("GitHub's storage redirected to %.200s, which would receive the token; such a redirect is never followed", shown.String())
	}
	return fmt.Sprintf("GitHub's storage redirected more than %d times", maxStorageRedirects)
}

// sized checks that a download is as long as the asset, so that an upload
// of it sends exactly the Content-Length it announced, and marks its read
// errors as the download's: the upload that reads it would report them as
// its own.
func sized(resp *http.Response, asset Asset) (io.ReadCloser, error) {
	if resp.ContentLength >= 0 && resp.ContentLength != asset.Size {
		resp.Body.Close()
		return nil, fmt.Errorf("download asset %d: %d bytes announced, the asset has %d", asset.ID, resp.ContentLength, asset.Size)
	}
	return storageBody{ReadCloser: resp.Body, asset: asset.Name}, nil
}

// StorageReadError is a download from GitHub's storage that broke off.
type StorageReadError struct {
	Asset string
	Err   error
}

func (e *StorageReadError) Error() string {
	return fmt.Sprintf("read asset %s from GitHub's storage: %v", e.Asset, e.Err)
}

func (e *StorageReadError) Unwrap() error { return e.Err }

type storageBody struct {
	io.ReadCloser
	asset string
}

func (b storageBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = &StorageReadError{Asset: b.asset, Err: err}
	}
	return n, err
}

// openSized opens a regular file; a wantSize of 0 or more must match its size.
func openSized(path string, wantSize int64) (*os.File, int64, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	info, err := file.Stat()
	switch {
	case err != nil:
		file.Close()
		return nil, 0, err
	case !info.Mode().IsRegular():
		file.Close()
		return nil, 0, fmt.Errorf("%s is not a regular file", path)
	case wantSize >= 0 && info.Size() != wantSize:
		file.Close()
		return nil, 0, fmt.Errorf("%s changed size during the upload (%d bytes, now %d)", path, wantSize, info.Size())
	}
	return file, info.Size(), nil
}

func (r Repo) releasePath(releaseID int64) string {
	return fmt.Sprintf("repos/%s/%s/releases/%d", url.PathEscape(r.Owner), url.PathEscape(r.Name), releaseID)
}
