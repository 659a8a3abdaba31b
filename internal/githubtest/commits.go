package githubtest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// commitDocsURL is where GitHub's errors for GET commits/{ref} point.
const commitDocsURL = "https://docs.github.com/rest/commits/commits#get-a-commit"

// SetCommitDate makes the commit sha of repo exist, committed at when. A
// commit the fake was not told about, here or by AddCommit, SetBranch or
// SetAnnotatedTag, gets GitHub's 422 No commit found from GET
// commits/{ref}, and cannot be tagged by a tag object.
//
// The fake takes a repository's history for linear, in the order its
// commits first became known by any of these: each commit's parent is the
// one known before it, which is what GET compare/{basehead} counts by.
func (s *Server) SetCommitDate(repo, sha string, when time.Time) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	r.addCommit(sha, when)
	r.commits[strings.ToLower(sha)] = when
}

// AddCommit makes the commit sha of repo exist, so that a tag object can
// tag it and GET commits/{sha} finds it; it is dated now, unless
// SetCommitDate dated it already.
func (s *Server) AddCommit(repo, sha string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepository(repo).addCommit(sha, s.now())
}

// addCommit makes sha exist, keeping the date it may have; a new commit
// is the child of the last one known. The caller holds s.mu.
func (repo *repository) addCommit(sha string, when time.Time) {
	sha = strings.ToLower(sha)
	if _, dated := repo.commits[sha]; !dated {
		repo.commits[sha] = when
		repo.history = append(repo.history, sha)
	}
}

// position is where sha is in the repository's linear history, or -1.
// The caller holds s.mu.
func (repo *repository) position(sha string) int {
	return slices.Index(repo.history, sha)
}

// commitOf finds the commit GET commits/{ref} names, as git's rev-parse
// would: HEAD for the default branch's head, a full sha, or a ref tried as
// refs/<ref>, refs/tags/<ref> then refs/heads/<ref>, annotated tags peeled.
// Only commits the fake was told about exist. The caller holds s.mu.
func (repo *repository) commitOf(ref string) (string, bool) {
	if ref == "HEAD" {
		ref = "refs/heads/" + repo.defaultBranch
	}
	sha, named := "", false
	if !fullSHA.MatchString(ref) {
		for _, full := range []string{ref, "refs/" + ref, "refs/tags/" + ref, "refs/heads/" + ref} {
			if target, ok := repo.refs[full]; ok && strings.HasPrefix(full, "refs/") {
				sha, named = target, true
				break
			}
		}
	}
	if !named {
		sha = strings.ToLower(ref)
	}
	sha = repo.peel(sha)
	_, exists := repo.commits[sha]
	return sha, exists
}

// getCommit answers GET /repos/{owner}/{repo}/commits/{ref} for a sha, a
// branch, a tag or HEAD, with the fields a client orders commits by, or
// with the bare sha for the sha media type that
// Repositories.GetCommitSHA1 asks for.
func (s *Server) getCommit(r *http.Request, repo *repository) Response {
	ref := r.PathValue("ref")
	sha, ok := repo.commitOf(ref)
	if !ok {
		return errorResponse(http.StatusUnprocessableEntity, nil, errorBody{Message: "No commit found for SHA: " + ref, DocumentationURL: commitDocsURL, Status: "422"})
	}
	if wantsSHA(r.Header.Get("Accept")) {
		// The sha is the ETag, so a client that sends the sha it has in
		// If-None-Match learns without a body that the ref has not moved.
		etag := `"` + sha + `"`
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			return Response{Status: http.StatusNotModified, Header: map[string]string{"ETag": etag}}
		}
		return Response{
			Status: http.StatusOK,
			Header: map[string]string{"Content-Type": "application/vnd.github.sha; charset=utf-8", "ETag": etag},
			Body:   sha,
		}
	}
	return s.jsonResponse(http.StatusOK, s.commitJSON(s.bases(r.Host), repo, sha))
}

// commitJSON is a commit as GET commits/{ref} and compare show it, with the
// fields a client orders commits by. Its parent is the commit before it in
// the repository's linear history. The fake's commits belong to no GitHub
// user, so author and committer are null, as GitHub sends them for an
// email it cannot match. The caller holds s.mu.
func (s *Server) commitJSON(urls bases, repo *repository, sha string) map[string]any {
	repoAPI := urls.api + "/repos/" + repo.fullName()
	repoWeb := urls.web + "/" + repo.fullName()
	person := map[string]any{"name": "BTCDecoded", "email": "dev@btcdecoded.example", "date": repo.commits[sha].UTC().Format(time.RFC3339)}
	parents := []any{}
	if at := repo.position(sha); at > 0 {
		parent := repo.history[at-1]
		parents = append(parents, map[string]any{"sha": parent, "url": repoAPI + "/commits/" + parent, "html_url": repoWeb + "/commit/" + parent})
	}
	return map[string]any{
		"sha":          sha,
		"node_id":      "C_" + sha[:min(len(sha), 12)],
		"url":          repoAPI + "/commits/" + sha,
		"html_url":     repoWeb + "/commit/" + sha,
		"comments_url": repoAPI + "/commits/" + sha + "/comments",
		"commit": map[string]any{
			"url":           repoAPI + "/git/commits/" + sha,
			"author":        person,
			"committer":     person,
			"message":       "commit " + sha[:min(len(sha), 7)],
			"comment_count": 0,
			"verification":  map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil},
		},
		"author":    nil,
		"committer": nil,
		"parents":   parents,
	}
}

// shaMediaType matches GitHub's sha media type with or without a version:
// application/vnd.github.sha, or application/vnd.github.v3.sha as
// go-github sends it.
var shaMediaType = regexp.MustCompile(`^application/vnd\.github(\.v3)?\.sha$`)

func wantsSHA(accept string) bool {
	for candidate := range strings.SplitSeq(accept, ",") {
		mediaType, _, _ := strings.Cut(candidate, ";")
		if shaMediaType.MatchString(strings.ToLower(strings.TrimSpace(mediaType))) {
			return true
		}
	}
	return false
}
