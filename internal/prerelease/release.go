// Package prerelease is the create-prerelease mode: it publishes the
// prerelease for a tag with its assets, safely under reruns and races, or
// dispatches a workflow that does.
package prerelease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/runs"
)

// Releases is the part of the GitHub client that reads and writes releases.
type Releases interface {
	ListReleases(ctx context.Context, owner, repo string, opts *gh.ListOptions) ([]*gh.RepositoryRelease, *gh.Response, error)
	GetReleaseByTag(ctx context.Context, owner, repo, tag string) (*gh.RepositoryRelease, *gh.Response, error)
	CreateRelease(ctx context.Context, owner, repo string, release *gh.RepositoryRelease) (*gh.RepositoryRelease, *gh.Response, error)
	EditRelease(ctx context.Context, owner, repo string, id int64, release *gh.RepositoryRelease) (*gh.RepositoryRelease, *gh.Response, error)
	DeleteRelease(ctx context.Context, owner, repo string, id int64) (*gh.Response, error)
	GenerateReleaseNotes(ctx context.Context, owner, repo string, opts *gh.GenerateNotesOptions) (*gh.RepositoryReleaseNotes, *gh.Response, error)
}

// Refs reads, creates and deletes tags.
type Refs interface {
	nightly.Git
	DeleteRef(ctx context.Context, owner, repo, ref string) (*gh.Response, error)
}

// Client is what create-prerelease needs from GitHub.
type Client struct {
	Releases Releases
	Refs     Refs
	Commits  nightly.Commits
	Tags     nightly.TagObjects // reads the annotated nightly tags' manifests
	Compare  Compare
	Assets   AssetStore
	// Dispatch sends a workflow_dispatch; see github.DispatchWorkflow.
	Dispatch func(ctx context.Context, workflow, ref string, inputs map[string]string) (github.RunDetails, error)
	GetRun   runs.Getter
}

// Options is a validated create-prerelease run.
type Options struct {
	Owner, Repo   string
	Own           string // the workflow's repository, for error hints
	Tag           string
	Prefix        string // nightly prefix, to find the previous nightly and to prune
	Target        string // commit or branch for a tag that does not exist yet
	Name          string
	Body          string // body and body-file, joined
	GenerateNotes bool
	PreviousTag   string
	Files         []File
	Concurrency   int
	Keep          int

	// Manifest is the snapshot the nightly holds; nil reads it from the
	// annotated tag, when it records one.
	Manifest manifest.Manifest
	// Graph is the build graph, to tell what a component depends on when
	// carrying its assets over; nil checks the component's own commit only.
	Graph     *plan.Graph
	CarryOver bool
	// Checksums names the asset listing every asset's SHA-256; "" for none.
	Checksums string
	// Workspace is where the action's own files are written (under Dir).
	Workspace string

	Workflow       string
	WorkflowRef    string
	WorkflowInputs map[string]string
	TagInput       string
	Wait           bool
	WaitTimeout    time.Duration

	ServerURL string
	DryRun    bool
	Now       func() time.Time
	Sleep     func(context.Context, time.Duration) error
	Logf      func(string, ...any)
	// Group opens a collapsible group of log lines titled title, which
	// end closes; nil groups nothing.
	Group func(title string) (end func())
}

// sync is how this run syncs assets: concurrency files at once, telling
// the progress of long uploads.
func (o Options) sync(concurrency int) Sync {
	return Sync{Concurrency: concurrency, Logf: o.Logf, Now: o.Now, Group: o.Group}
}

func (o Options) access(permission string) github.Access {
	return github.Access{Repository: o.Owner + "/" + o.Repo, Own: o.Own, Permission: permission}
}

// Run publishes the prerelease, or dispatches the workflow that does.
func Run(ctx context.Context, c Client, o Options) (report.Result, error) {
	if o.Workflow != "" {
		return runWorkflow(ctx, c, o)
	}
	res, err := publish(ctx, c, o)
	if err != nil {
		return report.Result{}, github.Explain(err, o.access("contents: write"))
	}
	return res, nil
}

