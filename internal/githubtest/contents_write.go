package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	"strings"
)

// contentsWriteDocs is where GitHub's errors for PUT contents/{path} point.
const contentsWriteDocs = "https://docs.github.com/rest/repos/contents#create-or-update-file-contents"

// putContents answers PUT /repos/{owner}/{repo}/contents/{path}: one new
// commit on the branch (the default one unless branch names another),
// holding every file of the branch's head and the file written, and the
// branch moved to it; GET contents/{path} then serves it. GitHub's
// answers, as measured (see pome-sh/digital-twins FIDELITY.md, "Optimistic
// locking on the contents door"), and in the order it checks:
//
//   - message or content not sent: 422 `Invalid request.\n\n"<field>"
//     wasn't supplied.`, without errors;
//   - content not base64: 422 "content is not valid Base64";
//   - a branch that does not exist: 404 "Branch <name> not found" (an
//     empty repository's default branch is made by the first file);
//   - a file that exists, without sha: 422 `"sha" wasn't supplied.`; with
//     any other sha than its blob's: 409 "<path> does not match <sha>";
//   - a new file: 201, whatever sha says; an update: 200.
//
// Both answer {content, commit} as @octokit/fixtures recorded it
// (scenario create-file). The commit's author is the token's user.
func (s *Server) putContents(r *http.Request, repo *repository) Response {
	var body struct {
		Message *string `json:"message"`
		Content *string `json:"content"`
		SHA     string  `json:"sha"`
		Branch  string  `json:"branch"`
	}
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	filePath := strings.Trim(r.PathValue("path"), "/")
	if clean := path.Clean(filePath); clean != filePath || clean == "." || strings.HasPrefix(clean, "../") {
		return errorResponse(http.StatusUnprocessableEntity, nil, errorBody{Message: "path is not a valid path", DocumentationURL: contentsWriteDocs, Status: "422"})
	}
	for field, value := range map[string]*string{"message": body.Message, "content": body.Content} {
		if value == nil {
			return notSupplied(field)
		}
	}
	content, err := base64.StdEncoding.DecodeString(*body.Content)
	if err != nil {
		return errorResponse(http.StatusUnprocessableEntity, nil, errorBody{Message: "content is not valid Base64", DocumentationURL: contentsWriteDocs, Status: "422"})
	}
	branch := body.Branch
	if branch == "" {
		branch = repo.defaultBranch
	}
	head, ok := repo.refs["refs/heads/"+branch]
	if !ok && (branch != repo.defaultBranch || repo.hasBranches()) {
		return errorResponse(http.StatusNotFound, nil, errorBody{Message: "Branch " + branch + " not found", DocumentationURL: contentsWriteDocs, Status: "404"})
	}
	existing, exists := s.files()[fileKey{repo, head, filePath}]
	switch {
	case exists && body.SHA == "":
		return notSupplied("sha")
	case exists && body.SHA != blobSHA(existing):
		return errorResponse(http.StatusConflict, nil, errorBody{Message: filePath + " does not match " + body.SHA, DocumentationURL: contentsWriteDocs, Status: "409"})
	}

	now := s.now()
	sum := sha1.Sum(fmt.Appendf(nil, "commit %s %s %s %d", head, filePath, blobSHA(string(content)), s.nextID()))
	sha := hex.EncodeToString(sum[:])
	repo.network.graph[sha] = &commit{parent: head, date: now, info: CommitInfo{Message: *body.Message, Author: actorLogin, Files: []string{filePath}}}
	repo.commits[sha], repo.tip = true, sha
	repo.refs["refs/heads/"+branch] = sha
	files := s.files()
	for key, text := range files {
		if key.repo == repo && key.sha == head {
			files[fileKey{repo, sha, key.path}] = text
		}
	}
	files[fileKey{repo, sha, filePath}] = string(content)

	urls := s.bases(r.Host)
	repoAPI := urls.api + "/repos/" + repo.fullName()
	person := map[string]any{"name": actorLogin, "email": noreplyEmail(actorLogin), "date": githubTime(now)}
	parents := []map[string]any{}
	if head != "" {
		parents = append(parents, map[string]any{"sha": head, "url": repoAPI + "/git/commits/" + head, "html_url": urls.web + "/" + repo.fullName() + "/commit/" + head})
	}
	tree := objectSHA(sha, "")
	status := http.StatusCreated
	if exists {
		status = http.StatusOK
	}
	return s.jsonResponse(status, map[string]any{
		"content": fileJSON(urls, repo, filePath, branch, string(content)),
		"commit": map[string]any{
			"sha":          sha,
			"node_id":      nodeID("Commit", sha),
			"url":          repoAPI + "/git/commits/" + sha,
			"html_url":     urls.web + "/" + repo.fullName() + "/commit/" + sha,
			"author":       person,
			"committer":    person,
			"tree":         map[string]any{"sha": tree, "url": repoAPI + "/git/trees/" + tree},
			"message":      *body.Message,
			"parents":      parents,
			"verification": map[string]any{"verified": false, "reason": "unsigned", "signature": nil, "payload": nil, "verified_at": nil},
		},
	})
}

// notSupplied is GitHub's 422 for a required field of the body that was
// not sent: its message names the field, and it has no errors.
func notSupplied(field string) Response {
	return errorResponse(http.StatusUnprocessableEntity, nil, errorBody{Message: "Invalid request.\n\n\"" + field + "\" wasn't supplied.", DocumentationURL: contentsWriteDocs, Status: "422"})
}

// File returns the file at path of repo ("owner/name") at ref (a branch,
// a tag, a sha, or HEAD for the default branch), as a PUT contents/{path}
// or SetFile left it, and whether there is one.
func (s *Server) File(repo, ref, filePath string) (string, bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	sha, ok := r.commitOf(ref)
	if !ok {
		return "", false
	}
	content, ok := s.files()[fileKey{r, sha, path.Clean(strings.Trim(filePath, "/"))}]
	return content, ok
}
