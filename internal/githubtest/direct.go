package githubtest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
)

// URL is the fake's API base for a program in another process, such as the
// built binary: http://127.0.0.1:PORT/api/v3, the form of an api-url input
// for GitHub Enterprise Server (uploads go to /api/uploads). Such requests
// do not pass through Client, so they are checked against GitHub's
// description when they arrive.
func (s *Server) URL() string { return s.directURL }

// checkDirect checks a request that came straight to the listener, not
// through Client (which checked it already), against GitHub's description:
// every request a standalone server receives, and those that reached New's
// listener at URL. A standalone server leaves the requests no route of the
// fake handles to its log, which names them as such.
func (s *Server) checkDirect(r *http.Request, where endpoint, apiPath string, body []byte) error {
	switch {
	case s.contract == nil:
		return nil
	case s.standalone:
		if !s.routed(r) {
			return nil
		}
	case s.directURL == "" || r.Host != directHost(s.directURL):
		return nil
	}
	probe := r.Clone(r.Context())
	probe.URL = &url.URL{Scheme: "https", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	probe.Body = http.NoBody
	if where != uploadsEndpoint && len(body) > 0 {
		probe.Body = io.NopCloser(bytes.NewReader(body))
	}
	_, err := contractTransport{t: s.t, contract: s.contract}.check(probe, where, apiPath)
	return err
}

func directHost(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}