// publish runs the order that is safe with immutable releases, reruns and
// racing runs: find the release (published, or a draft an earlier run
// left), else create it as a draft; make its assets match the files;
// publish it, or, when another run published first, adopt that release;
// then prune. A failure at any step leaves a state the next run completes.
func publish(ctx context.Context, c Client, o Options) (report.Result, error) {
	listed, rel, err := findRelease(ctx, c.Releases, o)
	if err != nil {
		return report.Result{}, err
	}
	h := newHistory(c, o)
	// Everything read and checked before the first write.
	snap, err := h.snapshot(ctx)
	if err != nil {
		return report.Result{}, err
	}
	files := slices.Clone(o.Files)
	var notes []string
	var carried []File
	var previous nightly.Tag
	var before manifest.Manifest
	var src sources
	if snap.manifest != nil {
		if i := slices.IndexFunc(files, func(f File) bool { return f.Name == ManifestAsset }); i >= 0 {
			return report.Result{}, inputs.Errorf("assets", "%s would be named %s, the asset that describes the snapshot; rename it", files[i].Path, ManifestAsset)
		}
		document, err := writeManifest(o, snap)
		if err != nil {
			return report.Result{}, err
		}
		files = append(files, document)
		if src, err = h.sources(ctx, listed); err != nil {
			return report.Result{}, err
		}
		if err := checkOwners(assetNames(files, src.baseAssets), snap.manifest); err != nil {
			return report.Result{}, err
		}
		if err := refuseStale(snap, files); err != nil {
			return report.Result{}, err
		}
		previous, before = src.previous, src.before
		if o.CarryOver {
			if carried, notes, err = carryOver(o, snap, src, files); err != nil {
				return report.Result{}, err
			}
			if i := slices.IndexFunc(carried, func(f File) bool { return f.Name == o.Checksums }); i >= 0 {
				return report.Result{}, inputs.Errorf("checksums", "names %s, an asset carried over from %s: choose another name", o.Checksums, src.base.Name)
			}
		}
		if err := checkComplete(o, snap, src, append(slices.Clone(files), carried...)); err != nil {
			return report.Result{}, err
		}
	}
	if snap.manifest == nil && rel == nil && o.GenerateNotes && o.PreviousTag == "" && o.Prefix != "" {
		if previous, _, err = h.previous(ctx, listed); err != nil {
			return report.Result{}, err
		}
	}
	notes = append(notes, h.reader.Notes...)

	created := false
	if rel == nil {
		table := ""
		if snap.manifest != nil {
			var tableNotes []string
			table, tableNotes = snapshotTable(ctx, c, o, snap, previous.Name, before)
			notes = append(notes, tableNotes...)
		}
		marker := ""
		if own, tagged, err := h.own(ctx); err != nil {
			return report.Result{}, err
		} else if tagged && own.Annotated() && snap.manifest != nil {
			// Checked complete above: once published, this nightly is a
			// base, found by these lines.
			marker = markers(own.SHA, snap.manifest)
		}
		if rel, created, err = createDraft(ctx, c, o, previous.Name, table, marker); err != nil {
			return report.Result{}, err
		}
	}
	all := append(files, carried...)
	var existing []github.Asset
	// A release this run just made has no assets; any other may.
	if !created && (len(all) > 0 || o.Checksums != "") {
		if existing, err = assetsOf(ctx, c, rel.GetID()); err != nil {
			return report.Result{}, fmt.Errorf("list assets of release %s: %w", o.Tag, err)
		}
	}
	if created {
		o.Logf("release %s: created as a draft", o.Tag)
	} else {
		o.Logf("release %s: found (%s)", o.Tag, state(rel))
	}

	synced, checksumsFile, err := attach(ctx, c, o, rel, existing, all)
	if err != nil {
		return report.Result{}, err
	}
	if rel.GetDraft() {
		published, lost, err := publishDraft(ctx, c, o, rel)
		if err != nil {
			return report.Result{}, err
		}
		rel = published
		stale := missingAssets(rel, synced.Assets)
		switch {
		case o.DryRun:
		case lost:
			created = false
			o.Logf("release %s: bringing its assets up to date", o.Tag)
		case len(stale) > 0:
			// Another run finishing the same draft replaced them between
			// this run's uploads and its publishing.
			o.Logf("release %s: published without %s as this run uploaded it; attaching it again", o.Tag, strings.Join(stale, ", "))
		default:
			useDownloadURLs(synced.Assets, rel)
		}
		if !o.DryRun && (lost || len(stale) > 0) {
			// Read afresh: the releases listing may show this release as
			// it was before.
			if existing, err = c.Assets.ListAssets(ctx, rel.GetID()); err != nil {
				return report.Result{}, fmt.Errorf("list assets of release %s: %w", o.Tag, err)
			}
			if synced, checksumsFile, err = attach(ctx, c, o, rel, existing, all); err != nil {
				return report.Result{}, err
			}
		}
	}

	var pruned []string
	if o.Keep > 0 {
		if pruned, err = prune(ctx, c, o, listed, rel.GetID()); err != nil {
			return report.Result{}, err
		}
		orphans, err := pruneOrphans(ctx, c, o, h, listed)
		pruned = append(pruned, orphans...)
		if err != nil {
			return report.Result{}, err
		}
	}
	// The assets the release held already, which attach listed after the
	// files (strayAssets), then the checksums file.
	for _, a := range synced.Assets[min(len(all), len(synced.Assets)):] {
		if a.Name != o.Checksums {
			all = append(all, File{Name: a.Name, Size: a.Size})
		}
	}
	if o.Checksums != "" {
		all = append(all, File{Name: o.Checksums})
	}
	res := publishResult(o, rel, created, synced, pruned, all)
	carriedNames := []string{}
	for _, f := range carried {
		carriedNames = append(carriedNames, f.Name)
	}
	res.Set("carried", mustJSON(carriedNames))
	if checksumsFile != "" {
		res.Set("checksums-file", checksumsFile)
	}
	if snap.manifest != nil {
		res.Set("manifest", snap.manifest.String())
		res.Summary.Add("Snapshot", report.Text(report.Count(len(snap.manifest), "component")+", "+ManifestAsset))
		if len(carried) > 0 {
			res.Summary.Add("Carried over", report.Text(strings.Join(carriedNames, ", ")+" from "+src.base.Name))
		}
	}
	res.Notices = append(res.Notices, notes...)
	return res, nil
}

