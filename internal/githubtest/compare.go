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

// WithCompareLimit plays GitHub giving up on a large comparison: a compare
// whose commits ahead and behind add up to more than n is answered 422
// "Server Error: Sorry, this diff is taking too long to generate.", as
// GitHub answers when the diff of a comparison is too large to compute
// in time, whatever page or per_page asks for.
func WithCompareLimit(n int) Option {
	return func(s *Server) { s.compareLimit = n }
}

// compareCommits answers GET /repos/{owner}/{repo}/compare/{basehead}
// over the commit graph (see SetCommitDate) as GitHub does: status
// identical for one commit, ahead when BASE is an ancestor of HEAD, behind
// when HEAD is one of BASE, diverged otherwise; ahead_by and behind_by
// count from the merge base to HEAD and to BASE, and commits lists the
// ahead_by ones, oldest first, as git log --reverse BASE..HEAD does. Two
// commits with no history in common get GitHub's 404 No common ancestor.
// BASE and HEAD are resolved like commits/{ref}: a sha, a branch, a tag or
// HEAD, a full sha of any repository of the fork network (see AddFork), or
// "owner:ref" for a ref of the network's repository of owner; go-github
// sends each query-escaped, which the path unescaping undoes
// ("release%2F1.0" is "release/1.0"). files is the diff of the commits
// ahead (see SetCommitInfo), 300 at most, on the first page only; a diff
// or patch is empty.
func (s *Server) compareCommits(r *http.Request, repo *repository) Response {
	notFound := errorResponse(http.StatusNotFound, nil, errorBody{Message: "Not Found", DocumentationURL: compareDocsURL, Status: "404"})
	basehead := r.PathValue("basehead")
	base, head, ok := strings.Cut(basehead, "...")
	if !ok {
		return notFound
	}
	baseSHA, baseRepo, ok := repo.comparedCommit(base)
	if !ok {
		return notFound
	}
	headSHA, headRepo, ok := repo.comparedCommit(head)
	if !ok {
		return notFound
	}
	graph := repo.network
	mergeBase, ok := graph.mergeBase(baseSHA, headSHA)
	if !ok {
		return errorResponse(http.StatusNotFound, nil, errorBody{Message: "No common ancestor between " + base + " and " + head + ".", DocumentationURL: compareDocsURL, Status: "404"})
	}
	if mediaType := rawMediaType(r.Header.Get("Accept")); mediaType != "" {
		return Response{Status: http.StatusOK, Header: map[string]string{"Content-Type": mediaType + "; charset=utf-8"}}
	}

	ahead, behind := graph.since(mergeBase, headSHA), graph.since(mergeBase, baseSHA)
	if s.compareLimit > 0 && len(ahead)+len(behind) > s.compareLimit {
		return errorResponse(http.StatusUnprocessableEntity, nil, errorBody{
			Message:          "Server Error: Sorry, this diff is taking too long to generate.",
			Errors:           []map[string]string{{"resource": "Commit", "field": "diff", "code": "not_available"}},
			DocumentationURL: compareDocsURL, Status: "422",
		})
	}
	var status string
	switch {
	case baseSHA == headSHA:
		status = "identical"
	case len(behind) == 0:
		status = "ahead"
	case len(ahead) == 0:
		status = "behind"
	default:
		status = "diverged"
	}
	urls := s.bases(r.Host)
	query := r.URL.Query()
	var files []changedFile
	if positiveOr(query.Get("page"), 1) == 1 {
		files = graph.diffFiles(ahead)
		files = files[:min(len(files), filesPerPage)]
	}
	comparison := func(commits []string) any {
		listed := []map[string]any{}
		for _, sha := range commits {
			listed = append(listed, s.commitJSON(urls, repo, sha))
		}
		repoWeb := urls.web + "/" + repo.fullName()
		return map[string]any{
			"url":               urls.api + "/repos/" + repo.fullName() + "/compare/" + basehead,
			"html_url":          repoWeb + "/compare/" + basehead,
			"permalink_url":     repoWeb + "/compare/" + baseRepo.owner + ":" + baseSHA + "..." + headRepo.owner + ":" + headSHA,
			"diff_url":          repoWeb + "/compare/" + basehead + ".diff",
			"patch_url":         repoWeb + "/compare/" + basehead + ".patch",
			"base_commit":       s.commitJSON(urls, repo, baseSHA),
			"merge_base_commit": s.commitJSON(urls, repo, mergeBase),
			"status":            status,
			"ahead_by":          len(ahead),
			"behind_by":         len(behind),
			"total_commits":     len(ahead),
			"commits":           listed,
			"files":             filesJSON(urls, repo, headSHA, files),
		}
	}
	if query.Has("page") || query.Has("per_page") {
		return paginate(s, r, ahead, comparison)
	}
	return s.jsonResponse(http.StatusOK, comparison(ahead[max(len(ahead)-maxComparedCommits, 0):]))
}

// comparedCommit resolves one side of a comparison, with the repository
// whose refs named it. "owner:ref" names a ref of the repository of owner
// in the fork network, which is this one for its own owner. The caller
// holds s.mu.
func (repo *repository) comparedCommit(ref string) (string, *repository, bool) {
	side := repo
	if owner, rest, forked := strings.Cut(ref, ":"); forked {
		if side = repo.member(owner); side == nil {
			return "", nil, false
		}
		ref = rest
	}
	if ref == "" {
		return "", nil, false
	}
	sha, ok := side.commitOf(ref)
	return sha, side, ok
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
