package prerelease

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/report"
)

// Compare counts the commits between two commits of a repository.
type Compare interface {
	CompareCommits(ctx context.Context, owner, repo, base, head string, opts *gh.ListOptions) (*gh.CommitsComparison, *gh.Response, error)
}

// Dir is the workspace folder the action writes its files to (manifest.json,
// the checksums): the runner mounts the workspace into the container at
// the same place the next step sees it, unlike RUNNER_TEMP.
const Dir = ".release-action"

// sha256DigestRE is GitHub's digest of an asset, as the checksums list it.
var sha256DigestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ManifestAsset is the name of the asset that describes the snapshot.
const ManifestAsset = "manifest.json"

// history is what this repository's nightlies say, read at most once: the
// listing of <prefix>-* tags and, through the reader, their tag objects.
type history struct {
	c      Client
	o      Options
	tags   []nightly.Tag
	listed bool
	reader *nightly.Reader
}

func newHistory(c Client, o Options) *history {
	return &history{c: c, o: o, reader: nightly.NewReader(c.Tags, c.Commits, o.Owner, o.Repo)}
}

func (h *history) list(ctx context.Context) ([]nightly.Tag, error) {
	if !h.listed {
		tags, err := nightly.List(ctx, h.c.Refs, h.o.Owner, h.o.Repo, h.o.Prefix)
		if err != nil {
			return nil, err
		}
		h.tags, h.listed = tags, true
	}
	return h.tags, nil
}

// own is o.Tag as the listing shows it, when it is a nightly of o.Prefix.
func (h *history) own(ctx context.Context) (nightly.Tag, bool, error) {
	parsed, ok := nightly.ParseTag(h.o.Prefix, h.o.Tag)
	if !ok || h.o.Prefix == "" {
		return nightly.Tag{}, false, nil
	}
	tags, err := h.list(ctx)
	if err != nil {
		return nightly.Tag{}, false, err
	}
	for _, t := range tags {
		if t.Name == h.o.Tag {
			return t, true, nil
		}
	}
	// Not tagged yet: create-prerelease tags o.Target.
	return nightly.Tag{Name: h.o.Tag, Date: parsed.Date, Short: parsed.Short, Suffix: parsed.Suffix}, false, nil
}

// previous is the nightly the notes and the snapshot table start from:
// the previous-tag input, else the newest nightly before o.Tag with a
// published release among listed (a tag a cancelled run left without one
// is never previous).
func (h *history) previous(ctx context.Context, listed []*gh.RepositoryRelease) (nightly.Tag, bool, error) {
	if h.o.PreviousTag != "" {
		tags, err := h.list(ctx)
		if err != nil {
			return nightly.Tag{}, false, err
		}
		for _, t := range tags {
			if t.Name == h.o.PreviousTag {
				return t, true, nil
			}
		}
		return nightly.Tag{Name: h.o.PreviousTag}, true, nil
	}
	older, err := h.older(ctx)
	if err != nil {
		return nightly.Tag{}, false, err
	}
	published := map[string]bool{}
	for _, r := range listed {
		if !r.GetDraft() {
			published[r.GetTagName()] = true
		}
	}
	return nightly.Newest(ctx, h.reader, slices.DeleteFunc(older, func(t nightly.Tag) bool { return !published[t.Name] }))
}

// older is every nightly the listing shows before o.Tag; none when o.Tag
// is not a nightly of o.Prefix.
func (h *history) older(ctx context.Context) ([]nightly.Tag, error) {
	own, _, err := h.own(ctx)
	if err != nil || own.Name == "" {
		return nil, err
	}
	tags, err := h.list(ctx)
	if err != nil {
		return nil, err
	}
	return nightly.Older(tags, own), nil
}

// snapshot is the nightly's snapshot: which commit of every component it
// holds, from the manifest input or the tag's message, checked against
// each other when there are both.
type snapshot struct {
	manifest manifest.Manifest // nil: no snapshot
	commit   string            // the orchestrator's commit
}