// mergeSync adds what a later SyncAssets did to an earlier result.
func mergeSync(a, b SyncResult) SyncResult {
	a.Assets = append(a.Assets, b.Assets...)
	a.Uploaded = append(a.Uploaded, b.Uploaded...)
	a.Skipped = append(a.Skipped, b.Skipped...)
	a.Replaced = append(a.Replaced, b.Replaced...)
	a.Digests = append(a.Digests, b.Digests...)
	return a
}

func state(rel *gh.RepositoryRelease) string {
	if rel.GetDraft() {
		return "draft"
	}
	return "published"
}

// attach makes the assets of rel match files, then, with o.Checksums,
// writes the checksums file and attaches it too. It returns what was done
// and the checksums file's path relative to the workspace ("" without).
func attach(ctx context.Context, c Client, o Options, rel *gh.RepositoryRelease, existing []github.Asset, files []File) (SyncResult, string, error) {
	synced, err := o.sync(o.Concurrency).Assets(ctx, c.Assets, rel.GetID(), existing, files)
	if err != nil {
		return SyncResult{}, "", attachError(o, rel, "assets", err)
	}
	// Assets the release already holds that this run does not attach (a
	// draft an earlier attempt left, a published release being completed)
	// are published too: they are listed, with GitHub's digests, not left
	// out of SHA256SUMS and the assets output.
	strays, err := strayAssets(existing, files, o.Checksums)
	if err != nil {
		return SyncResult{}, "", fmt.Errorf("release %s: %w", o.Tag, err)
	}
	synced.Assets = append(synced.Assets, strays...)
	for _, a := range strays {
		synced.Digests = append(synced.Digests, a.Digest)
	}
	if o.Checksums == "" {
		return synced, "", nil
	}
	names := make([]string, 0, len(files)+len(strays))
	for _, f := range files {
		names = append(names, f.Name)
	}
	for _, a := range strays {
		names = append(names, a.Name)
	}
	path, err := writeWorkspaceFile(o.Workspace, o.Checksums, []byte(checksumsText(names, synced.Digests)))
	if err != nil {
		return SyncResult{}, "", err
	}
	info, err := os.Stat(path)
	if err != nil {
		return SyncResult{}, "", fmt.Errorf("write %s: %w", o.Checksums, err)
	}
	sums, err := o.sync(1).Assets(ctx, c.Assets, rel.GetID(), existing, []File{{Path: path, Name: o.Checksums, Size: info.Size()}})
	if err != nil {
		return SyncResult{}, "", attachError(o, rel, o.Checksums, err)
	}
	return mergeSync(synced, sums), filepath.ToSlash(filepath.Join(Dir, o.Checksums)), nil
}

