package githubtest

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
)

// fileKey names one file of one commit of one repository.
type fileKey struct {
	repo *repository
	sha  string
	path string
}

// plantedFiles holds each server's files planted with SetFile. It lives
// beside the Server, not in it, so that this file alone adds contents to
// the fake.
var plantedFiles sync.Map // *Server → map[fileKey]string

// files is s's planted files; the caller holds s.mu.
func (s *Server) files() map[fileKey]string {
	m, _ := plantedFiles.LoadOrStore(s, map[fileKey]string{})
	return m.(map[fileKey]string)
}

// inlineContentLimit is the largest file GitHub's contents API answers
// with its content inline; a larger one (up to 100 MB) comes with
// encoding "none" and no content, to be read raw or as a blob.
const inlineContentLimit = 1 << 20

// SetFile plants the file at path (relative to the repository's root,
// such as Cargo.toml) in the commit sha of repo, which must be known (see
// SetCommitDate): GET contents/{path}?ref= then serves it as GitHub does.
// A file not planted in a commit is GitHub's 404 there.
func (s *Server) SetFile(repo, sha, filePath, content string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	sha = strings.ToLower(sha)
	if !r.commits[sha] {
		if _, inNetwork := r.network.graph[sha]; !inNetwork {
			s.t.Fatalf("githubtest: set file %s of commit %s of %s: the commit is not known; make it with AddCommit or SetBranch first", filePath, sha, repo)
		}
	}
	clean := path.Clean(strings.TrimPrefix(filePath, "/"))
	if clean == "." || strings.HasPrefix(clean, "../") {
		s.t.Fatalf("githubtest: set file %q of %s: not a path inside the repository", filePath, repo)
	}
	s.files()[fileKey{r, sha, clean}] = content
}

// getContents answers GET /repos/{owner}/{repo}/contents/{path}: the
// file of the commit ?ref= names (a sha, a branch, a tag; the default
// branch without one) as JSON with its content in base64, wrapped at 60
// characters as GitHub wraps it, or the bytes alone for the raw media
// type. A ref naming no commit is GitHub's 404 "No commit found for the
// ref"; a file the commit does not hold, its 404 Not Found. Folders and
// symlinks are not planted, so every path is a file or nothing.
func (s *Server) getContents(r *http.Request, repo *repository) Response {
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = "HEAD"
	}
	sha, ok := repo.commitOf(ref)
	if !ok {
		return errorResponse(http.StatusNotFound, nil, errorBody{Message: "No commit found for the ref " + ref, DocumentationURL: "https://docs.github.com/rest/repos/contents#get-repository-content", Status: "404"})
	}
	filePath := strings.Trim(r.PathValue("path"), "/")
	content, ok := s.files()[fileKey{repo, sha, path.Clean(filePath)}]
	if !ok {
		return NotFound()
	}
	if wantsRaw(r.Header.Get("Accept")) {
		return Response{Status: http.StatusOK, Header: map[string]string{"Content-Type": "application/vnd.github.raw; charset=utf-8"}, Body: content}
	}
	file := fileJSON(s.bases(r.Host), repo, filePath, ref, content)
	file["encoding"], file["content"] = "base64", wrap60(base64.StdEncoding.EncodeToString([]byte(content)))
	if len(content) > inlineContentLimit {
		file["encoding"], file["content"] = "none", ""
	}
	return s.jsonResponse(http.StatusOK, file)
}

// blobSHA is the git blob id of content: what the contents API calls a
// file's sha, and what an update must name.
func blobSHA(content string) string {
	blob := sha1.Sum([]byte(fmt.Sprintf("blob %d\x00%s", len(content), content)))
	return hex.EncodeToString(blob[:])
}

// fileJSON is a file at ref as the contents API describes it, without its
// content: GET answers it with the content, PUT as the file it wrote.
func fileJSON(urls bases, repo *repository, filePath, ref, content string) map[string]any {
	sha := blobSHA(content)
	repoAPI := urls.api + "/repos/" + repo.fullName()
	self := repoAPI + "/contents/" + filePath + "?ref=" + url.QueryEscape(ref)
	gitURL := repoAPI + "/git/blobs/" + sha
	htmlURL := urls.web + "/" + repo.fullName() + "/blob/" + ref + "/" + filePath
	return map[string]any{
		"type":         "file",
		"size":         len(content),
		"name":         path.Base(filePath),
		"path":         filePath,
		"sha":          sha,
		"url":          self,
		"git_url":      gitURL,
		"html_url":     htmlURL,
		"download_url": "https://raw.githubusercontent.com/" + repo.fullName() + "/" + ref + "/" + filePath,
		"_links":       map[string]any{"self": self, "git": gitURL, "html": htmlURL},
	}
}

// wrap60 breaks base64 text into lines of 60 characters, each ending in a
// newline, as GitHub sends a file's content.
func wrap60(text string) string {
	var b strings.Builder
	for len(text) > 60 {
		b.WriteString(text[:60])
		b.WriteByte('\n')
		text = text[60:]
	}
	if text != "" {
		b.WriteString(text)
		b.WriteByte('\n')
	}
	return b.String()
}

// wantsRaw is the raw media type, with or without a version:
// application/vnd.github.raw, or application/vnd.github.v3.raw as
// go-github's DownloadContents sends it.
func wantsRaw(accept string) bool {
	for candidate := range strings.SplitSeq(accept, ",") {
		mediaType, _, _ := strings.Cut(candidate, ";")
		switch strings.ToLower(strings.TrimSpace(mediaType)) {
		case "application/vnd.github.raw", "application/vnd.github.v3.raw", "application/vnd.github.raw+json":
			return true
		}
	}
	return false
}
