package githubtest

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Hostile alters the fake's answers to the requests matching Method and
// Path (as in Fail), every time, into answers GitHub does not give: for
// the tests of a program that must survive them, and only those. The
// fake itself never sends them: its Link headers come from its own
// pagination alone, and always lead forward, as GitHub's do.
type Hostile struct {
	Method, Path string
	// Next, when set, replaces each matching answer's Link header with one
	// whose rel="next" names page Next(page), page being the page asked
	// for (1 when none is); a result below 1 sends no Link header. See
	// SamePage, EarlierPage, PageLoop and EndlessPages.
	Next func(page int) int
	// Body, when not empty, replaces each matching answer's body, such as
	// "null" where GitHub documents an object or an array.
	Body string
}

// SamePage links every page to itself as the next.
func SamePage(page int) int { return page }

// EarlierPage links page 1 to page 3, and every later page to the one
// before it: a next page that was never read, but comes before.
func EarlierPage(page int) int {
	if page == 1 {
		return 3
	}
	return page - 1
}

// PageLoop links page 1 to page 2 and page 2 back to page 1.
func PageLoop(page int) int { return page%2 + 1 }

// EndlessPages links every page to the one after it, forever.
func EndlessPages(page int) int { return page + 1 }

// HostileClient is Client, with the answers that answers match altered
// as they say. It also bounds what a test can cost: the request after
// limit, and every one after it, fails the test and is answered 400
// without reaching the fake, so that a program which loops on hostile
// answers ends, and its test says how far it went.
func (s *Server) HostileClient(limit int, answers ...Hostile) *http.Client {
	s.t.Helper()
	h := &hostileTransport{t: s.t, next: s.Client().Transport, limit: limit}
	if h.next == nil {
		h.next = http.DefaultTransport
	}
	for _, a := range answers {
		if a.Next == nil && a.Body == "" {
			s.t.Fatalf("githubtest: hostile answer to %s %s: set Next or Body", a.Method, a.Path)
		}
		h.answers = append(h.answers, hostileAnswer{Hostile: a, pattern: faultPattern(s.t, a.Path)})
	}
	return &http.Client{Transport: h}
}

type hostileAnswer struct {
	Hostile
	pattern []string
}

type hostileTransport struct {
	t       reporter
	next    http.RoundTripper
	limit   int
	answers []hostileAnswer

	mu   sync.Mutex
	sent int
}

func (h *hostileTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.sent++
	sent := h.sent
	h.mu.Unlock()
	over := sent > h.limit
	if over {
		closeBody(req)
		h.t.Errorf("githubtest: %s %s is request %d through the hostile client, past the test's limit of %d: the program does not stop", req.Method, req.URL, sent, h.limit)
		body := `{"message":"githubtest: past the hostile client's limit of ` + strconv.Itoa(h.limit) + ` requests"}`
		return &http.Response{
			Status: "400 Bad Request", StatusCode: http.StatusBadRequest,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:        http.Header{"Content-Type": {"application/json; charset=utf-8"}},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
			Request:       req,
		}, nil
	}
	resp, err := h.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	answer, ok := h.match(req)
	if !ok {
		return resp, nil
	}
	if answer.Next != nil {
		resp.Header.Del("Link")
		page := positiveOr(req.URL.Query().Get("page"), 1)
		if next := answer.Next(page); next > 0 {
			resp.Header.Set("Link", nextLink(req.URL, next))
		}
	}
	if answer.Body != "" {
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(answer.Body))
		resp.ContentLength = int64(len(answer.Body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(answer.Body)))
	}
	return resp, nil
}

// match returns the first answer for req, which addresses GitHub's URLs.
func (h *hostileTransport) match(req *http.Request) (hostileAnswer, bool) {
	where, apiPath, err := splitGitHubURL(req.URL.Host, req.URL.EscapedPath())
	if err != nil || where == storageEndpoint {
		return hostileAnswer{}, false
	}
	for _, a := range h.answers {
		if strings.EqualFold(a.Method, req.Method) && (segmentsMatch(a.pattern, unescapedPath(apiPath)) || segmentsMatch(a.pattern, apiPath)) {
			return a, true
		}
	}
	return hostileAnswer{}, false
}

// nextLink is a Link header naming page of the listing at u as the next.
func nextLink(u *url.URL, page int) string {
	next := *u
	query := next.Query()
	query.Set("page", strconv.Itoa(page))
	next.RawQuery = query.Encode()
	return fmt.Sprintf(`<%s>; rel="next"`, next.String())
}
