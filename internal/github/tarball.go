package github

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

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
	resp, err := fromStorage(ctx, t.Client, req, what, "")
	if err != nil {
		return nil, err
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
