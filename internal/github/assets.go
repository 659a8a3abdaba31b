package github

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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
		assets = append(assets, batch...)
		// A Link header that does not move forward would loop forever.
		if resp.NextPage <= page {
			return assets, nil
		}
		page = resp.NextPage
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
	asset, err := r.uploadAsset(ctx, releaseID, name, path)
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
	// The transport closes every body it sends, but not one it never sends
	// (go-github refusing before a rate limit lifts, a retry whose wait is
	// cancelled); closing them all again here is harmless and leaks none.
	var mu sync.Mutex
	opened := []*os.File{file}
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
	var body io.Reader = file
	if size == 0 {
		// A zero ContentLength with a non-nil body would be sent chunked.
		body = http.NoBody
	}
	req, err := r.Client.NewUploadRequest(r.releasePath(releaseID)+"/assets?name="+url.QueryEscape(name), body, size, mediaType)
	if err != nil {
		return Asset{}, err
	}
	req.GetBody = func() (io.ReadCloser, error) {
		if size == 0 {
			return http.NoBody, nil
		}
		again, _, err := openSized(path, size)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, again)
		return again, nil
	}

	var asset Asset
	if _, err := r.Client.Do(ctx, req, &asset); err != nil {
		// A replay refused because the file changed leaves only the first
		// attempt's error; say what stopped the retry.
		if info, statErr := os.Stat(path); statErr == nil && info.Size() != size {
			return Asset{}, fmt.Errorf("%s changed size during the upload (%d bytes, now %d): %w", path, size, info.Size(), err)
		}
		return Asset{}, err
	}
	return asset, nil
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
