package prerelease

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/verify"
)

// AssetReader reads a small asset whole, through GitHub's storage, which
// never gets the token; github.Repo implements it.
type AssetReader interface {
	ReadAsset(ctx context.Context, asset github.Asset, most int64) ([]byte, error)
}

var _ AssetReader = github.Repo{}

// PromoteOptions is a validated promote run.
type PromoteOptions struct {
	Owner, Repo string // the orchestrator: its nightlies, and the release
	Own         string // the workflow's repository, for error hints
	Prefix      string // of the nightlies
	From        string // the nightly to promote; "" for the newest
	Tag         string
	Name        string
	Body        string // body and body-file, joined
	MakeLatest  bool
	Prerelease  bool
	// TagComponents tags every component repository too, at the commit
	// the nightly pins, with the release's tag.
	TagComponents bool
	// Workspace is where the nightly's SHA256SUMS, once checked, is
	// written (under Dir) to be attached from.
	Workspace string
	ServerURL string
	DryRun    bool
	Now       func() time.Time
	Logf      func(string, ...any)
	// Group opens a collapsible group of log lines titled title, which
	// end closes: one per step. nil groups nothing.
	Group func(title string) (end func())
}

// ChecksumsAsset is the asset of a nightly that lists the SHA-256 of every
// other, which promote checks the nightly against and copies as it is.
const ChecksumsAsset = "SHA256SUMS"

// promoteConcurrency is how many assets are copied at once.
const promoteConcurrency = 4

// Promote publishes a release of o.Tag from a published nightly, with its
// bytes: the list of its steps. Everything is read and checked first, and
// a nightly that is not published, not complete, yanked, or whose assets
// do not match its own SHA256SUMS is refused before any write; so is a
// tag or a release of o.Tag that holds something else. Then the tags are
// made, and the release goes through the publishing sequence, its assets
// copied from the nightly's. A rerun after success writes nothing.
func Promote(ctx context.Context, c Client, o PromoteOptions) (report.Result, error) {
	pr := newPromotion(c, o)
	from := o.From
	if from == "" {
		from = "the newest nightly"
	}
	steps := []step{
		{"Check " + from + " and " + o.Tag + " before any write", pr.check},
		{"Tag " + o.Tag, pr.tag},
		{"Find or create the draft release " + o.Tag, pr.p.draft},
		{"Attach the assets of " + o.Tag, pr.p.attach},
		{"Publish " + o.Tag, pr.p.publish},
	}
	if err := runSteps(ctx, pr.seq, steps...); err != nil {
		if errors.As(err, new(*explainedElsewhere)) {
			return report.Result{}, err
		}
		return report.Result{}, github.Explain(err, pr.seq.access("contents: write"))
	}
	return pr.result()
}

// VersionsFile is the file of the action's folder in the workspace that
// promote writes versions-toml to, for a later step (or a person outside
// Actions, whose name=value outputs cannot hold its lines) to commit.
const VersionsFile = "versions.toml"

// promotion is what promote reads and decides, from its first step to its
// result.
type promotion struct {
	c Client
	o PromoteOptions
	// seq is the orchestrator, the release and the log as the publishing
	// sequence takes them.
	seq Options
	p   *publication

	listed []*gh.RepositoryRelease
	from   nightly.Base
	// assets are the nightly's, by name.
	assets []github.Asset
	// previous is the release the notes start from; before its manifest
	// (nil when it records none).
	previous string
	before   manifest.Manifest
	tags     []releaseTag
	notes    []string
}

func newPromotion(c Client, o PromoteOptions) *promotion {
	seq := Options{
		Owner: o.Owner, Repo: o.Repo, Own: o.Own, Tag: o.Tag, Prefix: o.Prefix, Name: o.Name,
		Concurrency: promoteConcurrency, Workspace: o.Workspace, ServerURL: o.ServerURL,
		DryRun: o.DryRun, Now: o.Now, Logf: o.Logf, Group: o.Group,
	}
	pr := &promotion{c: c, o: o, seq: seq}
	pr.p = &publication{
		c: c, o: seq, prerelease: o.Prerelease, makeLatest: strconv.FormatBool(o.MakeLatest),
		exact: true, body: pr.body, verify: pr.sameBytes,
	}
	return pr
}

// check reads and checks everything before the first write: the release
// of the tag, the nightly, its assets against its own SHA256SUMS, the tags
// to make, and what a release of the tag that exists already holds.
func (pr *promotion) check(ctx context.Context) (string, error) {
	listed, rel, err := findRelease(ctx, pr.c.Releases, pr.seq)
	if err != nil {
		return "", err
	}
	pr.listed, pr.p.rel = listed, rel
	if err := pr.findNightly(ctx, rel); err != nil {
		return "", err
	}
	pr.p.o.Target = pr.from.Commit
	if pr.assets, err = pr.nightlyAssets(ctx); err != nil {
		return "", err
	}
	if err := pr.readTags(ctx); err != nil {
		return "", err
	}
	// Published with every asset of the nightly: a rerun after success.
	done := false
	if rel != nil && !rel.GetDraft() {
		existing, err := assetsOf(ctx, pr.c, rel.GetID())
		if err != nil {
			return "", fmt.Errorf("list assets of release %s: %w", pr.o.Tag, err)
		}
		if err := pr.sameBytes(existing); err != nil {
			return "", err
		}
		done = len(pr.missing(existing)) == 0
	}
	untagged := slices.ContainsFunc(pr.tags, func(t releaseTag) bool { return !t.there })
	files, err := pr.files(ctx, !done || untagged)
	if err != nil {
		return "", err
	}
	pr.p.files = files
	if rel == nil {
		pr.previousRelease(ctx)
	}
	if done && !untagged {
		return fmt.Sprintf("checked %s: release %s holds its %s already", pr.from.Tag, pr.o.Tag, report.Count(len(pr.assets), "asset")), nil
	}
	return fmt.Sprintf("checked %s: complete, not yanked, %s as its SHA256SUMS lists them", pr.from.Tag, report.Count(len(pr.assets), "asset")), nil
}

