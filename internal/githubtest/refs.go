package githubtest

import (
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// SetTag points the lightweight tag refs/tags/<tag> of repo ("owner/name")
// at sha, as pushing the tag would.
func (s *Server) SetTag(repo, tag, sha string) {
	s.t.Helper()
	s.setRef(repo, "refs/tags/"+tag, sha)
}

// SetBranch points refs/heads/<branch> of repo at sha, so that a release's
// target_commitish or a dispatch's ref naming the branch resolves, and
// makes the commit sha exist (see AddCommit). Setting the default branch
// (main, unless SetDefaultBranch) also gives releases without a target
// their sha.
func (s *Server) SetBranch(repo, branch, sha string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	r.refs["refs/heads/"+branch] = strings.ToLower(sha)
	r.addCommit(sha, s.now())
}

func (s *Server) setRef(fullName, ref, sha string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepository(fullName).refs[ref] = strings.ToLower(sha)
}

// Tags returns the tags of repo, each with the commit it points at: for an
// annotated tag, the commit its tag object tags (see TagObject for the
// object itself), as git's peeled tag^{commit} and GET /tags give it.
func (s *Server) Tags(repo string) map[string]string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	tags := map[string]string{}
	for ref, sha := range r.refs {
		if tag, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
			tags[tag] = r.peel(sha)
		}
	}
	return tags
}

var fullSHA = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// resolve finds the commit a release's target_commitish or a dispatch's ref
// names: a branch, a tag, a full ref or a full sha; empty means the default
// branch. The caller holds s.mu.
func (repo *repository) resolve(commitish string) (string, bool) {
	if commitish == "" {
		commitish = repo.defaultBranch
	}
	if sha, ok := repo.branchOrTag(commitish); ok {
		return sha, true
	}
	if fullSHA.MatchString(commitish) {
		return strings.ToLower(commitish), true
	}
	return "", false
}

// branchOrTag finds the commit of a workflow_dispatch ref, which names a
// branch or a tag, short or in full, never a bare sha; an annotated tag
// gives the commit it tags. The caller holds s.mu.
func (repo *repository) branchOrTag(ref string) (string, bool) {
	for _, full := range []string{ref, "refs/heads/" + ref, "refs/tags/" + ref} {
		if sha, ok := repo.refs[full]; ok && strings.HasPrefix(full, "refs/") {
			return repo.peel(sha), true
		}
	}
	return "", false
}

// refJSON is a ref as GitHub shows it: an annotated tag's ref points at its
// tag object, not at the commit.
func (s *Server) refJSON(urls bases, repo *repository, ref, sha string) map[string]any {
	repoURL := urls.api + "/repos/" + repo.fullName()
	object := map[string]any{"type": "commit", "sha": sha, "url": repoURL + "/git/commits/" + sha}
	if _, annotated := repo.tagObjects[sha]; annotated {
		object["type"], object["url"] = "tag", repoURL+"/git/tags/"+sha
	}
	return map[string]any{
		"ref":     ref,
		"node_id": nodeID("Ref", repo.fullName()+":"+ref),
		"url":     repoURL + "/git/" + ref,
		"object":  object,
	}
}

// GET /repos/{owner}/{repo}/git/ref/{ref}, ref as "tags/v1".
func (s *Server) getRef(r *http.Request, repo *repository) Response {
	ref := "refs/" + r.PathValue("ref")
	sha, ok := repo.refs[ref]
	if !ok {
		return NotFound()
	}
	return s.jsonResponse(http.StatusOK, s.refJSON(s.bases(r.Host), repo, ref, sha))
}

// GET /repos/{owner}/{repo}/git/matching-refs/{ref}: every ref whose name
// starts with refs/<ref>, by name, all in one answer: GitHub ignores
// per_page and page here and sends no Link header, however many match.
func (s *Server) listMatchingRefs(r *http.Request, repo *repository) Response {
	prefix := "refs/" + r.PathValue("ref")
	var matching []string
	for ref := range repo.refs {
		if strings.HasPrefix(ref, prefix) {
			matching = append(matching, ref)
		}
	}
	slices.Sort(matching)
	urls := s.bases(r.Host)
	out := []map[string]any{}
	for _, ref := range matching {
		out = append(out, s.refJSON(urls, repo, ref, repo.refs[ref]))
	}
	return s.jsonResponse(http.StatusOK, out)
}

