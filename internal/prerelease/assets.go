package prerelease

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
)

// GitHub's limits, from "About releases" (docs.github.com): each file in a
// release must be under 2 GiB, and a release holds at most 1000 assets.
const (
	maxAssetSize   = 2 << 30
	maxAssetsCount = 1000
)

// File is one asset to upload, found and checked before any request.
type File struct {
	Path string // absolute path on disk; "" for a carried asset
	Name string // asset name GitHub will show (after GitHub's renaming; see githubAssetName)
	Size int64
	// From, when set, is the asset of an earlier release this one is a
	// copy of (carried over), streamed from GitHub instead of read from disk.
	From *github.Asset
}

// source names where the file comes from, for messages.
func (f File) source() string {
	if f.From != nil {
		return "carried asset " + f.From.Name
	}
	return f.Path
}

// ResolveAssets expands patterns (doublestar globs, ** allowed, newline or
// comma separated already split by the caller) relative to workspace.
//
// A pattern may also be an absolute path inside the workspace; it may not
// reach outside it with "..". Only regular files are kept (a symbolic link
// to one counts; directories are skipped, and ** does not descend into
// linked directories, so a link cycle cannot hang it); a file matched by
// several patterns counts once; files under Dir, the action's own folder,
// are never assets. Files come sorted by asset name.
//
// Every problem is reported at once, joined, as inputs errors on "assets".
// Warnings say which names GitHub will change (see githubAssetName) and,
// unless failOnUnmatched, which patterns matched nothing.
func ResolveAssets(workspace string, patterns []string, failOnUnmatched bool) (files []File, warnings []string, err error) {
	root, err := filepath.Abs(workspace)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve workspace %s: %w", workspace, err)
	}
	workspace = root
	fsys := os.DirFS(workspace)

	var errs []error
	byPath := map[string]File{}
	for _, pattern := range patterns {
		if pattern == "" {
			continue
		}
		rel, problem := workspacePattern(workspace, pattern)
		if problem != "" {
			errs = append(errs, inputs.Errorf("assets", "pattern %q %s", pattern, problem))
			continue
		}
		matches, globErr := doublestar.Glob(fsys, rel, doublestar.WithNoFollow(), doublestar.WithFailOnIOErrors())
		if errors.Is(globErr, doublestar.ErrBadPattern) {
			errs = append(errs, inputs.Errorf("assets", "pattern %q is not a valid glob", pattern))
			continue
		}
		if globErr != nil {
			errs = append(errs, inputs.Errorf("assets", "pattern %q: read %s: %v", pattern, workspace, globErr))
			continue
		}

		matched := false
		for _, match := range matches {
			if strings.HasPrefix(match, Dir+"/") {
				// The action's own files (manifest.json, the checksums)
				// are attached by the action, never as assets: a rerun
				// in the same workspace would take them for its files.
				continue
			}
			// fs.Stat follows a symbolic link to what it names.
			info, statErr := fs.Stat(fsys, match)
			if statErr != nil {
				errs = append(errs, inputs.Errorf("assets", "pattern %q matches %s, which cannot be read: %v", pattern, match, unwrapPath(statErr)))
				continue
			}
			if !info.Mode().IsRegular() {
				continue
			}
			matched = true
			if _, seen := byPath[match]; seen {
				continue
			}
			byPath[match] = File{
				Path: filepath.Join(workspace, filepath.FromSlash(match)),
				Name: githubAssetName(path.Base(match)),
				Size: info.Size(),
			}
		}
		if !matched {
			if failOnUnmatched {
				errs = append(errs, inputs.Errorf("assets", "pattern %q matches no file in %s", pattern, workspace))
			} else {
				warnings = append(warnings, fmt.Sprintf("pattern %q matches no file in %s", pattern, workspace))
			}
		}
	}

	for _, file := range byPath {
		files = append(files, file)
	}
	slices.SortFunc(files, func(a, b File) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})

	for i, file := range files {
		rel := relative(workspace, file.Path)
		if original := filepath.Base(file.Path); original != file.Name {
			warnings = append(warnings, renameWarning(original, file.Name))
		}
		if i > 0 && files[i-1].Name == file.Name {
			errs = append(errs, inputs.Errorf("assets", "%s and %s would both be named %q on the release; asset names must be unique",
				relative(workspace, files[i-1].Path), rel, file.Name))
		}
		if file.Size >= maxAssetSize {
			errs = append(errs, inputs.Errorf("assets", "%s is %s (%d bytes); GitHub takes assets under 2 GiB", rel, humanSize(file.Size), file.Size))
		}
	}
	if len(files) > maxAssetsCount {
		errs = append(errs, inputs.Errorf("assets", "the patterns match %d files; a GitHub release holds at most %d assets", len(files), maxAssetsCount))
	}

	if err := errors.Join(errs...); err != nil {
		return nil, warnings, err
	}
	return files, warnings, nil
}

