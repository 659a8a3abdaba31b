package github

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// authTransport adds the token only for GitHub's own API and uploads
// origins: a redirect to an asset store (S3, objects.githubusercontent.com)
// must not receive it.
type authTransport struct {
	trusted   []string          // origins (scheme://host:port) that may see the token
	withToken http.RoundTripper // nil when there is no token
	next      http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.withToken == nil {
		return t.next.RoundTrip(req)
	}
	target := origin(req.URL)
	for _, trusted := range t.trusted {
		if target == trusted {
			// oauth2.Transport clones the request before setting the header.
			return t.withToken.RoundTrip(req)
		}
	}
	return t.next.RoundTrip(req)
}

// origin normalises scheme, host case and default port so that
// https://API.github.com and https://api.github.com:443 compare equal.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// dryRunTransport hands every request that would change something to
// record and answers it locally, so a dry run reads real state but writes
// nothing.
type dryRunTransport struct {
	record func(method, url string, body []byte)
	next   http.RoundTripper
}

func (t *dryRunTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return t.next.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = dryRunBody(req); err != nil {
			return nil, fmt.Errorf("read body of dry-run %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
	t.record(req.Method, strings.ReplaceAll(req.URL.String(), "/"+dryRunIDText, "/"+DryRunIDPlaceholder), body)

	resp := &http.Response{
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header),
		Request:    req,
	}
	if strings.HasSuffix(req.URL.Path, "/dispatches") {
		resp.StatusCode = http.StatusNoContent
		resp.Body = http.NoBody
	} else {
		// An empty object decodes into any go-github result type; a new
		// release is its own request echoed with a placeholder id, so that
		// the dry run goes on as the real run would: uploads to it, then
		// the request that publishes it.
		created := []byte("{}")
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/releases") {
			created = echoWithID(body)
		}
		resp.StatusCode = http.StatusCreated
		resp.Header.Set("Content-Type", "application/json")
		resp.Body = io.NopCloser(bytes.NewReader(created))
		resp.ContentLength = int64(len(created))
	}
	resp.Status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	return resp, nil
}

// DryRunID is the id a dry run gives what it would create (a release),
// and DryRunIDPlaceholder what the requests it lists show in its place.
const (
	DryRunID            = 9_007_199_254_740_991 // 2^53-1: no release has it
	DryRunIDPlaceholder = "{id of the new release}"
)

var dryRunIDText = strconv.FormatInt(DryRunID, 10)

// echoWithID is a created object's answer in a dry run: the JSON object
// sent, with the placeholder id.
func echoWithID(body []byte) []byte {
	var object map[string]any
	if json.Unmarshal(body, &object) != nil || object == nil {
		object = map[string]any{}
	}
	object["id"] = DryRunID
	echoed, err := json.Marshal(object)
	if err != nil {
		return []byte("{}")
	}
	return echoed
}

// dryRunBody returns a JSON body whole, for the log; any other body (an
// asset upload, which may be gigabytes) is not read, only described.
func dryRunBody(req *http.Request) ([]byte, error) {
	defer req.Body.Close()
	if ct := req.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
		return []byte(fmt.Sprintf("(%d bytes of %s)", req.ContentLength, ct)), nil
	}
	return io.ReadAll(req.Body)
}
