package prerelease

import (
	"errors"
	"fmt"
	"io"
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
	// Real is Path with its links resolved, as checked to be inside the
	// workspace; the file is read from there. "" reads Path.
	Real string
}

// open is the path the file's bytes are read from.
func (f File) open() string {
	if f.Real != "" {
		return f.Real
	}
	return f.Path
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
// A file is refused, before any request, when it is reached through a
// symbolic link that leads outside the workspace (the workspace's own path
// resolved too), when it is empty (GitHub refuses 0 bytes with a 422, after
// the draft exists) and when it cannot be opened for reading.
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
	realRoot := resolveRoot(workspace)
	fsys := os.DirFS(workspace)

	var errs []error
	byPath := map[string]File{}
	refused := map[string]bool{} // said once, however many patterns match it
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
			if _, seen := byPath[match]; seen || refused[match] {
				continue
			}
			if link, target, ok := escapeOf(workspace, realRoot, filepath.FromSlash(match)); ok {
				refused[match] = true
				what := fmt.Sprintf("%s (matched by pattern %q)", match, pattern)
				errs = append(errs, inputs.Errorf("assets", "%s; assets must be files in the workspace",
					escapeRule(what, filepath.FromSlash(match), link, target, workspace)))
				continue
			}
			file := File{
				Path: filepath.Join(workspace, filepath.FromSlash(match)),
				Name: githubAssetName(path.Base(match)),
				Size: info.Size(),
			}
			// What was checked is what is read: a link changed after this
			// check cannot lead the upload elsewhere.
			if real, err := filepath.EvalSymlinks(file.Path); err == nil {
				file.Real = real
			}
			byPath[match] = file
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
		switch {
		case file.Size == 0:
			errs = append(errs, inputs.Errorf("assets", "%s is empty; GitHub refuses an asset of 0 bytes", rel))
		case file.Size >= maxAssetSize:
			errs = append(errs, inputs.Errorf("assets", "%s is %s (%d bytes); GitHub takes assets under 2 GiB", rel, humanSize(file.Size), file.Size))
		}
		// Found now, not when its upload starts after the draft exists.
		if f, openErr := os.Open(file.Path); openErr != nil {
			errs = append(errs, inputs.Errorf("assets", "%s cannot be opened for reading: %v", rel, unwrapPath(openErr)))
		} else {
			f.Close()
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

// ReadWorkspaceFile reads the file an input (body-file, graph) names, under
// the rule assets follow: name is relative to the workspace, or absolute
// inside it, and stays inside it once symbolic links are resolved. Only a
// regular file is read (a named pipe would block, a device never end), and
// at most maxBytes of it: a larger one is refused, "too large: " and limit
// saying why, without reading more than maxBytes+1.
//
// A broken rule is an inputs error of input naming the file, never quoting
// it. An error of the file system (a missing file) is returned bare, "no
// such file or directory", for the caller to word as its input's.
func ReadWorkspaceFile(workspace, input, name string, maxBytes int64, limit string) ([]byte, error) {
	root, err := filepath.Abs(workspace)
	if err != nil {
		return nil, fmt.Errorf("resolve workspace %s: %w", workspace, err)
	}
	realRoot := resolveRoot(root)
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	rel, err := filepath.Rel(root, filepath.Clean(path))
	if err != nil || !local(rel) {
		// An absolute path may name the workspace by its resolved path.
		if rel, err = filepath.Rel(realRoot, filepath.Clean(path)); err != nil || !local(rel) {
			return nil, inputs.Errorf(input, "%s is outside the workspace %s; name a file in the workspace", name, root)
		}
		root = realRoot
	}
	// What is opened below is the resolved path, not the links that led
	// to it: a link retargeted after this check is not followed.
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	if link, target, ok := escapeOf(root, realRoot, rel); ok {
		return nil, inputs.Errorf(input, "%s; name a file in the workspace", escapeRule(name, rel, link, target, root))
	}
	info, err := os.Stat(real)
	if err != nil {
		return nil, unwrapPath(err)
	}
	if !info.Mode().IsRegular() {
		return nil, inputs.Errorf(input, "%s is %s, not a regular file", name, fileKind(info.Mode()))
	}
	if info.Size() > maxBytes {
		return nil, inputs.Errorf(input, "%s is too large: %s", name, limit)
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer f.Close()
	// The size can change between Stat and Read, and some files (under
	// /proc) say 0 and hold more: the cap holds whatever Stat said.
	data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if int64(len(data)) > maxBytes {
		return nil, inputs.Errorf(input, "%s is too large: %s", name, limit)
	}
	return data, nil
}

// resolveRoot resolves the links in the workspace's own path (/tmp on
// macOS, a runner's work directory), so that a file inside compares as
// inside. A workspace that does not exist holds no file; it stays as given.
func resolveRoot(workspace string) string {
	if real, err := filepath.EvalSymlinks(workspace); err == nil {
		return real
	}
	return workspace
}

// escapeOf finds how rel, a path inside the workspace as written, leads
// out of it: the first symbolic link on the way whose target is outside
// realRoot, and that target. ok is false when rel stays inside (or does not
// resolve, which the caller reports as it does any missing file).
func escapeOf(workspace, realRoot, rel string) (link, target string, ok bool) {
	real, err := filepath.EvalSymlinks(filepath.Join(workspace, rel))
	if err != nil || within(realRoot, real) {
		return "", "", false
	}
	segments := strings.Split(rel, string(filepath.Separator))
	for n := 1; n <= len(segments); n++ {
		prefix := filepath.Join(segments[:n]...)
		info, err := os.Lstat(filepath.Join(workspace, prefix))
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		if target, err := filepath.EvalSymlinks(filepath.Join(workspace, prefix)); err == nil && !within(realRoot, target) {
			return prefix, target, true
		}
	}
	// Each link resolves inside, so this cannot happen; say what is known.
	return rel, real, true
}

// escapeRule words an escape found by escapeOf: what (the path as the
// input wrote it) reaches target through link.
func escapeRule(what, rel, link, target, workspace string) string {
	if link == rel {
		return fmt.Sprintf("%s is a symbolic link to %s, outside the workspace %s", what, target, workspace)
	}
	return fmt.Sprintf("%s is reached through the symbolic link %s, which points to %s, outside the workspace %s", what, link, target, workspace)
}

// within says whether path, resolved, is realRoot or under it.
func within(realRoot, path string) bool {
	rel, err := filepath.Rel(realRoot, path)
	return err == nil && local(rel)
}

// local says whether a path from filepath.Rel stays where it starts.
func local(rel string) bool {
	return rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// fileKind names what a file that is not a regular one is, for messages.
func fileKind(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	default:
		return "a special file (" + mode.Type().String() + ")"
	}
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
