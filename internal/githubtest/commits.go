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
// commit the fake was not told about, here or by AddCommit, AddCommitOn,
// SetBranch or SetAnnotatedTag, gets GitHub's 422 No commit found from GET
// commits/{ref}, and cannot be tagged by a tag object.
//
// Each commit has one parent, which is what GET commits/{ref} shows and
// GET compare/{basehead} walks. AddCommitOn names it; a commit the other
// setters make known is the child of the last one they made known in the
// repository (in a fork, of its parent's before it has its own: see
// AddFork), so that, without AddCommitOn, a repository's history is
// linear, in the order its commits first became known.
func (s *Server) SetCommitDate(repo, sha string, when time.Time) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	r.addCommit(sha, when)
	r.network.graph[strings.ToLower(sha)].date = when
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

// AddCommitOn makes the commit sha of repo exist as the child of parent,
// dated now (SetCommitDate afterwards redates it), for a branched history: it moves no branch (SetBranch does),
// nor the commit the next AddCommit follows. parent must exist in repo's
// fork network (see AddFork), so a fork's commit may follow one of its
// parent repository's. Making sha known again with the same parent changes
// nothing; with another, or with a parent that does not exist, it fails
// the test.
func (s *Server) AddCommitOn(repo, parent, sha string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	parent, sha = strings.ToLower(parent), strings.ToLower(sha)
	if _, exists := r.network.graph[parent]; !exists {
		s.t.Fatalf("githubtest: add commit %s on %s to %s: the parent does not exist; make it with AddCommit or AddCommitOn first", sha, parent, repo)
	}
	switch known, exists := r.network.graph[sha]; {
	case !exists:
		r.network.graph[sha] = &commit{parent: parent, date: s.now()}
	case known.parent != parent:
		s.t.Fatalf("githubtest: add commit %s on %s to %s: it exists already, as the child of %q", sha, parent, repo, known.parent)
	}
	r.commits[sha] = true
}

// addCommit makes sha known in the repository, keeping the parent and date
// it may have in the network; a new commit is the child of the last one
// known (see lastKnown). The caller holds s.mu.
func (repo *repository) addCommit(sha string, when time.Time) {
	sha = strings.ToLower(sha)
	if repo.commits[sha] {
		return
	}
	if _, exists := repo.network.graph[sha]; !exists {
		repo.network.graph[sha] = &commit{parent: repo.lastKnown(), date: when}
	}
	repo.commits[sha] = true
	repo.tip = sha
}

// lastKnown is the parent of the next commit made known without one: the
// repository's tip or, for a fork without commits of its own, its
// parent's. The caller holds s.mu.
func (repo *repository) lastKnown() string {
	if repo.tip == "" && repo.parent != nil {
		return repo.parent.lastKnown()
	}
	return repo.tip
}

// ancestry is sha and its ancestors, nearest first. The caller holds s.mu.
func (n *network) ancestry(sha string) []string {
	var line []string
	for sha != "" {
		line = append(line, sha)
		sha = n.graph[sha].parent
	}
	return line
}

// mergeBase is the nearest commit both base and head descend from (each
// counts as its own descendant), as git merge-base finds it; false when
// their histories have none in common. The caller holds s.mu.
func (n *network) mergeBase(base, head string) (string, bool) {
	ofBase := map[string]bool{}
	for _, sha := range n.ancestry(base) {
		ofBase[sha] = true
	}
	for _, sha := range n.ancestry(head) {
		if ofBase[sha] {
			return sha, true
		}
	}
	return "", false
}

// since lists the commits after ancestor up to sha, oldest first, as git
// log --reverse ancestor..sha does; ancestor must be one of sha's. The
// caller holds s.mu.
func (n *network) since(ancestor, sha string) []string {
	line := n.ancestry(sha)
	line = line[:slices.Index(line, ancestor)]
	slices.Reverse(line)
	return line
}

// commitOf finds the commit GET commits/{ref} names, as git's rev-parse
// would: HEAD for the default branch's head, a full sha, or a ref of this
// repository tried as refs/<ref>, refs/tags/<ref> then refs/heads/<ref>,
// annotated tags peeled. Only commits the fake was told about exist, in
// any repository of the fork network: GitHub shares the network's objects
// (see AddFork). The caller holds s.mu.
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
	_, exists := repo.network.graph[sha]
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
	return s.commitWithFiles(r, repo, sha)
}

// commitJSON is a commit as GET commits/{ref} and compare show it, with the
// fields a client orders commits by, its parent (see SetCommitDate), and
// its message and author (see SetCommitInfo), all under repo's URLs even
// for a commit of another repository of its network, as GitHub shows one.
// A commit without an author login belongs to no GitHub user, so author
// and committer are null, as GitHub sends them for an email it cannot
// match. The caller holds s.mu.
func (s *Server) commitJSON(urls bases, repo *repository, sha string) map[string]any {
	repoAPI := urls.api + "/repos/" + repo.fullName()
	repoWeb := urls.web + "/" + repo.fullName()
	known := repo.network.graph[sha]
	person := map[string]any{"name": "BTCDecoded", "email": "dev@btcdecoded.example", "date": known.date.UTC().Format(time.RFC3339)}
	var user any
	if login := known.info.Author; login != "" {
		person["name"], person["email"] = login, noreplyEmail(login)
		user = userJSON(urls, login)
	}
	treeSHA := objectSHA(sha, "")
	message := known.info.Message
	if message == "" {
		message = "commit " + sha[:min(len(sha), 7)]
	}
	parents := []any{}
	if parent := known.parent; parent != "" {
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
			"tree":          map[string]any{"sha": treeSHA, "url": repoAPI + "/git/trees/" + treeSHA},
			"author":        person,
			"committer":     person,
			"message":       message,
			"comment_count": 0,
			"verification":  map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil},
		},
		"author":    user,
		"committer": user,
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