// POST /repos/{owner}/{repo}/git/refs, at a commit or, for an annotated
// tag, at the sha of its tag object.
func (s *Server) createRef(r *http.Request, repo *repository) Response {
	var body struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	}
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	switch {
	case strings.Count(body.Ref, "/") < 2:
		return Unprocessable("Reference name must contain at least three slash-separated components.")
	case !strings.HasPrefix(body.Ref, "refs/"):
		return Unprocessable(fmt.Sprintf("%s is not a valid ref name.", body.Ref))
	case !fullSHA.MatchString(body.SHA):
		return Unprocessable("Object does not exist")
	}
	if _, exists := repo.refs[body.Ref]; exists {
		return Unprocessable("Reference already exists")
	}
	sha := strings.ToLower(body.SHA)
	_, isCommit := repo.commits[sha]
	if _, isTagObject := repo.tagObjects[sha]; !isCommit && !isTagObject {
		// Only what the repository holds can be pointed at; the fake holds
		// the commits a test made exist (AddCommit, SetBranch) and the tag
		// objects created.
		return Unprocessable("Object does not exist")
	}
	repo.refs[body.Ref] = sha
	urls := s.bases(r.Host)
	created := s.refJSON(urls, repo, body.Ref, sha)
	resp := s.jsonResponse(http.StatusCreated, created)
	resp.Header = map[string]string{"Location": created["url"].(string)}
	return resp
}

// PATCH /repos/{owner}/{repo}/git/refs/{ref}, ref as "tags/v1". Every
// update counts as a fast-forward: the fake does not refuse one without
// force that GitHub would refuse as not a fast forward.
func (s *Server) updateRef(r *http.Request, repo *repository) Response {
	var body struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	ref := "refs/" + r.PathValue("ref")
	if _, exists := repo.refs[ref]; !exists {
		return Unprocessable("Reference does not exist")
	}
	if !fullSHA.MatchString(body.SHA) {
		return Unprocessable("Object does not exist")
	}
	if s.tagOfImmutableRelease(repo, ref) {
		return immutableTag()
	}
	repo.refs[ref] = strings.ToLower(body.SHA)
	return s.jsonResponse(http.StatusOK, s.refJSON(s.bases(r.Host), repo, ref, repo.refs[ref]))
}

// DELETE /repos/{owner}/{repo}/git/refs/{ref}, ref as "tags/v1": like
// GitHub, "refs/tags/v1" names a ref that does not exist.
func (s *Server) deleteRef(r *http.Request, repo *repository) Response {
	ref := "refs/" + r.PathValue("ref")
	if _, exists := repo.refs[ref]; !exists {
		return Unprocessable("Reference does not exist")
	}
	if s.tagOfImmutableRelease(repo, ref) {
		return immutableTag()
	}
	delete(repo.refs, ref)
	return noContent()
}

// GET /repos/{owner}/{repo}/tags, each with its commit, annotated tags
// peeled. GitHub does not promise an order; the fake lists tags by name,
// descending, which is not by date, so code that takes the first tag for
// the newest is caught.
func (s *Server) listTags(r *http.Request, repo *repository) Response {
	var tags []string
	for ref := range repo.refs {
		if tag, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
			tags = append(tags, tag)
		}
	}
	slices.SortFunc(tags, func(a, b string) int { return cmp.Compare(b, a) })
	urls := s.bases(r.Host)
	repoURL := urls.api + "/repos/" + repo.fullName()
	return paginate(s, r, tags, func(page []string) any {
		out := []map[string]any{}
		for _, tag := range page {
			sha := repo.peel(repo.refs["refs/tags/"+tag])
			out = append(out, map[string]any{
				"name":        tag,
				"node_id":     nodeID("Tag", repo.fullName()+":"+tag),
				"commit":      map[string]any{"sha": sha, "url": repoURL + "/commits/" + sha},
				"zipball_url": repoURL + "/zipball/" + tag,
				"tarball_url": repoURL + "/tarball/" + tag,
			})
		}
		return out
	})
}