// strayAssets are the uploaded assets of existing that are neither among
// files nor the checksums file, each with a digest GitHub gave in the
// sha256:<64 hex> form; an asset without one cannot be listed, and is an
// error that says to delete it.
func strayAssets(existing []github.Asset, files []File, checksums string) ([]github.Asset, error) {
	attached := map[string]bool{checksums: true}
	for _, f := range files {
		attached[f.Name] = true
	}
	var strays []github.Asset
	for _, a := range existing {
		if attached[a.Name] || a.State != stateUploaded {
			continue
		}
		switch {
		case githubAssetName(a.Name) != a.Name:
			return nil, fmt.Errorf("it holds an asset GitHub names %.100q, which is not a name GitHub gives assets", a.Name)
		case !sha256DigestRE.MatchString(a.Digest):
			return nil, fmt.Errorf("it holds %s, which this run does not attach, and GitHub gives no SHA-256 of it (%.80q), so it cannot be listed in the checksums: delete it, or attach it again", a.Name, a.Digest)
		}
		strays = append(strays, a)
	}
	return strays, nil
}

// attachError says what a failure to attach what (assets, or the
// checksums file) to rel leaves, and what to do. A published release
// takes new assets and loses old ones freely unless it is immutable, when
// GitHub refuses both (422): then rerunning cannot help.
func attachError(o Options, rel *gh.RepositoryRelease, what string, err error) error {
	if rel.GetDraft() {
		return fmt.Errorf("attach %s to draft release %s (nothing is published yet; rerun to finish): %w", what, o.Tag, err)
	}
	var failed *assetError
	if errors.As(err, &failed) && github.IsStatus(err, http.StatusUnprocessableEntity) && !alreadyExists(err) {
		change := fmt.Sprintf("%s is not among its assets, and none can be added", failed.name)
		if failed.stale != "" {
			change = fmt.Sprintf("its asset %s differs from the file here (%s)", failed.name, failed.stale)
		}
		// GitHub's 422 is left out: its text says the same, less plainly.
		return fmt.Errorf("release %s is published and immutable, so its assets cannot change: %s; build the assets reproducibly, so that a rerun makes the same files, or publish them under a new tag", o.Tag, change)
	}
	return fmt.Errorf("attach %s to published release %s (rerun to finish): %w", what, o.Tag, err)
}

