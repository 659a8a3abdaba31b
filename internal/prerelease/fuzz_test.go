package prerelease

import (
	"errors"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BTCDecoded/release-action/internal/inputs"
)

// FuzzResolveAssets resolves fuzzed asset patterns in a small fixed
// workspace that holds links into itself, a link cycle, a dangling link,
// links to a directory and a file outside, and an empty file. Every file
// returned is a non-empty regular file inside the workspace, links
// resolved, reached through a linked directory only where the pattern names
// that link outright; names are unique and sorted; every error is an input
// error of assets.
func FuzzResolveAssets(f *testing.F) {
	root := f.TempDir()
	workspace := filepath.Join(root, "workspace")
	for name, content := range map[string]string{
		"workspace/dist/bllvm-linux.tar.gz":     "linux",
		"workspace/dist/bllvm-mac.tar.gz":       "mac!",
		"workspace/dist/sub/deep/checksums.txt": "sums",
		"workspace/dist/sub/notes.md":           "notes",
		"workspace/dist/odd [1]*?{x}.txt":       "odd",
		`workspace/dist/back\slash.bin`:         "back",
		"workspace/docs/readme.md":              "readme",
		"workspace/my file (1).tar.gz":          "spaces",
		"workspace/.config":                     "dotfile",
		"workspace/a/x.bin":                     "a",
		"workspace/b/x.bin":                     "b",
		"workspace/empty/zero.bin":              "",
		"outside/secret.txt":                    "secret",
		"outside/sub/deep.txt":                  "deep secret",
	} {
		file := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			f.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"latest.tar.gz": "dist/bllvm-linux.tar.gz",
		"linkdir":       "dist",
		"dist/loop":     "..",
		"dangling.bin":  "nowhere",
		"ext":           "../outside",
		"leak.txt":      "../outside/secret.txt",
		"empty/link":    "zero.bin",
	} {
		if err := os.Symlink(target, filepath.Join(workspace, filepath.FromSlash(link))); err != nil {
			f.Fatal(err)
		}
	}
	realWorkspace, err := filepath.EvalSymlinks(workspace)
	if err != nil {
		f.Fatal(err)
	}

	for _, seed := range []string{
		"dist/*", "dist/**/*.txt", "**/checksums.txt", "docs/*.md, dist/*.tar.gz", "./dist/bllvm-linux.tar.gz",
		"latest.tar.gz", "my file (1).tar.gz\n.config", "dist/*.zip", "dist/sub", "dist/[.tar.gz", "../secrets/*",
		"dist/../../etc/passwd", "/etc/passwd", "dangling.*", "*/x.bin", "linkdir/*", "linkdir/**", "ext/secret.txt",
		"ext/**", "*/secret.txt", "e[x]t/*", "dist/loop/dist/loop/docs/*", "dist/loop/**", `\.\./outside/*`,
		`dist/odd \[1\]\*\?\{x\}.txt`, `dist/back\\slash.bin`, "{dist,docs}/*.md", "**", "/", ".", "",
		filepath.Join(workspace, "docs", "readme.md"), filepath.Join(workspace, "ext", "*"), filepath.Join(root, "outside", "*"),
		workspace, workspace + "/../outside/secret.txt", "leak.txt", "*.txt", "empty/*", "empty/link", "ext/sub/*",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, text string, failOnUnmatched bool) {
		patterns := inputs.SplitList(text)
		files, warnings, err := ResolveAssets(workspace, patterns, failOnUnmatched)
		if err != nil {
			assertAssetsErrors(t, err)
			if files != nil {
				t.Fatalf("files returned with an error: %v", files)
			}
			return
		}
		if failOnUnmatched {
			for _, w := range warnings {
				if strings.Contains(w, "matches no file") {
					t.Fatalf("unmatched pattern only warned about with fail-on-unmatched-assets: %s", w)
				}
			}
		}
		literal := literalPrefixes(workspace, patterns)
		for i, file := range files {
			rel, relErr := filepath.Rel(workspace, file.Path)
			if relErr != nil || !filepath.IsAbs(file.Path) || file.Path != filepath.Clean(file.Path) || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") {
				t.Fatalf("patterns %q give %s, not a clean path inside the workspace %s", patterns, file.Path, workspace)
			}
			rel = filepath.ToSlash(rel)
			throughLink := false
			segments := strings.Split(rel, "/")
			for n := 1; n < len(segments); n++ {
				dir := strings.Join(segments[:n], "/")
				if info, lerr := os.Lstat(filepath.Join(workspace, filepath.FromSlash(dir))); lerr != nil || info.Mode()&os.ModeSymlink == 0 {
					continue
				}
				throughLink = true
				if !slices.ContainsFunc(literal, func(prefix string) bool { return strings.HasPrefix(prefix, dir+"/") }) {
					t.Fatalf("patterns %q reach %s through the linked directory %s, which no pattern names before its wildcards", patterns, rel, dir)
				}
			}
			real, evalErr := filepath.EvalSymlinks(file.Path)
			if evalErr != nil {
				t.Fatalf("patterns %q give %s, which does not resolve: %v", patterns, file.Path, evalErr)
			}
			if inside, _ := filepath.Rel(realWorkspace, real); inside == ".." || strings.HasPrefix(inside, "../") {
				t.Fatalf("patterns %q give %s, which is %s, outside the workspace (through a link: %v)", patterns, file.Path, real, throughLink)
			}
			info, statErr := os.Stat(file.Path)
			if statErr != nil || !info.Mode().IsRegular() || info.Size() != file.Size || file.Size == 0 {
				t.Fatalf("patterns %q give %+v, not that regular file: %v", patterns, file, statErr)
			}
			if want := githubAssetName(filepath.Base(file.Path)); file.Name != want {
				t.Fatalf("%s is named %q, want %q", rel, file.Name, want)
			}
			if i > 0 && files[i-1].Name >= file.Name {
				t.Fatalf("names not unique and sorted: %q then %q", files[i-1].Name, file.Name)
			}
		}
	})
}

