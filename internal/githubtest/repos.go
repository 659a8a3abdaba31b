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
	commits       map[string]time.Time // sha to commit date, for GET commits/{ref}
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
	s.repos[key] = &repository{id: s.lastID, owner: owner, name: name, defaultBranch: "main", refs: map[string]string{}}
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

func (s *Server) getRepository(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	repo := s.repository(r.PathValue("owner"), r.PathValue("repo"))
	s.mu.Unlock()
	if repo == nil {
		s.notFound(w, r)
		return
	}
	urls := s.bases(r.Host)
	s.writeJSON(w, http.StatusOK, map[string]any{
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
