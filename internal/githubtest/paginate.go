package githubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// GitHub's page sizes for list endpoints.
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

// paginate cuts the page the request asks for (per_page, page) out of
// items and answers it the way GitHub does, with a Link header whose URLs
// are on the host the client addressed, so clients that follow rel="next"
// (go-github parses its page number) walk every page.
func paginate[T any](s *Server, r *http.Request, items []T, wrap func(page []T) any) Response {
	return paginateBy(s, r, items, defaultPerPage, maxPerPage, wrap)
}

// paginateBy is paginate for the endpoints whose pages have other sizes
// than GitHub's usual ones, such as the files of a commit.
func paginateBy[T any](s *Server, r *http.Request, items []T, defaultSize, maxSize int, wrap func(page []T) any) Response {
	query := r.URL.Query()
	perPage := positiveOr(query.Get("per_page"), defaultSize)
	perPage = min(perPage, maxSize)
	page := positiveOr(query.Get("page"), 1)
	last := max((len(items)+perPage-1)/perPage, 1)

	start := min((page-1)*perPage, len(items))
	end := min(start+perPage, len(items))
	resp := s.jsonResponse(http.StatusOK, wrap(items[start:end]))

	link := func(target int, rel string) string {
		query.Set("page", strconv.Itoa(target))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, s.bases(r.Host).api, r.URL.EscapedPath(), query.Encode(), rel)
	}
	var links []string
	if page > 1 {
		links = append(links, link(min(page-1, last), "prev"))
	}
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"))
	}
	if len(links) > 0 {
		resp.Header = map[string]string{"Link": strings.Join(links, ", ")}
	}
	return resp
}

// positiveOr parses a positive number, falling back to def for anything
// else, as GitHub ignores page parameters it cannot use.
func positiveOr(value string, def int) int {
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 {
		return def
	}
	return n
}
