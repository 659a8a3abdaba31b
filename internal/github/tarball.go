package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"

	gh "github.com/google/go-github/v66/github"
)

// Tarballs opens the archives of commits, as GET tarball/{ref} serves them.
type Tarballs struct {
	Client *gh.Client
}

// Tarball opens the gzip tarball of owner/repo at sha: GET
// repos/{owner}/{repo}/tarball/{sha}, which GitHub answers with a redirect
// to codeload, then GET that. The first request carries the token; the
// second goes through the transport too, which sends the token to
// GitHub's API hosts only (GitHub Enterprise Server may serve its codeload
// from its own host), never to codeload or storage. A redirect of the
// storage's own is followed only to a host that does not get the token,
// at most maxStorageRedirects times, as for asset downloads. The body is
// read as it arrives: an attempt is cut only when it stops moving.
func (t Tarballs) Tarball(ctx context.Context, owner, repo, sha string) (io.ReadCloser, error) {
	what := fmt.Sprintf("the archive of %s/%s at %s", owner, repo, sha)
	req, err := t.Client.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/tarball/%s", url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(sha)), nil)
	if err != nil {
		return nil, err
	}
	noFollow := *t.Client.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Do(req.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", what, err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		// GitHub Enterprise Server may serve it itself.
		return archiveBody{ReadCloser: resp.Body, what: what}, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		resp.Body.Close()
	default:
		defer resp.Body.Close()
		return nil, fmt.Errorf("download %s: %w", what, gh.CheckResponse(resp))
	}
	location := resp.Header.Get("Location")
	target, err := resp.Request.URL.Parse(location)
	tokened := []string{origin(t.Client.BaseURL), origin(t.Client.UploadURL)}
	if err != nil || len(location) > maxRedirectURL || (target.Scheme != "https" && target.Scheme != resp.Request.URL.Scheme) {
		return nil, fmt.Errorf("download %s: GitHub redirected to %.100q, not a storage URL", what, location)
	}
	storageReq, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", what, err)
	}
	// Streamed: cut when idle, never for taking long (see retryTransport).
	storageReq.Header.Set("Accept", "application/octet-stream")
	storage := *t.Client.Client()
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
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("download %s from GitHub's storage: answered %s", what, resp.Status)
	}
	return archiveBody{ReadCloser: resp.Body, what: what}, nil
}

// withoutURL drops the url.Error around err, which quotes the signed URL.
func withoutURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}

// archiveBody marks a read error as the download's, naming the archive:
// the unpacking that reads it would report it as its own.
type archiveBody struct {
	io.ReadCloser
	what string
}

func (b archiveBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("read %s from GitHub's storage: %w", b.what, err)
	}
	return n, err
}