// workspacePattern turns a pattern into one relative to the workspace, or
// says why it cannot be.
func workspacePattern(workspace, pattern string) (rel, problem string) {
	pattern = filepath.ToSlash(pattern)
	for _, segment := range strings.Split(pattern, "/") {
		if segment == ".." {
			return "", "must not contain .. (patterns are relative to the workspace " + workspace + ")"
		}
	}
	if path.IsAbs(pattern) {
		root := filepath.ToSlash(workspace)
		if pattern != root && !strings.HasPrefix(pattern, strings.TrimSuffix(root, "/")+"/") {
			return "", "is outside the workspace " + workspace
		}
		pattern = strings.TrimPrefix(strings.TrimPrefix(pattern, root), "/")
	}
	// io/fs paths have no "./" and no empty segments.
	pattern = path.Clean(pattern)
	if pattern == "." || pattern == "" {
		return "", "names the workspace itself, not files in it"
	}
	return pattern, ""
}

// githubAssetName predicts the name GitHub gives an uploaded asset. GitHub
// documents only that it "renames asset filenames that have special
// characters, non-alphanumeric characters, and leading or trailing periods"
// (REST API, "Upload a release asset"); the rule below follows what uploads
// have been seen to do:
//
//   - the name is split at its last period into a base and an extension;
//   - in each, every run of characters other than ASCII letters, digits and
//     "-", "_", "+", "@" (periods included) becomes one period, and periods
//     at either end are dropped: "my file (1).tar.gz" → "my.file.1.tar.gz",
//     "a~b" → "a.b", "x..y" → "x.y";
//   - an empty base becomes "default": ".config" → "default.config".
//
// Spaces, "~", ":" and parentheses turning into periods, runs collapsing and
// the "default" base are reported in actions/upload-release-asset#57,
// softprops/action-gh-release#159 and #741, travis-ci/dpl#821 and
// github/rest-api-description#2968 (where GitHub says "+" is kept). "@" was
// replaced in 2018 (dpl#821) but kept in 2022 (electron/forge#1761); we
// follow the later report. GitHub spells non-ASCII letters in ASCII ("é" →
// "e", dpl#821) by rules we do not copy; here they become periods.
//
// SyncAssets uploads under this name, not the file's, so GitHub only has
// its own rule to apply to a name already made of the characters it keeps:
// a wrong guess here can only be about "+" or "@".
func githubAssetName(name string) string {
	base, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		base, ext = name[:i], name[i+1:]
	}
	base, ext = squashSpecials(base), squashSpecials(ext)
	if base == "" {
		base = "default"
	}
	if ext == "" {
		return base
	}
	return base + "." + ext
}

func squashSpecials(s string) string {
	var b strings.Builder
	inRun := false
	for _, r := range s {
		if keptInAssetName(r) {
			b.WriteRune(r)
			inRun = false
			continue
		}
		if !inRun {
			b.WriteByte('.')
			inRun = true
		}
	}
	return strings.Trim(b.String(), ".")
}

func keptInAssetName(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '-' || r == '_' || r == '+' || r == '@'
}

func renameWarning(original, name string) string {
	return fmt.Sprintf("asset %q will be named %q by GitHub", original, name)
}

func relative(workspace, file string) string {
	if rel, err := filepath.Rel(workspace, file); err == nil {
		return rel
	}
	return file
}

// unwrapPath drops the path fs.PathError repeats, as the message names it.
func unwrapPath(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err
	}
	return err
}

// humanSize prints a byte count in binary units, as GitHub's limits are.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	value, exp := float64(n)/unit, 0
	for value >= unit && exp < 4 {
		value /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", value, "KMGTP"[exp])
}