// publishDraft publishes the draft rel, whose assets are attached, and
// returns the published release. GitHub keeps several drafts of one tag,
// so two runs racing for it each make one; but it refuses to publish a
// second release of a tag (422): the request that publishes is the race
// check, and costs nothing when there is no race. The run that publishes
// first wins. Another gets the 422, deletes its draft, which could never
// be published, and returns the winner's release (lost) for its assets to
// be brought up to date there: racing runs end with one published release
// and no draft of theirs.
func publishDraft(ctx context.Context, c Client, o Options, rel *gh.RepositoryRelease) (published *gh.RepositoryRelease, lost bool, err error) {
	edit := &gh.RepositoryRelease{Draft: gh.Bool(false), Prerelease: gh.Bool(true), MakeLatest: gh.String("false")}
	published, _, err = c.Releases.EditRelease(ctx, o.Owner, o.Repo, rel.GetID(), edit)
	switch {
	case err == nil && o.DryRun:
		return rel, false, nil
	case err == nil:
		return published, false, nil
	case !github.IsStatus(err, http.StatusUnprocessableEntity):
		return nil, false, fmt.Errorf("publish release %s (its assets are attached; rerun to publish): %w", o.Tag, err)
	}
	winner, _, findErr := c.Releases.GetReleaseByTag(ctx, o.Owner, o.Repo, url.PathEscape(o.Tag))
	if findErr != nil || winner.GetID() == rel.GetID() {
		// The 422 was about something else than another release.
		return nil, false, fmt.Errorf("publish release %s (its assets are attached; rerun to publish): %w", o.Tag, err)
	}
	if _, err := c.Releases.DeleteRelease(ctx, o.Owner, o.Repo, rel.GetID()); err != nil && !github.IsStatus(err, http.StatusNotFound) {
		return nil, false, fmt.Errorf("delete draft %d of %s, which another run's published release replaces (delete it by hand if a rerun does not): %w", rel.GetID(), o.Tag, err)
	}
	o.Logf("release %s was created by another run meanwhile and published first: using it, and deleted this run's draft", o.Tag)
	return winner, true, nil
}

// missingAssets names the assets of synced that the answer publishing the
// release does not show as uploaded with their size.
func missingAssets(published *gh.RepositoryRelease, synced []github.Asset) []string {
	type shown struct {
		state string
		size  int64
	}
	byName := map[string]shown{}
	for _, a := range published.Assets {
		byName[a.GetName()] = shown{a.GetState(), int64(a.GetSize())}
	}
	var missing []string
	for _, a := range synced {
		if got, ok := byName[a.Name]; !ok || got.state != stateUploaded || got.size != a.Size {
			missing = append(missing, a.Name)
		}
	}
	return missing
}

// useDownloadURLs gives assets the download URLs of the published
// release: GitHub serves a draft's assets under a placeholder tag
// (releases/download/untagged-…/), whose links stop working once it is
// published. The answer that publishes it lists its assets under the tag.
func useDownloadURLs(assets []github.Asset, published *gh.RepositoryRelease) {
	byName := map[string]string{}
	for _, a := range published.Assets {
		byName[a.GetName()] = a.GetBrowserDownloadURL()
	}
	for i, a := range assets {
		if u := byName[a.Name]; u != "" {
			assets[i].BrowserDownloadURL = u
		}
	}
}

// findRelease lists every release and returns them, with the release of
// o.Tag: its published release, else the oldest of its drafts (one an
// earlier run left, which this run finishes), else nil. GET
// /releases/tags/{tag} never returns drafts, and a draft may be on any
// page: releases are listed newest first, by when they were made, and the
// run that left it may be days old. Nothing in a page bounds how old such
// a draft can be (the tag's date is an input), so every page is read: one
// request per 100 releases, which pruning and carrying over then reuse.
func findRelease(ctx context.Context, releases Releases, o Options) (listed []*gh.RepositoryRelease, rel *gh.RepositoryRelease, err error) {
	seen := map[int64]bool{}
	opts := &gh.ListOptions{PerPage: 100}
	pages := github.Pages{Route: "GET /repos/" + o.Owner + "/" + o.Repo + "/releases"}
	for {
		page, resp, err := releases.ListReleases(ctx, o.Owner, o.Repo, opts)
		if err != nil {
			return nil, nil, fmt.Errorf("list releases of %s/%s: %w", o.Owner, o.Repo, err)
		}
		for _, r := range page {
			// A release made meanwhile shifts the later pages down by
			// one: a release can show up twice.
			if !seen[r.GetID()] {
				seen[r.GetID()] = true
				listed = append(listed, r)
			}
		}
		next, err := pages.Next(resp)
		if err != nil {
			return nil, nil, fmt.Errorf("list releases of %s/%s: %w", o.Owner, o.Repo, err)
		}
		if next == 0 {
			break
		}
		opts.Page = next
	}
	for _, r := range listed {
		switch {
		case r.GetTagName() != o.Tag:
		case !r.GetDraft():
			return listed, r, nil
		case rel == nil || older(r, rel):
			rel = r
		}
	}
	return listed, rel, nil
}