// files are what the release holds: every asset of the nightly, copied
// from it, in the order of their names. SHA256SUMS is read and checked
// when anything is to be written; it is then attached from the bytes
// checked, written to the workspace, and not downloaded twice. A rerun
// that writes nothing reads it no more: the release holds the bytes that
// the run which made it checked.
func (pr *promotion) files(ctx context.Context, writes bool) ([]File, error) {
	var files []File
	for _, a := range pr.assets {
		from := a
		files = append(files, File{Name: a.Name, Size: a.Size, From: &from})
	}
	if !writes {
		return files, nil
	}
	i := slices.IndexFunc(files, func(f File) bool { return f.Name == ChecksumsAsset })
	sums := *files[i].From
	data, err := pr.c.Read.ReadAsset(ctx, sums, verify.MaxSumsBytes)
	if err != nil {
		return nil, fmt.Errorf("read the %s of %s: %w", ChecksumsAsset, pr.from.Tag, err)
	}
	if err := checkSums(pr.from.Tag, data, pr.assets); err != nil {
		return nil, err
	}
	path, err := WriteWorkspaceFile(pr.o.Workspace, ChecksumsAsset, data)
	if err != nil {
		return nil, err
	}
	files[i] = File{Path: path, Name: ChecksumsAsset, Size: int64(len(data))}
	return files, nil
}

// body is the body of the release's new draft: the line saying which
// nightly it was promoted from, the table of its components since the
// previous release, the user's text, and the hidden lines that record the
// nightly and the manifest.
func (pr *promotion) body(ctx context.Context) (string, error) {
	snap := snapshot{manifest: pr.from.Manifest, commit: pr.from.Commit}
	table, notes := snapshotTable(ctx, pr.c, pr.seq, "release", snap, pr.previous, pr.before)
	pr.notes = append(pr.notes, notes...)
	intro := "Promoted from " + report.Link(pr.from.Tag, pr.releasePage(pr.from.Tag)) + " with the same bytes: every asset is the nightly's, and " + ChecksumsAsset + " lists them all."
	body := joinText(intro, table, pr.o.Body, promotedMarker(pr.from.Tag)+"\n"+nightly.ManifestMarker(pr.from.Manifest))
	if n := utf8.RuneCountInString(body); n > MaxBodyChars {
		return "", fmt.Errorf("the body of release %s would be %d characters with the table of what it holds; GitHub takes at most %d: shorten body or body-file", pr.o.Tag, n, MaxBodyChars)
	}
	return body, nil
}

// releasePage is the web page of the release of tag in the orchestrator.
func (pr *promotion) releasePage(tag string) string {
	server := strings.TrimRight(pr.o.ServerURL, "/")
	if server == "" {
		server = "https://github.com"
	}
	return server + "/" + pr.o.Owner + "/" + pr.o.Repo + "/releases/tag/" + url.PathEscape(tag)
}

// result is the step's outputs and summary; versions-toml is written to
// the workspace too.
func (pr *promotion) result() (report.Result, error) {
	o, p := pr.o, pr.p
	toml := versionsTOML(o.Tag, o.Owner+"/"+o.Repo, pr.from, pr.tagged)
	if _, err := WriteWorkspaceFile(o.Workspace, VersionsFile, []byte(toml)); err != nil {
		return report.Result{}, err
	}
	var res report.Result
	res.Set("tag", o.Tag)
	res.Set("release-url", p.rel.GetHTMLURL())
	res.Set("assets", assetsJSON(p.files, p.synced.Assets))
	res.Set("from", pr.from.Tag)
	res.Set("manifest", pr.from.Manifest.String())
	res.Set("versions-toml", toml)

	s := report.Summary{Title: "Release " + o.Tag}
	switch {
	case o.DryRun:
		s.Add("Status", "dry run: would publish")
	case p.created:
		s.Add("Status", "promoted and published")
	default:
		s.Add("Status", "already there; assets brought up to date")
	}
	s.Add("Release", report.Link(o.Tag, p.rel.GetHTMLURL()))
	s.Add("From", report.Link(pr.from.Tag, pr.releasePage(pr.from.Tag))+report.Text(", "+report.Count(len(pr.from.Manifest), "component")))
	s.Add("Assets", fmt.Sprintf("%d copied, %d unchanged, %d replaced", len(p.synced.Uploaded), len(p.synced.Skipped), len(p.synced.Replaced)))
	var tagged []string
	for _, t := range pr.tags {
		tagged = append(tagged, t.repository)
	}
	s.Add("Tagged", report.Text(o.Tag+" in "+strings.Join(tagged, ", ")))
	// A tag holds no ~ (git refuses it), nor anything else that could end
	// the fence.
	s.Extra = "versions.toml:\n\n~~~toml\n" + toml + "~~~"
	res.Summary = s
	res.Notices = append(res.Notices, pr.notes...)
	return res, nil
}

// tagged tells whether repository holds the release's tag at commit once
// promote is done: the orchestrator at the nightly's commit, and with
// tag-components every component repository at its pin.
func (pr *promotion) tagged(repository, commit string) bool {
	for _, t := range pr.tags {
		if strings.EqualFold(t.repository, repository) && t.commit == commit {
			return true
		}
	}
	return false
}
