package githubtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// endpoint is which of GitHub's servers a request addresses: uploads of
// release assets have their own host, downloads of their bytes are served
// by storage outside the API, and everything else goes to the API.
type endpoint int

const (
	apiEndpoint endpoint = iota
	uploadsEndpoint
	// storageEndpoint serves the bytes of release assets at the pre-signed
	// URLs the API redirects to. It is not the REST API, so GitHub's
	// description does not cover it and the contract does not check it.
	storageEndpoint
)

func (e endpoint) String() string {
	switch e {
	case uploadsEndpoint:
		return "the uploads server"
	case storageEndpoint:
		return "the release-asset storage"
	}
	return "the API server"
}

// GitHub Enterprise Server serves both API endpoints from one host, told
// apart by these path prefixes. The fake serves asset storage under its own
// prefix on a host that is not github.com's, as a standalone server must.
const (
	ghesAPIPrefix     = "/api/v3"
	ghesUploadsPrefix = "/api/uploads"
	storagePrefix     = "/storage"
)

// storageHost is where github.com's API redirects downloads of release
// assets, as recorded in 2024 and 2025 (DataDog/documentation#24206,
// gm3dmo/the-power#393); github.com has since moved them to
// release-assets.githubusercontent.com with Azure-style signatures, which
// no recording at hand shows the refusals of.
const storageHost = "objects.githubusercontent.com"

// splitGitHubURL tells which endpoint a github.com or GitHub Enterprise
// Server URL addresses and returns its API path (escaped, as sent), so that
// both endpoints and both products share one set of routes. For storage,
// the path is the object's: /<bucket>/<repository id>/<key>.
func splitGitHubURL(host, escapedPath string) (endpoint, string, error) {
	switch strings.ToLower(host) {
	case "api.github.com":
		return apiEndpoint, escapedPath, nil
	case "uploads.github.com":
		return uploadsEndpoint, escapedPath, nil
	case storageHost:
		return storageEndpoint, escapedPath, nil
	}
	if rest, ok := cutPathPrefix(escapedPath, ghesAPIPrefix); ok {
		return apiEndpoint, rest, nil
	}
	if rest, ok := cutPathPrefix(escapedPath, ghesUploadsPrefix); ok {
		return uploadsEndpoint, rest, nil
	}
	if rest, ok := cutPathPrefix(escapedPath, storagePrefix); ok {
		return storageEndpoint, rest, nil
	}
	return 0, "", fmt.Errorf("https://%s%s is not a GitHub API URL (want api.github.com, uploads.github.com, %s or <ghes host>/api/v3, /api/uploads, %s)", host, escapedPath, storageHost, storagePrefix)
}

func cutPathPrefix(escapedPath, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(escapedPath, prefix)
	if !ok || !strings.HasPrefix(rest, "/") {
		return "", false
	}
	return rest, true
}

// rewriteTransport sends requests for GitHub's URLs to the fake server, so
// the program under test keeps its real base URLs and never learns the port.
type rewriteTransport struct {
	target *url.URL
	next   http.RoundTripper
}

func (rt rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		closeBody(req)
		return nil, fmt.Errorf("githubtest: %s %s: GitHub is only served over https", req.Method, req.URL)
	}
	if _, _, err := splitGitHubURL(req.URL.Host, req.URL.EscapedPath()); err != nil {
		closeBody(req)
		return nil, fmt.Errorf("githubtest: %s: %w", req.Method, err)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = rt.target.Scheme
	out.URL.Host = rt.target.Host
	// The Host header carries the original host to the fake, which needs it
	// to tell github.com's endpoints apart and to answer with its URLs.
	out.Host = req.URL.Host
	resp, err := rt.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	// Errors built from the response (go-github's among them) quote its
	// request's URL, which must be GitHub's and not the fake's.
	resp.Request = req
	return resp, nil
}

// closeBody honours the RoundTripper contract of closing the body even
// when the request is never sent.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