// older tells whether release a was made before b.
func older(a, b *gh.RepositoryRelease) bool {
	if c := a.GetCreatedAt().Compare(b.GetCreatedAt().Time); c != 0 {
		return c < 0
	}
	return a.GetID() < b.GetID()
}

// createDraft creates the release as a draft prerelease, never the latest.
// GitHub takes it even when another run made a draft of the tag
// meanwhile; publishDraft settles that race. When another run published
// the tag's release between this run's listing and its create, GitHub may
// refuse the draft (422 already_exists on tag_name): that release is then
// read and returned (created false), for this run's assets to be synced
// into it, as publishDraft does for the race it settles.
func createDraft(ctx context.Context, c Client, o Options, previous, table, marker string) (rel *gh.RepositoryRelease, created bool, err error) {
	body, err := releaseBody(ctx, c, o, previous, table, marker)
	if err != nil {
		return nil, false, err
	}
	draft := &gh.RepositoryRelease{
		TagName:    gh.String(o.Tag),
		Name:       gh.String(o.Name),
		Body:       gh.String(body),
		Draft:      gh.Bool(true),
		Prerelease: gh.Bool(true),
		MakeLatest: gh.String("false"),
	}
	if o.Target != "" {
		draft.TargetCommitish = gh.String(o.Target)
	}
	rel, _, err = c.Releases.CreateRelease(ctx, o.Owner, o.Repo, draft)
	if err == nil {
		return rel, true, nil
	}
	if !alreadyExists(err) {
		return nil, false, fmt.Errorf("create draft release %s: %w", o.Tag, err)
	}
	winner, _, findErr := c.Releases.GetReleaseByTag(ctx, o.Owner, o.Repo, url.PathEscape(o.Tag))
	if findErr != nil || winner == nil || winner.GetID() == 0 {
		return nil, false, fmt.Errorf("create draft release %s: %w", o.Tag, err)
	}
	o.Logf("release %s was published by another run meanwhile: bringing its assets up to date", o.Tag)
	return winner, false, nil
}

// markers are the hidden lines that end the body of a complete nightly:
// the complete marker, naming its tag object, and beside it the manifest
// marker, so that what the nightly holds is read from the listing of
// releases alone (locate reads every nightly's so).
func markers(tagObject string, m manifest.Manifest) string {
	return nightly.CompleteMarker(tagObject) + "\n" + nightly.ManifestMarker(m)
}

// MaxBodyChars is GitHub's limit on a release body, in characters.
const MaxBodyChars = 125_000

