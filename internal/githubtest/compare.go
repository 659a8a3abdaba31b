package githubtest

import (
	"net/http"
	"regexp"
	"strings"
)

// compareDocsURL is where GitHub's errors for GET compare/{basehead} point.
const compareDocsURL = "https://docs.github.com/rest/commits/commits#compare-two-commits"

// maxComparedCommits is how many commits GitHub lists in a comparison asked
// for without page or per_page: the most recent ones, oldest first.
const maxComparedCommits = 250

// rawComparison matches the diff and patch media types, with or without
// the v3 that go-github's CompareCommitsRaw sends.
var rawComparison = regexp.MustCompile(`^application/vnd\.github(\.v3)?\.(diff|patch)$`)

// compareCommits answers GET /repos/{owner}/{repo}/compare/{basehead}, as
// git log BASE..HEAD in chronological order, over the repository's linear
// history (see SetCommitDate). BASE and HEAD are resolved like
// commits/{ref}: a sha, a branch, a tag or HEAD, optionally as
// "owner:ref" of this repository; go-github sends each query-escaped, which
// the path unescaping undoes ("release%2F1.0" is "release/1.0"). The fake
// keeps no files, so files is always empty and a diff or patch is empty.
func (s *Server) compareCommits(r *http.Request, repo *repository) Response {
	notFound := errorResponse(http.StatusNotFound, nil, errorBody{Message: "Not Found", DocumentationURL: compareDocsURL, Status: "404"})
	basehead := r.PathValue("basehead")
	base, head, ok := strings.Cut(basehead, "...")
	if !ok {
		return notFound
	}
	baseSHA, ok := repo.comparedCommit(base)
	if !ok {
		return notFound
	}
	headSHA, ok := repo.comparedCommit(head)
	if !ok {
		return notFound
	}
	if mediaType := rawMediaType(r.Header.Get("Accept")); mediaType != "" {
		return Response{Status: http.StatusOK, Header: map[string]string{"Content-Type": mediaType + "; charset=utf-8"}}
	}

	baseAt, headAt := repo.position(baseSHA), repo.position(headSHA)
	status, between := "identical", []string{}
	switch {
	case headAt > baseAt:
		status, between = "ahead", repo.history[baseAt+1:headAt+1]
	case headAt < baseAt:
		status = "behind"
	}
	urls := s.bases(r.Host)
	comparison := func(commits []string) any {
		listed := []map[string]any{}
		for _, sha := range commits {
			listed = append(listed, s.commitJSON(urls, repo, sha))
		}
		repoWeb := urls.web + "/" + repo.fullName()
		return map[string]any{
			"url":               urls.api + "/repos/" + repo.fullName() + "/compare/" + basehead,
			"html_url":          repoWeb + "/compare/" + basehead,
			"permalink_url":     repoWeb + "/compare/" + repo.owner + ":" + baseSHA + "..." + repo.owner + ":" + headSHA,
			"diff_url":          repoWeb + "/compare/" + basehead + ".diff",
			"patch_url":         repoWeb + "/compare/" + basehead + ".patch",
			"base_commit":       s.commitJSON(urls, repo, baseSHA),
			"merge_base_commit": s.commitJSON(urls, repo, repo.history[min(baseAt, headAt)]),
			"status":            status,
			"ahead_by":          max(headAt-baseAt, 0),
			"behind_by":         max(baseAt-headAt, 0),
			"total_commits":     len(between),
			"commits":           listed,
			"files":             []any{},
		}
	}
	query := r.URL.Query()
	if query.Has("page") || query.Has("per_page") {
		return paginate(s, r, between, comparison)
	}
	return s.jsonResponse(http.StatusOK, comparison(between[max(len(between)-maxComparedCommits, 0):]))
}

// comparedCommit resolves one side of a comparison. "owner:ref" names a
// ref of a fork; the fake has none, so only this repository's owner
// resolves. The caller holds s.mu.
func (repo *repository) comparedCommit(ref string) (string, bool) {
	if owner, rest, forked := strings.Cut(ref, ":"); forked {
		if !strings.EqualFold(owner, repo.owner) {
			return "", false
		}
		ref = rest
	}
	if ref == "" {
		return "", false
	}
	return repo.commitOf(ref)
}

// rawMediaType is the diff or patch media type an Accept header asks for,
// without the v3, or "".
func rawMediaType(accept string) string {
	for candidate := range strings.SplitSeq(accept, ",") {
		mediaType, _, _ := strings.Cut(candidate, ";")
		mediaType = strings.ToLower(strings.TrimSpace(mediaType))
		if m := rawComparison.FindStringSubmatch(mediaType); m != nil {
			return "application/vnd.github." + m[2]
		}
	}
	return ""
}
