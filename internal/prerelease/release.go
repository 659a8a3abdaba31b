// Package prerelease is the release lifecycle: create-prerelease publishes
// a nightly's prerelease with its assets (or dispatches a workflow that
// does), and promote publishes a release from a published nightly, with
// its bytes. Both are lists of steps over one publishing sequence (see
// sequence.go), safe under reruns, racing runs and immutable releases.
package prerelease

import (
	"context"
	"encoding/json"
	"fmt"
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
	// Read reads a small asset whole: promote's SHA256SUMS.
	Read AssetReader
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
	// end closes: one per step. nil groups nothing.
	Group func(title string) (end func())
}

// sync is how this run syncs assets: concurrency files at once, telling
// the progress of long uploads. Their lines are in the group of the
// attach step.
func (o Options) sync(concurrency int) Sync {
	return Sync{Concurrency: concurrency, Logf: o.Logf, Now: o.Now}
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

// publish is create-prerelease as the list of its steps: read and check
// everything, then the publishing sequence (see sequence.go), then tidy
// up. A failure at any step leaves a state the next run completes.
func publish(ctx context.Context, c Client, o Options) (report.Result, error) {
	n := &nightlyRelease{c: c, o: o, h: newHistory(c, o)}
	n.p = &publication{c: c, o: o, prerelease: true, makeLatest: "false", body: n.body}
	steps := []step{
		{"Read and check " + o.Tag + " before any write", n.check},
		{"Find or create the draft release " + o.Tag, n.p.draft},
		{"Attach the assets of " + o.Tag, n.p.attach},
		{"Publish " + o.Tag, n.p.publish},
	}
	if o.Keep > 0 {
		steps = append(steps, step{fmt.Sprintf("Tidy up: keep the newest %d nightlies", o.Keep), n.tidy})
	}
	if err := runSteps(ctx, o, steps...); err != nil {
		return report.Result{}, err
	}
	return n.result(), nil
}

// nightlyRelease is what create-prerelease reads and decides, from its
// first step to its result.
type nightlyRelease struct {
	c Client
	o Options
	h *history
	p *publication
	// listed is every release, as the check found them.
	listed   []*gh.RepositoryRelease
	snap     snapshot
	src      sources
	carried  []File
	previous nightly.Tag
	before   manifest.Manifest
	notes    []string
	pruned   []string
}

// check reads everything the nightly's release needs and checks it, before
// the first write: the release of the tag, the snapshot and where its
// notes and carried assets come from, what to carry over, and whether the
// nightly is complete.
func (n *nightlyRelease) check(ctx context.Context) (string, error) {
	c, o, h, p := n.c, n.o, n.h, n.p
	listed, rel, err := findRelease(ctx, c.Releases, o)
	if err != nil {
		return "", err
	}
	n.listed, p.rel = listed, rel
	if n.snap, err = h.snapshot(ctx); err != nil {
		return "", err
	}
	snap := n.snap
	files := slices.Clone(o.Files)
	if snap.manifest != nil {
		if i := slices.IndexFunc(files, func(f File) bool { return f.Name == ManifestAsset }); i >= 0 {
			return "", inputs.Errorf("assets", "%s would be named %s, the asset that describes the snapshot; rename it", files[i].Path, ManifestAsset)
		}
		document, err := writeManifest(o, snap)
		if err != nil {
			return "", err
		}
		files = append(files, document)
		if n.src, err = h.sources(ctx, listed); err != nil {
			return "", err
		}
		src := n.src
		if err := checkOwners(assetNames(files, src.baseAssets), snap.manifest); err != nil {
			return "", err
		}
		if err := refuseStale(snap, files); err != nil {
			return "", err
		}
		n.previous, n.before = src.previous, src.before
		if o.CarryOver {
			if n.carried, n.notes, err = carryOver(o, snap, src, files); err != nil {
				return "", err
			}
			if i := slices.IndexFunc(n.carried, func(f File) bool { return f.Name == o.Checksums }); i >= 0 {
				return "", inputs.Errorf("checksums", "names %s, an asset carried over from %s: choose another name", o.Checksums, src.base.Name)
			}
		}
		if err := checkComplete(o, snap, src, append(slices.Clone(files), n.carried...)); err != nil {
			return "", err
		}
	}
	if snap.manifest == nil && rel == nil && o.GenerateNotes && o.PreviousTag == "" && o.Prefix != "" {
		if n.previous, _, err = h.previous(ctx, listed); err != nil {
			return "", err
		}
	}
	n.notes = append(n.notes, h.reader.Notes...)
	p.files = append(slices.Clone(files), n.carried...)
	done := fmt.Sprintf("checked %s: %s to attach", o.Tag, report.Count(len(p.files), "asset"))
	if len(n.carried) > 0 {
		done += fmt.Sprintf(", %d of them carried over from %s", len(n.carried), n.src.base.Name)
	}
	return done, nil
}

// body is the body of the nightly's new draft: the table of what it
// holds, the notes, and the markers of a complete nightly.
func (n *nightlyRelease) body(ctx context.Context) (string, error) {
	table := ""
	if n.snap.manifest != nil {
		var tableNotes []string
		table, tableNotes = snapshotTable(ctx, n.c, n.o, "nightly", n.snap, n.previous.Name, n.before)
		n.notes = append(n.notes, tableNotes...)
	}
	marker := ""
	if own, tagged, err := n.h.own(ctx); err != nil {
		return "", err
	} else if tagged && own.Annotated() && n.snap.manifest != nil {
		// Checked complete: once published, this nightly is a base,
		// found by these lines.
		marker = markers(own.SHA, n.snap.manifest)
	}
	return releaseBody(ctx, n.c, n.o, n.previous.Name, table, marker)
}

// tidy is the step that prunes: older nightlies beyond keep, and the
// nightly tags left without a release.
func (n *nightlyRelease) tidy(ctx context.Context) (string, error) {
	pruned, err := prune(ctx, n.c, n.o, n.listed, n.p.rel.GetID())
	if err != nil {
		return "", err
	}
	orphans, err := pruneOrphans(ctx, n.c, n.o, n.h, n.listed)
	n.pruned = append(pruned, orphans...)
	if err != nil {
		return "", err
	}
	if len(n.pruned) == 0 {
		return "pruned nothing", nil
	}
	return "pruned " + strings.Join(n.pruned, ", "), nil
}

// result is the step's outputs and summary.
func (n *nightlyRelease) result() report.Result {
	o, p := n.o, n.p
	all := slices.Clone(p.files)
	// The assets the release held already, which attach listed after the
	// files (strayAssets), then the checksums file.
	for _, a := range p.synced.Assets[min(len(all), len(p.synced.Assets)):] {
		if a.Name != o.Checksums {
			all = append(all, File{Name: a.Name, Size: a.Size})
		}
	}
	if o.Checksums != "" {
		all = append(all, File{Name: o.Checksums})
	}
	res := publishResult(o, p.rel, p.created, p.synced, n.pruned, all)
	carriedNames := []string{}
	for _, f := range n.carried {
		carriedNames = append(carriedNames, f.Name)
	}
	res.Set("carried", mustJSON(carriedNames))
	if p.checksumsFile != "" {
		res.Set("checksums-file", p.checksumsFile)
	}
	if n.snap.manifest != nil {
		res.Set("manifest", n.snap.manifest.String())
		res.Summary.Add("Snapshot", report.Text(report.Count(len(n.snap.manifest), "component")+", "+ManifestAsset))
		if len(n.carried) > 0 {
			res.Summary.Add("Carried over", report.Text(strings.Join(carriedNames, ", ")+" from "+n.src.base.Name))
		}
	}
	res.Notices = append(res.Notices, n.notes...)
	return res
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
	return strings.TrimRight(report.FirstLines(text, room), "\n")
}

func publishResult(o Options, rel *gh.RepositoryRelease, created bool, synced SyncResult, pruned []string, files []File) report.Result {
	if pruned == nil {
		pruned = []string{}
	}
	var res report.Result
	res.Set("tag", o.Tag)
	res.Set("release-id", strconv.FormatInt(rel.GetID(), 10))
	res.Set("release-url", rel.GetHTMLURL())
	res.Set("upload-url", rel.GetUploadURL())
	res.Set("assets", assetsJSON(files, synced.Assets))
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

// assetsJSON is the assets output: each file's name, size and download
// URL, from the release's assets synced for them, in the same order.
func assetsJSON(files []File, synced []github.Asset) string {
	type asset struct {
		Name string `json:"name"`
		Size int64  `json:"size"`
		URL  string `json:"url"`
	}
	assets := make([]asset, 0, len(files))
	for i, f := range files {
		a := asset{Name: f.Name, Size: f.Size}
		if i < len(synced) {
			a.URL = synced[i].BrowserDownloadURL
			if a.Size == 0 {
				a.Size = synced[i].Size
			}
		}
		assets = append(assets, a)
	}
	return mustJSON(assets)
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
