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
	// commits are those made known in this repository (see SetCommitDate);
	// their parents and dates are the network's, which every repository of
	// the network sees.
	commits map[string]bool
	// tip is the last commit made known here without a parent: the parent
	// of the next one (see SetCommitDate).
	tip        string
	tagObjects map[string]*tagObject // annotated tags, by their own sha
	// parent is the repository this one is a fork of (see AddFork); nil
	// for one that is no fork.
	parent  *repository
	network *network
	// issues are the repository's, by number; lastNumber is the highest
	// number given, which issues and pull requests share.
	issues     []*issue
	lastNumber int
	// labels are nil until first needed, then GitHub's defaults for a new
	// repository (see repoLabels).
	labels []*label
}

// network is a fork network: a repository and its forks, which share their
// git objects as on GitHub, so the commit graph is the network's.
type network struct {
	members []*repository      // the first repository, then its forks as added
	graph   map[string]*commit // every commit known in any member, by sha
}

// commit is a commit of the graph: its one parent ("" for a root commit),
// its date, and what SetCommitInfo said of it.
type commit struct {
	parent string
	date   time.Time
	info   CommitInfo
}

func (r *repository) fullName() string {
	return r.owner + "/" + r.name
}

// AddRepository makes the repository "owner/name" exist, with default branch
// main. Requests for any other repository get GitHub's 404, which is also
// what a token that cannot see a repository gets.
func (s *Server) AddRepository(fullName string) {
	s.t.Helper()
	owner, name := s.splitFullName("add repository", fullName)
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(fullName)
	if _, ok := s.repos[key]; ok {
		return
	}
	s.repos[key] = s.newRepository(owner, name, nil)
}

// AddFork makes the repository fork ("owner/name", created as
// AddRepository creates one, with the default branch of parent) a fork of
// parent, which must exist; adding the same fork again changes nothing.
//
// As on GitHub, a fork network shares its git objects ("commits of forks
// are visible by sha in the parent repository"): every repository of the
// network answers GET commits/{sha} and compare for a full sha made known
// in any of them, and a commit may have its parent in another one, as
// AddCommitOn(fork, a commit of parent, sha) gives it. Refs stay each
// repository's own: a fork starts with none, and its branches and tags
// never resolve by name in parent, where compare reaches them as
// "owner:branch" only. A commit the fork makes known without a parent is
// the child of the last one known in the fork, or, before the fork has
// any, of the last one known in parent.
func (s *Server) AddFork(parent, fork string) {
	s.t.Helper()
	owner, name := s.splitFullName("add fork", fork)
	s.mu.Lock()
	defer s.mu.Unlock()
	origin := s.mustRepository(parent)
	key := strings.ToLower(fork)
	if existing, ok := s.repos[key]; ok {
		if existing.parent != origin {
			s.t.Fatalf("githubtest: add fork %s of %s: %s exists already and is not that fork; AddFork creates the fork", fork, parent, fork)
		}
		return
	}
	created := s.newRepository(owner, name, origin)
	created.defaultBranch = origin.defaultBranch
	s.repos[key] = created
}

// splitFullName splits "owner/name", failing the test, as the action named
// by doing says, for anything else.
func (s *Server) splitFullName(doing, fullName string) (owner, name string) {
	s.t.Helper()
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		s.t.Fatalf("githubtest: %s %q: want owner/name", doing, fullName)
	}
	return owner, name
}

// newRepository makes a repository, in a network of its own or, as a
// fork, in the network of parent. The caller holds s.mu.
func (s *Server) newRepository(owner, name string, parent *repository) *repository {
	repo := &repository{
		id:            s.nextID(),
		owner:         owner,
		name:          name,
		defaultBranch: "main",
		refs:          map[string]string{},
		commits:       map[string]bool{},
		tagObjects:    map[string]*tagObject{},
		parent:        parent,
	}
	if parent != nil {
		repo.network = parent.network
	} else {
		repo.network = &network{graph: map[string]*commit{}}
	}
	repo.network.members = append(repo.network.members, repo)
	return repo
}

// member is the repository of the network that "owner:ref" in a
// comparison names: this one for its own owner, else the first of the
// network that owner has. The caller holds s.mu.
func (repo *repository) member(owner string) *repository {
	if strings.EqualFold(owner, repo.owner) {
		return repo
	}
	for _, candidate := range repo.network.members {
		if strings.EqualFold(owner, candidate.owner) {
			return candidate
		}
	}
	return nil
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

// GET /repos/{owner}/{repo}; a fork with fork true, its parent and its
// network's first repository (source), as GitHub shows a fork. Other
// repositories leave fork out, which clients read as false.
func (s *Server) getRepository(r *http.Request, repo *repository) Response {
	urls := s.bases(r.Host)
	answer := repositoryJSON(urls, repo)
	if repo.parent != nil {
		answer["parent"] = repositoryJSON(urls, repo.parent)
		answer["source"] = repositoryJSON(urls, repo.network.members[0])
	}
	return s.jsonResponse(http.StatusOK, answer)
}

// repositoryJSON is a repository as GET /repos/{owner}/{repo} shows it,
// without a fork's parent and source.
func repositoryJSON(urls bases, repo *repository) map[string]any {
	answer := map[string]any{
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
	}
	if repo.parent != nil {
		answer["fork"] = true
	}
	return answer
}
