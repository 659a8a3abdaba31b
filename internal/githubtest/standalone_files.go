package githubtest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// filesSeed is a --files value: the regular files under dir, planted as
// the tree of commit sha of repo.
type filesSeed struct {
	repo, sha, dir string
}

// parseFiles reads a --files value, owner/name=sha:dir; repos are the
// --repo values, which the repository must be one of.
func parseFiles(value string, repos []string) (filesSeed, error) {
	const want = "owner/name=sha:dir"
	repo, rest, ok := strings.Cut(value, "=")
	sha, dir, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || dir == "" {
		return filesSeed{}, fmt.Errorf("--files %q: want %s", value, want)
	}
	if err := checkSeed("files", value, seed{repo: repo, sha: sha}, repos); err != nil {
		return filesSeed{}, err
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return filesSeed{}, fmt.Errorf("--files %q: %s is not a folder", value, dir)
	}
	return filesSeed{repo: repo, sha: sha, dir: dir}, nil
}

// readTree is every regular file under dir (slash-separated path →
// content), .git left out, as the tree of a commit holds them.
func readTree(dir string) (map[string]string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(content)
		return nil
	})
	return files, err
}

// plantFiles makes the commit of sd exist and serves its tree: GET
// tarball/{sha} answers the files under sd.dir as GitHub's archive of
// that commit, and GET contents/{path}?ref={sha} each file (graph: cargo
// reads Cargo.toml so).
func plantFiles(s *Server, sd filesSeed) error {
	files, err := readTree(sd.dir)
	if err != nil {
		return fmt.Errorf("--files %s=%s:%s: %w", sd.repo, sd.sha, sd.dir, err)
	}
	s.AddCommit(sd.repo, sd.sha)
	s.SetCommitFiles(sd.repo, sd.sha, files)
	for name, content := range files {
		s.SetFile(sd.repo, sd.sha, name, content)
	}
	return nil
}