func (h *history) snapshot(ctx context.Context) (snapshot, error) {
	s := snapshot{manifest: h.o.Manifest, commit: h.o.Target}
	own, tagged, err := h.own(ctx)
	if err != nil || !tagged {
		return s, err
	}
	recorded, err := h.reader.Snapshot(ctx, own)
	if err != nil {
		return snapshot{}, err
	}
	if recorded.Commit != "" {
		s.commit = recorded.Commit
	}
	if recorded.Unreadable != nil && s.manifest != nil {
		// Nothing to check the input against: trusting it would publish
		// whatever it says under a tag that may record something else.
		return snapshot{}, fmt.Errorf("tag %s records a manifest that cannot be read, so the manifest input cannot be checked against it (%v): the tag was not made by nightly-tag, or was changed; delete the tag and let nightly-tag make it again", h.o.Tag, recorded.Unreadable)
	}
	switch {
	case recorded.Manifest == nil:
	case s.manifest == nil:
		s.manifest = recorded.Manifest
	case !recorded.Manifest.SameCommits(s.manifest):
		return snapshot{}, inputs.Errorf("manifest", "holds other commits than tag %s records (%s): pass the manifest of that nightly, or leave the input empty to use the tag's", h.o.Tag, differences(recorded.Manifest, s.manifest))
	}
	return s, nil
}

// differences names, briefly, where two manifests part.
func differences(recorded, given manifest.Manifest) string {
	var parts []string
	for _, e := range given {
		r, ok := recorded.Lookup(e.Component)
		switch {
		case !ok:
			parts = append(parts, e.Component+" is not in the tag")
		case r.SHA != e.SHA || !strings.EqualFold(r.Repository, e.Repository):
			parts = append(parts, fmt.Sprintf("%s is %s in the tag, %s here", e.Component, short(r.SHA), short(e.SHA)))
		}
	}
	for _, r := range recorded {
		if _, ok := given.Lookup(r.Component); !ok {
			parts = append(parts, r.Component+" is missing here")
		}
	}
	return strings.Join(parts, "; ")
}

func short(sha string) string { return sha[:min(7, len(sha))] }

// snapshotTable is the part of the release body that says what the
// nightly (or the release: kind) holds: every component's commit and,
// since the previous one, "unchanged" or a compare link with the number of commits (one compare
// request per changed component). Every value in it was checked (names,
// owner/name, 40-hex shas) or is a number; links are built here, never
// taken from a server's answer. A compare that fails, whatever the
// reason, makes its row "not counted" and a note (the notes table is a
// nicety, never worth failing a publish for).
func snapshotTable(ctx context.Context, c Client, o Options, kind string, s snapshot, previous string, before manifest.Manifest) (string, []string) {
	server := strings.TrimRight(o.ServerURL, "/")
	if server == "" {
		server = "https://github.com"
	}
	var b strings.Builder
	var notes []string
	b.WriteString("### What this " + kind + " holds\n\n")
	if s.commit != "" {
		fmt.Fprintf(&b, "%s at %s.\n\n", report.Text(o.Owner+"/"+o.Repo), report.Link(short(s.commit), server+"/"+o.Owner+"/"+o.Repo+"/commit/"+s.commit))
	}
	since := "since the first " + kind
	if previous != "" {
		since = "since " + previous
	}
	fmt.Fprintf(&b, "| component | repository | commit | %s |\n|---|---|---|---|\n", report.Text(since))
	for _, e := range s.manifest {
		change, note := changeSince(ctx, c, server, e, before)
		if note != "" {
			notes = append(notes, note)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", report.Text(e.Component), report.Link(e.Repository, server+"/"+e.Repository),
			report.Link(short(e.SHA), server+"/"+e.Repository+"/commit/"+e.SHA), change)
	}
	return b.String(), notes
}