// releaseBody is body, then the snapshot table, then GitHub's notes from
// the previous nightly, then the markers (comments, not shown),
// within GitHub's limit: generated notes that would pass it are shortened,
// with a line that says so and links the full list; the user's text and
// the table never are (too long together, they are an error).
func releaseBody(ctx context.Context, c Client, o Options, previous, table, marker string) (string, error) {
	fixed := joinText(o.Body, table, marker)
	if n := utf8.RuneCountInString(fixed); n > MaxBodyChars {
		return "", fmt.Errorf("the body of release %s would be %d characters with the table of what the nightly holds; GitHub takes at most %d: shorten body or body-file", o.Tag, n, MaxBodyChars)
	}
	if !o.GenerateNotes {
		return fixed, nil
	}
	if o.PreviousTag != "" {
		previous = o.PreviousTag
	}
	opts := &gh.GenerateNotesOptions{TagName: o.Tag}
	if previous != "" {
		opts.PreviousTagName = gh.String(previous)
	}
	if o.Target != "" {
		opts.TargetCommitish = gh.String(o.Target)
	}
	notes, _, err := c.Releases.GenerateReleaseNotes(ctx, o.Owner, o.Repo, opts)
	if err != nil {
		return "", fmt.Errorf("generate notes for %s since %s: %w", o.Tag, orNone(previous), err)
	}
	if notes == nil {
		return "", fmt.Errorf("generate notes for %s: GitHub answered POST releases/generate-notes with no notes", o.Tag)
	}
	body := joinText(o.Body, table, notes.Body, marker)
	if utf8.RuneCountInString(body) <= MaxBodyChars {
		return body, nil
	}
	server := strings.TrimRight(o.ServerURL, "/")
	if server == "" {
		server = "https://github.com"
	}
	full := server + "/" + o.Owner + "/" + o.Repo + "/commits/" + o.Tag
	if previous != "" {
		full = server + "/" + o.Owner + "/" + o.Repo + "/compare/" + previous + "..." + o.Tag
	}
	cut := "*GitHub's generated notes are shortened here to keep the release within GitHub's limit of " + strconv.Itoa(MaxBodyChars) + " characters; every change is in " + report.Link("the full comparison", full) + ".*"
	// What the notes may take: the limit less everything else, and the
	// blank lines joinText puts between the parts.
	room := MaxBodyChars - utf8.RuneCountInString(joinText(o.Body, table, "x", cut, marker)) + 1
	return joinText(o.Body, table, shorten(notes.Body, room), cut, marker), nil
}

// shorten keeps the first lines of text that fit in room characters.
func shorten(text string, room int) string {
	var b strings.Builder
	used := 0
	for line := range strings.Lines(text) {
		n := utf8.RuneCountInString(line)
		if used+n > room {
			break
		}
		b.WriteString(line)
		used += n
	}
	return strings.TrimRight(b.String(), "\n")
}

func publishResult(o Options, rel *gh.RepositoryRelease, created bool, synced SyncResult, pruned []string, files []File) report.Result {
	type asset struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
		URL  string `json:"url"`
	}
	assets := make([]asset, 0, len(files))
	for i, f := range files {
		a := asset{Name: f.Name, Size: f.Size}
		if i < len(synced.Assets) {
			a.URL = synced.Assets[i].BrowserDownloadURL
			if a.Size == 0 {
				a.Size = synced.Assets[i].Size
			}
		}
		assets = append(assets, a)
	}
	if pruned == nil {
		pruned = []string{}
	}
	var res report.Result
	res.Set("tag", o.Tag)
	res.Set("release-id", strconv.FormatInt(rel.GetID(), 10))
	res.Set("release-url", rel.GetHTMLURL())
	res.Set("upload-url", rel.GetUploadURL())
	res.Set("assets", mustJSON(assets))
	res.Set("created", strconv.FormatBool(created))
	res.Set("pruned", mustJSON(pruned))

	s := report.Summary{Title: "Prerelease " + o.Tag}
	switch {
	case o.DryRun:
		s.Add("Status", "dry run: would publish")
	case created:
		s.Add("Status", "created and published")
	default:
		s.Add("Status", "already there; assets brought up to date")
	}
	s.Add("Release", report.Link(o.Tag, rel.GetHTMLURL()))
	s.Add("Assets", fmt.Sprintf("%d uploaded, %d unchanged, %d replaced", len(synced.Uploaded), len(synced.Skipped), len(synced.Replaced)))
	if len(pruned) > 0 {
		s.Add("Pruned", report.Text(strings.Join(pruned, ", ")))
	}
	res.Summary = s
	return res
}

func joinText(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			kept = append(kept, strings.TrimRight(p, "\n"))
		}
	}
	return strings.Join(kept, "\n\n")
}

func orNone(tag string) string {
	if tag == "" {
		return "the start"
	}
	return tag
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v) // plain structs and strings always marshal
	return string(b)
}