// literalPrefixes returns each pattern, relative to the workspace and
// cleaned, cut at the first segment that holds a wildcard and unescaped:
// the part a glob names outright, and so may follow through a link.
func literalPrefixes(workspace string, patterns []string) []string {
	var prefixes []string
	for _, pattern := range patterns {
		pattern = filepath.ToSlash(pattern)
		if path.IsAbs(pattern) {
			pattern = strings.TrimPrefix(strings.TrimPrefix(pattern, filepath.ToSlash(workspace)), "/")
		}
		var literal []string
		for _, segment := range strings.Split(path.Clean(pattern), "/") {
			if hasWildcard(segment) {
				break
			}
			literal = append(literal, unescape(segment))
		}
		prefixes = append(prefixes, strings.Join(literal, "/")+"/")
	}
	return prefixes
}

func hasWildcard(segment string) bool {
	for i := 0; i < len(segment); i++ {
		switch segment[i] {
		case '\\':
			i++
		case '*', '?', '[', '{':
			return true
		}
	}
	return false
}

func unescape(segment string) string {
	var b strings.Builder
	for i := 0; i < len(segment); i++ {
		if segment[i] == '\\' && i+1 < len(segment) {
			i++
		}
		b.WriteByte(segment[i])
	}
	return b.String()
}

func assertAssetsErrors(t *testing.T, err error) {
	t.Helper()
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, inner := range joined.Unwrap() {
			assertAssetsErrors(t, inner)
		}
		return
	}
	var inputErr *inputs.Error
	if !errors.As(err, &inputErr) || inputErr.Input != "assets" {
		t.Fatalf("error is not an input error of assets: %v", err)
	}
}

// FuzzGitHubAssetName checks the predicted asset name: never empty, made
// of the characters GitHub keeps with single inner periods, unchanged when
// renamed again, and the file's own name when that is already such a name.
func FuzzGitHubAssetName(f *testing.F) {
	for _, seed := range []string{
		"bllvm-0.1.0_linux-x86_64.tar.gz", "pkg+build@2.tgz", "my file.tar.gz", "tobwen-1.1.0-1~buster_amd64.deb",
		"app-(15-5)-release.apk", "a..b", ".config", "..hidden.tar", "archive.", "archive.zip~", "résumé.pdf", "~~~", "", ".", "\xff.\xfe",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, file string) {
		name := githubAssetName(file)
		if !wellFormedAssetName(name) {
			t.Fatalf("githubAssetName(%q) = %q", file, name)
		}
		if again := githubAssetName(name); again != name {
			t.Fatalf("githubAssetName(%q) = %q, renamed again %q", file, name, again)
		}
		if wellFormedAssetName(file) && name != file {
			t.Fatalf("githubAssetName(%q) = %q, but GitHub keeps that name", file, name)
		}
	})
}

func wellFormedAssetName(name string) bool {
	if name == "" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
		return false
	}
	for _, r := range name {
		if r != '.' && !keptInAssetName(r) {
			return false
		}
	}
	return true
}