// changeSince is a component's cell of the table, and a note when the
// compare that counts its commits failed.
func changeSince(ctx context.Context, c Client, server string, e manifest.Entry, before manifest.Manifest) (string, string) {
	old, ok := before.Lookup(e.Component)
	switch {
	case before == nil:
		return "new", ""
	case !ok:
		return "new in this nightly", ""
	case !strings.EqualFold(old.Repository, e.Repository):
		return report.Text("moved from " + old.Repository), ""
	case old.SHA == e.SHA:
		return "unchanged", ""
	}
	owner, repo, _ := strings.Cut(e.Repository, "/")
	link := server + "/" + e.Repository + "/compare/" + old.SHA + "..." + e.SHA
	// One commit per page: only the counts are wanted.
	cmp, _, err := c.Compare.CompareCommits(ctx, owner, repo, old.SHA, e.SHA, &gh.ListOptions{PerPage: 1})
	if err != nil {
		why := "GitHub could not compare them"
		if github.IsStatus(err, http.StatusNotFound) || github.IsStatus(err, http.StatusForbidden) {
			// A token of this repository alone (GITHUB_TOKEN, an App
			// token minted for it) may not read a private component.
			why = "the token cannot read " + e.Repository
		}
		note := fmt.Sprintf("the notes do not count the commits of %s since %s (%s): %v", e.Component, short(old.SHA), why, github.Explain(err, github.Access{Repository: e.Repository, Permission: "contents: read"}))
		return report.Link("changed", link) + report.Text(" (not counted: "+why+")"), note
	}
	switch ahead, behind := cmp.GetAheadBy(), cmp.GetBehindBy(); {
	case behind > 0 && ahead > 0:
		return report.Link(report.Count(ahead, "commit")+", "+strconv.Itoa(behind)+" dropped (diverged)", link), ""
	case behind > 0:
		return report.Link(report.Count(behind, "commit")+" back", link), ""
	default:
		return report.Link(report.Count(ahead, "commit"), link), ""
	}
}

// manifestDocument is manifest.json: the snapshot and what it belongs to.
// It holds no time, so a rerun writes the same bytes and uploads nothing.
type manifestDocument struct {
	Tag        string            `json:"tag"`
	Repository string            `json:"repository"`
	Commit     string            `json:"commit"`
	Components manifest.Manifest `json:"components"`
}

// writeManifest writes manifest.json into the action's folder of the
// workspace and returns it as a file to upload.
func writeManifest(o Options, s snapshot) (File, error) {
	data, err := json.MarshalIndent(manifestDocument{Tag: o.Tag, Repository: o.Owner + "/" + o.Repo, Commit: s.commit, Components: s.manifest}, "", "  ")
	if err != nil {
		return File{}, fmt.Errorf("write %s: %w", ManifestAsset, err)
	}
	path, err := WriteWorkspaceFile(o.Workspace, ManifestAsset, append(data, '\n'))
	if err != nil {
		return File{}, err
	}
	return File{Path: path, Name: ManifestAsset, Size: int64(len(data) + 1)}, nil
}

