package githubtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// CommitInfo is what GitHub shows of a commit beyond its place in the
// history: see SetCommitInfo.
type CommitInfo struct {
	// Message is the full message; its first line is the title.
	Message string
	// Author is the GitHub login of the commit's author; "" is an email
	// GitHub cannot match to a user, which it shows as author null.
	Author string
	// Files are the paths the commit changed, each "modified".
	Files []string
}

// GitHub's limits on the files it lists for a commit and a comparison.
const (
	// filesPerPage is how many files GET commits/{ref} lists a page, and
	// the most a comparison lists at all.
	filesPerPage = 300
	// maxCommitFiles is where the pages of a commit's files end.
	maxCommitFiles = 3000
)

// SetCommitInfo gives the commit sha, which must already be known (see
// SetCommitDate), its message, author and changed files. GET commits/{ref}
// then shows them, files paged 300 at a time up to 3000 as GitHub pages
// them, with their stats; GET compare/{basehead} shows the message and
// author of each commit it lists, and, as its files, the diff of the
// commits ahead: every file one of them changed, by path, 300 at most.
// Without it, a commit's message is "commit <short sha>", its author
// null and its files none.
func (s *Server) SetCommitInfo(repo, sha string, info CommitInfo) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	known, ok := s.mustRepository(repo).network.graph[strings.ToLower(sha)]
	if !ok {
		s.t.Fatalf("githubtest: set the info of commit %s of %s: no such commit; make it known with AddCommit, AddCommitOn or SetBranch first", sha, repo)
	}
	info.Files = slices.Clone(info.Files)
	known.info = info
}

// changedFile is a file as a commit or a comparison changed it: each change
// adds a line and removes one.
type changedFile struct {
	path    string
	blob    string // the sha of the file after the last change
	changes int
}

// commitFiles are the files sha changed, as SetCommitInfo listed them. The
// caller holds s.mu.
func (n *network) commitFiles(sha string) []changedFile {
	var files []changedFile
	for _, path := range n.graph[sha].info.Files {
		files = append(files, changedFile{path: path, blob: objectSHA(sha, path), changes: 1})
	}
	return files
}

// diffFiles are the files the commits changed together, by path, as git
// diff lists them. The caller holds s.mu.
func (n *network) diffFiles(commits []string) []changedFile {
	byPath := map[string]changedFile{}
	for _, sha := range commits {
		for _, changed := range n.commitFiles(sha) {
			changed.changes += byPath[changed.path].changes
			byPath[changed.path] = changed
		}
	}
	var files []changedFile
	for _, path := range slices.Sorted(maps.Keys(byPath)) {
		files = append(files, byPath[path])
	}
	return files
}

// objectSHA makes up the sha of the git object at path in commit: a file
// as the commit left it, or, for "", the commit's tree.
func objectSHA(commit, path string) string {
	sum := sha1.Sum([]byte(commit + "\x00" + path))
	return hex.EncodeToString(sum[:])
}

// filesJSON shows files as GitHub's diff entries, their URLs at ref. The
// caller holds s.mu.
func filesJSON(urls bases, repo *repository, ref string, files []changedFile) []map[string]any {
	listed := []map[string]any{}
	for _, f := range files {
		escaped := escapePath(f.path)
		listed = append(listed, map[string]any{
			"sha":          f.blob,
			"filename":     f.path,
			"status":       "modified",
			"additions":    f.changes,
			"deletions":    f.changes,
			"changes":      2 * f.changes,
			"blob_url":     urls.web + "/" + repo.fullName() + "/blob/" + ref + "/" + escaped,
			"raw_url":      urls.web + "/" + repo.fullName() + "/raw/" + ref + "/" + escaped,
			"contents_url": urls.api + "/repos/" + repo.fullName() + "/contents/" + escaped + "?ref=" + ref,
			"patch":        patch(f.changes),
		})
	}
	return listed
}

// patch is a hunk that replaces n lines.
func patch(n int) string {
	lines := "1"
	if n != 1 {
		lines = fmt.Sprintf("1,%d", n)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "@@ -%s +%s @@", lines, lines)
	for i := range n {
		fmt.Fprintf(&b, "\n-line %d", i+1)
	}
	for i := range n {
		fmt.Fprintf(&b, "\n+line %d, changed", i+1)
	}
	return b.String()
}

// escapePath escapes each segment of a path for a URL.
func escapePath(path string) string {
	segments := strings.Split(path, "/")
	for i, segment := range segments {
		segments[i] = url.PathEscape(segment)
	}
	return strings.Join(segments, "/")
}

// commitWithFiles answers GET commits/{ref} in JSON: the commit, its stats,
// and its files, a page of them when there are more than fit one. The
// caller holds s.mu.
func (s *Server) commitWithFiles(r *http.Request, repo *repository, sha string) Response {
	urls := s.bases(r.Host)
	files := repo.network.commitFiles(sha)
	changes := 0
	for _, f := range files {
		changes += f.changes
	}
	files = files[:min(len(files), maxCommitFiles)]
	return paginateBy(s, r, files, filesPerPage, filesPerPage, func(page []changedFile) any {
		answer := s.commitJSON(urls, repo, sha)
		answer["stats"] = map[string]any{"total": 2 * changes, "additions": changes, "deletions": changes}
		answer["files"] = filesJSON(urls, repo, sha, page)
		return answer
	})
}
