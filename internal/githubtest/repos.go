package githubtest

import (
	"net/http"
	"strings"
	"time"
)

type repository struct {
	id            int64
	owner         string
	name          string
	defaultBranch string
	refs          map[string]string // full ref name, like refs/tags/v1, to sha
	releases      []*release
	runs          []*run
	commits       map[string]time.Time  // sha to commit date, for GET commits/{ref}
	history       []string              // the commits, oldest first: see SetCommitDate
	tagObjects    map[string]*tagObject // annotated tags, by their own sha
}

func (r *repository) fullName() string {
	return r.owner + "/" + r.name
}

// AddRepository makes the repository "owner/name" exist, with default branch
// main. Requests for any other repository get GitHub's 404, which is also
// what a token that cannot see a repository gets.
func (s *Server) AddRepository(fullName string) {
	s.t.Helper()
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		s.t.Fatalf("githubtest: add repository %q: want owner/name", fullName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(fullName)
	if _, ok := s.repos[key]; ok {
		return
	}
	s.lastID++
	s.repos[key] = &repository{
		id:            s.lastID,
		owner:         owner,
		name:          name,
		defaultBranch: "main",
		refs:          map[string]string{},
		commits:       map[string]time.Time{},
		tagObjects:    map[string]*tagObject{},
	}
}

// SetDefaultBranch makes branch the default branch of repo ("owner/name"),
// which GET /repos/{owner}/{repo} reports, HEAD names and releases without
// a target are made at; AddRepository starts with main.
func (s *Server) SetDefaultBranch(repo, branch string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepository(repo).defaultBranch = branch
}

// repository returns the repository owner/name, matched case-insensitively
// like GitHub does, or nil. The caller holds s.mu.
func (s *Server) repository(owner, name string) *repository {
	return s.repos[strings.ToLower(owner+"/"+name)]
}

// knownRepository tells whether path is outside /repos/{owner}/{repo} or
// names a repository that exists.
func (s *Server) knownRepository(path string) bool {
	segments := strings.Split(path, "/")
	if len(segments) < 4 || segments[1] != "repos" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repository(segments[2], segments[3]) != nil
}

// GET /repos/{owner}/{repo}
func (s *Server) getRepository(r *http.Request, repo *repository) Response {
	urls := s.bases(r.Host)
	return s.jsonResponse(http.StatusOK, map[string]any{
		"id":        repo.id,
		"name":      repo.name,
		"full_name": repo.fullName(),
		"private":   false,
		"owner": map[string]any{
			"login": repo.owner,
			"type":  "Organization",
		},
		"html_url":       urls.web + "/" + repo.fullName(),
		"url":            urls.api + "/repos/" + repo.fullName(),
		"default_branch": repo.defaultBranch,
	})
}