// checksumsText is every asset's SHA-256 as sha256sum prints it, sorted by
// name, so that sha256sum -c verifies the downloaded files.
func checksumsText(names, digests []string) string {
	lines := make([]string, 0, len(names))
	for i, name := range names {
		lines = append(lines, strings.TrimPrefix(digests[i], "sha256:")+"  "+name+"\n")
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	return strings.Join(lines, "")
}

// WriteWorkspaceFile writes name into Dir of the workspace and returns its
// path. The action runs as root in its container, and a self-hosted
// runner's workspace keeps whatever an earlier job left in it (a checked
// out repository, a build script's output): so nothing here follows a
// link. Dir must be a real folder directly in the workspace, and
// .release-action/<name> must not be a link; each is refused, saying so.
// The file is written under a fresh name (O_EXCL) and renamed over name,
// all through an os.Root of the workspace, which no link can lead out of
// even if one is swapped in meanwhile. On a self-hosted runner the
// runner's user must be able to remove what the action leaves, so folder
// and file are handed to the workspace's owner (nothing changes where the
// action is that owner).
func WriteWorkspaceFile(workspace, name string, data []byte) (string, error) {
	fail := func(err error) (string, error) { return "", fmt.Errorf("write %s: %w", name, err) }
	root, err := os.OpenRoot(workspace)
	if err != nil {
		return fail(err)
	}
	defer root.Close()
	dir, err := realFolder(root, workspace)
	if err != nil {
		return fail(err)
	}
	defer dir.Close()
	if info, err := dir.Lstat(name); err == nil && info.Mode()&os.ModeSymlink != 0 {
		return fail(fmt.Errorf("refusing to write %s: it is a symbolic link, which the action never writes through (remove it)", filepath.Join(Dir, name)))
	} else if err == nil && !info.Mode().IsRegular() {
		return fail(fmt.Errorf("refusing to write %s: it is not a regular file (remove it)", filepath.Join(Dir, name)))
	}
	tmp, err := freshFile(dir, name)
	if err != nil {
		return fail(err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		_ = dir.Remove(filepath.Base(tmp.Name()))
		return fail(errors.Join(werr, cerr))
	}
	if err := dir.Rename(filepath.Base(tmp.Name()), name); err != nil {
		_ = dir.Remove(filepath.Base(tmp.Name()))
		return fail(err)
	}
	if info, err := os.Stat(workspace); err == nil {
		if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
			_ = root.Lchown(Dir, int(st.Uid), int(st.Gid))
			_ = dir.Lchown(name, int(st.Uid), int(st.Gid))
		}
	}
	return filepath.Join(workspace, Dir, name), nil
}

// realFolder opens Dir of the workspace root, making it when it is not
// there; a Dir that is a link, or anything but a folder, is refused.
func realFolder(root *os.Root, workspace string) (*os.Root, error) {
	info, err := root.Lstat(Dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := root.Mkdir(Dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		info, err = root.Lstat(Dir)
	}
	switch {
	case err != nil:
		return nil, err
	case info.Mode()&os.ModeSymlink != 0:
		return nil, fmt.Errorf("refusing to write into %s: it is a symbolic link, and the action writes only into a real folder of the workspace (remove the link)", filepath.Join(workspace, Dir))
	case !info.IsDir():
		return nil, fmt.Errorf("refusing to write into %s: it is not a folder (remove it)", filepath.Join(workspace, Dir))
	}
	return root.OpenRoot(Dir)
}

// freshFile creates a file of a name nothing else has in dir, beside name.
func freshFile(dir *os.Root, name string) (*os.File, error) {
	var b [8]byte
	for range 10 {
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		f, err := dir.OpenFile(fmt.Sprintf(".%s.%x.tmp", name, b), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, errors.New("no free temporary name")
}

// carryOver picks, for each component this run did not rebuild, the assets
// of the base nightly's release (the newest complete, published one) that
// belong to it, to copy into this one. A component is carried only when
// its commit and those of everything it depends on are the ones the base
// holds; otherwise its binary would not be what this manifest says, and it
// is left out with a note (and checkComplete then says what is missing).
// An asset belongs to a component when its name starts with
// "<component>-" or "<repository name>-" (the longest such prefix wins);
// names already being uploaded are skipped.
func carryOver(o Options, s snapshot, src sources, uploading []File) (carried []File, notes []string, err error) {
	var stale []string
	for _, e := range s.manifest {
		if e.Rebuilt {
			continue
		}
		if src.base.Name == "" {
			notes = append(notes, fmt.Sprintf("%s was not rebuilt, and there is no complete published nightly to carry it over from", e.Component))
			continue
		}
		if why := unchanged(o.Graph, s.manifest, src.baseManifest, e.Component); why != "" {
			notes = append(notes, fmt.Sprintf("%s was not rebuilt and is not carried over from %s: %s; this nightly has no asset of it", e.Component, src.base.Name, why))
			continue
		}
		stale = append(stale, e.Component)
	}
	if len(stale) == 0 {
		return nil, notes, nil
	}
	taken := map[string]bool{}
	for _, f := range uploading {
		taken[f.Name] = true
	}
	previous := src.base.Name
	for _, a := range src.baseAssets {
		owner := ownerOf(a.Name, s.manifest)
		if owner == "" || !slices.Contains(stale, owner) || taken[a.Name] || a.State != stateUploaded {
			continue
		}
		// Both go into SHA256SUMS and the logs as they are: an answer
		// that is not a name GitHub keeps, or not a SHA-256, is refused.
		switch {
		case githubAssetName(a.Name) != a.Name:
			return nil, notes, fmt.Errorf("carry an asset over from %s: GitHub answered the name %.100q, which is not a name GitHub gives assets", previous, a.Name)
		case a.Digest == "":
			return nil, notes, fmt.Errorf("carry %s over from %s: GitHub reports no digest for it, so its copy could not be checked", a.Name, previous)
		case !sha256DigestRE.MatchString(a.Digest):
			return nil, notes, fmt.Errorf("carry %s over from %s: GitHub answered the digest %.100q, not sha256:<64 hex>", a.Name, previous, a.Digest)
		}
		from := a
		carried = append(carried, File{Name: a.Name, Size: a.Size, From: &from})
		taken[a.Name] = true
	}
	return carried, notes, nil
}

// unchanged says why component cannot be carried over from the previous
// manifest, or "" when it and everything it depends on are at the same
// commits there.
func unchanged(g *plan.Graph, now, before manifest.Manifest, component string) string {
	if before == nil {
		return "the previous nightly records no manifest"
	}
	check := []string{component}
	if g != nil {
		if _, ok := g.Component(component); !ok {
			return "the graph has no component " + component
		}
		check = append(check, g.Upstream(component)...)
	}
	for _, name := range check {
		was, ok1 := before.Lookup(name)
		is, ok2 := now.Lookup(name)
		switch {
		case !ok1 || !ok2:
			return name + " is not in both manifests"
		case was.SHA != is.SHA || !strings.EqualFold(was.Repository, is.Repository):
			if name == component {
				return fmt.Sprintf("its commit moved (%s, was %s)", short(is.SHA), short(was.SHA))
			}
			return fmt.Sprintf("%s, which it depends on, moved (%s, was %s)", name, short(is.SHA), short(was.SHA))
		}
	}
	return ""
}

// ownerOf is the component an asset name belongs to: the longest of
// "<component>-" and "<repository name>-" it starts with; "" for none, and
// for a name two components claim equally (checkOwners refuses those).
func ownerOf(name string, m manifest.Manifest) string {
	if owners := claimants(name, m); len(owners) == 1 {
		return owners[0]
	}
	return ""
}

// claimants are the components whose longest matching prefix is the
// longest of all, in the manifest's order: one, or none, unless two claim
// the name equally (component governance of repository governance-app,
// and a component governance-app, both claim governance-app-image.tar.gz).
func claimants(name string, m manifest.Manifest) []string {
	var owners []string
	longest := 0
	for _, e := range m {
		_, repo, _ := strings.Cut(e.Repository, "/")
		best := 0
		for _, prefix := range []string{e.Component + "-", repo + "-"} {
			if strings.HasPrefix(name, prefix) {
				best = max(best, len(prefix))
			}
		}
		switch {
		case best == 0 || best < longest:
		case best > longest:
			owners, longest = []string{e.Component}, best
		default:
			owners = append(owners, e.Component)
		}
	}
	return owners
}

// checkOwners refuses an asset name that two components of m claim
// equally: whose it is would depend on the order of the manifest.
func checkOwners(names []string, m manifest.Manifest) error {
	for _, name := range names {
		if owners := claimants(name, m); len(owners) > 1 {
			slices.Sort(owners)
			return fmt.Errorf("asset %s belongs to no one component: %s claim it equally (by <component>- or <repository>- names); rename it, or the components, so that one prefix is the longest", name, strings.Join(owners, " and "))
		}
	}
	return nil
}

// listedAssets is a Releases that keeps the assets of the releases it
// listed, digests included (github.Releases).
type listedAssets interface {
	ListedAssets(releaseID int64) ([]github.Asset, bool)
}

// assetsOf returns a release's assets: from the releases listing already
// read when it showed the release (every asset, with its digest, is part of
// a listed release), else with a request of their own.
func assetsOf(ctx context.Context, c Client, releaseID int64) ([]github.Asset, error) {
	if l, ok := c.Releases.(listedAssets); ok {
		if assets, ok := l.ListedAssets(releaseID); ok {
			return assets, nil
		}
	}
	return c.Assets.ListAssets(ctx, releaseID)
}
