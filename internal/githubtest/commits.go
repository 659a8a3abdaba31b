package githubtest

import (
	"net/http"
	"strings"
	"time"
)

// SetCommitDate makes the commit sha of repo exist, committed at when; a
// commit the fake was not told about is 404 for GET commits/{ref}.
func (s *Server) SetCommitDate(repo, sha string, when time.Time) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	if r.commits == nil {
		r.commits = map[string]time.Time{}
	}
	r.commits[strings.ToLower(sha)] = when
}

// getCommit answers GET /repos/{owner}/{repo}/commits/{ref} for a sha, a
// branch or a tag, with the fields a client orders commits by.
func (s *Server) getCommit(r *http.Request, repo *repository) Response {
	ref := r.PathValue("ref")
	sha := strings.ToLower(ref)
	for _, full := range []string{"refs/heads/" + ref, "refs/tags/" + ref} {
		if target, ok := repo.refs[full]; ok {
			sha = target
		}
	}
	when, ok := repo.commits[sha]
	if !ok {
		return Unprocessable("No commit found for SHA: " + ref)
	}
	api, web := githubURLs(r.Host)
	person := map[string]any{"name": "BTCDecoded", "email": "dev@btcdecoded.example", "date": when.UTC().Format(time.RFC3339)}
	return s.jsonResponse(http.StatusOK, map[string]any{
		"sha":      sha,
		"node_id":  "C_" + sha[:min(len(sha), 12)],
		"url":      api + "/repos/" + repo.fullName() + "/commits/" + sha,
		"html_url": web + "/" + repo.fullName() + "/commit/" + sha,
		"commit": map[string]any{
			"author":    person,
			"committer": person,
			"message":   "commit " + sha[:min(len(sha), 7)],
		},
		"parents": []any{},
	})
}
