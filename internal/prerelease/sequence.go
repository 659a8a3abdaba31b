package prerelease

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
)

// Every release the action makes, a nightly of create-prerelease or a
// release of promote, is published by one sequence of steps, in the order
// gh release create takes, which holds under reruns, racing runs and
// immutable releases:
//
//   - draft: the release of the tag that the mode found (published, or the
//     oldest draft an earlier run left) is used as it is; else a draft is
//     created, never the latest. This is the first write: a mode reads and
//     checks everything before it.
//   - attach: the assets are made to match the files, then the checksums
//     file, if any, is attached.
//   - publish: the draft is published once every asset is attached. A run
//     that loses the race to another run's published release deletes its
//     own draft and brings that release up to date.
//   - tidy up, which is the mode's: create-prerelease prunes.
//
// A failure at any step leaves a state that the mode's rerun completes.

// step is one named step of a mode: its title heads a collapsible group
// of the log, and the line it returns closes that group, after it, so
// that the log folded still says what each step did.
type step struct {
	title string
	run   func(ctx context.Context) (done string, err error)
}

// runSteps runs steps in order, each in its group, and stops at the
// first error, which the group is closed before.
func runSteps(ctx context.Context, o Options, steps ...step) error {
	for _, s := range steps {
		end := func() {}
		if o.Group != nil {
			end = o.Group(s.title)
		}
		done, err := s.run(ctx)
		end()
		if err != nil {
			return err
		}
		if done != "" {
			o.Logf("%s", done)
		}
	}
	return nil
}

// publication is one release going through the sequence: what the mode
// decided before the first write, then what each step made of it.
type publication struct {
	c Client
	o Options

	// rel is the release of o.Tag the mode found; nil: none yet.
	rel *gh.RepositoryRelease
	// body makes a new draft's body; it is called only when one is made.
	body func(ctx context.Context) (string, error)
	// files are what the release holds, in order; o.Checksums, when set,
	// is attached after them.
	files      []File
	prerelease bool
	// makeLatest is make_latest when the draft is published: "true" or
	// "false".
	makeLatest string
	// exact makes the release hold files and nothing else: an asset of
	// another name is deleted from a draft (a published one the mode
	// refused already). Without it such an asset is kept and listed, as
	// create-prerelease keeps what a release being completed holds.
	exact bool
	// verify, when set, checks the assets of a release another run
	// published before this run attaches anything to it.
	verify func(assets []github.Asset) error

	created       bool           // this run made the release
	existing      []github.Asset // its assets before attach
	synced        SyncResult
	checksumsFile string // relative to the workspace; "" without checksums
}

// draft is the step that finds or creates the draft: the release the mode
// found is used as it is, else a draft is created with the mode's body.
func (p *publication) draft(ctx context.Context) (string, error) {
	if p.rel == nil {
		body, err := p.body(ctx)
		if err != nil {
			return "", err
		}
		if p.rel, p.created, err = createDraft(ctx, p.c, p.o, body, p.prerelease); err != nil {
			return "", err
		}
	}
	// A release this run just made has no assets; any other may.
	if !p.created && (len(p.files) > 0 || p.o.Checksums != "") {
		existing, err := assetsOf(ctx, p.c, p.rel.GetID())
		if err != nil {
			return "", fmt.Errorf("list assets of release %s: %w", p.o.Tag, err)
		}
		p.existing = existing
	}
	if p.created {
		return fmt.Sprintf("release %s: created as a draft", p.o.Tag), nil
	}
	if p.verify != nil && !p.rel.GetDraft() {
		// Published by another run between this run's listing and its
		// create: checked as the listing's would have been.
		if err := p.verify(p.existing); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("release %s: found (%s)", p.o.Tag, state(p.rel)), nil
}

// attach is the step that makes the release's assets match the files,
// then attaches the checksums file.
func (p *publication) attach(ctx context.Context) (string, error) {
	var err error
	if p.synced, p.checksumsFile, err = p.sync(ctx); err != nil {
		return "", err
	}
	return fmt.Sprintf("assets: %d uploaded, %d unchanged, %d replaced", len(p.synced.Uploaded), len(p.synced.Skipped), len(p.synced.Replaced)), nil
}

// publish is the step that publishes the draft, only once every asset is
// attached; a published release is left as it is.
func (p *publication) publish(ctx context.Context) (string, error) {
	if !p.rel.GetDraft() {
		return fmt.Sprintf("release %s: published already", p.o.Tag), nil
	}
	published, lost, err := publishDraft(ctx, p.c, p.o, p.rel, p.prerelease, p.makeLatest)
	if err != nil {
		return "", err
	}
	p.rel = published
	stale := missingAssets(published, p.synced.Assets)
	switch {
	case p.o.DryRun:
		return fmt.Sprintf("dry run: release %s would be published", p.o.Tag), nil
	case lost:
		p.created = false
		p.o.Logf("release %s: bringing its assets up to date", p.o.Tag)
	case len(stale) > 0:
		// Another run finishing the same draft replaced them between
		// this run's uploads and its publishing.
		p.o.Logf("release %s: published without %s as this run uploaded it; attaching it again", p.o.Tag, strings.Join(stale, ", "))
	default:
		useDownloadURLs(p.synced.Assets, published)
		return fmt.Sprintf("release %s: published", p.o.Tag), nil
	}
	// Read afresh: the releases listing may show this release as it was
	// before.
	if p.existing, err = p.c.Assets.ListAssets(ctx, published.GetID()); err != nil {
		return "", fmt.Errorf("list assets of release %s: %w", p.o.Tag, err)
	}
	if p.verify != nil {
		if err := p.verify(p.existing); err != nil {
			return "", err
		}
	}
	if p.synced, p.checksumsFile, err = p.sync(ctx); err != nil {
		return "", err
	}
	return fmt.Sprintf("release %s: published, its assets brought up to date", p.o.Tag), nil
}

// sync makes the assets of the release match the files, then, with
// o.Checksums, writes the checksums file and attaches it too. It returns
// what was done and the checksums file's path relative to the workspace
// ("" without).
func (p *publication) sync(ctx context.Context) (SyncResult, string, error) {
	c, o, rel, existing, files := p.c, p.o, p.rel, p.existing, p.files
	if p.exact {
		var err error
		if existing, err = p.dropStrays(ctx); err != nil {
			return SyncResult{}, "", err
		}
	}
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
	path, err := WriteWorkspaceFile(o.Workspace, o.Checksums, []byte(checksumsText(names, synced.Digests)))
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

// dropStrays deletes the assets of a draft that are not among the files,
// and returns the others; a published release keeps every asset it has.
func (p *publication) dropStrays(ctx context.Context) ([]github.Asset, error) {
	attached := map[string]bool{p.o.Checksums: true}
	for _, f := range p.files {
		attached[f.Name] = true
	}
	var kept []github.Asset
	for _, a := range p.existing {
		switch {
		case attached[a.Name]:
			kept = append(kept, a)
			continue
		case githubAssetName(a.Name) != a.Name:
			return nil, fmt.Errorf("release %s holds an asset GitHub names %.100q, which is not a name GitHub gives assets", p.o.Tag, a.Name)
		case !p.rel.GetDraft():
			return nil, fmt.Errorf("release %s is published and holds %s, which is not among the assets to attach; its assets are not changed", p.o.Tag, a.Name)
		}
		if err := p.c.Assets.DeleteAsset(ctx, a.ID); err != nil {
			return nil, fmt.Errorf("delete %s from draft release %s, which is not among the assets to attach (rerun to finish): %w", a.Name, p.o.Tag, err)
		}
		p.o.Logf("deleted %s from the draft: it is not among the assets to attach", a.Name)
	}
	return kept, nil
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
func publishDraft(ctx context.Context, c Client, o Options, rel *gh.RepositoryRelease, prerelease bool, makeLatest string) (published *gh.RepositoryRelease, lost bool, err error) {
	edit := &gh.RepositoryRelease{Draft: gh.Bool(false), Prerelease: gh.Bool(prerelease), MakeLatest: gh.String(makeLatest)}
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
// request per 100 releases, which the mode's other reads then reuse.
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

// createDraft creates the release as a draft, never the latest. GitHub
// takes it even when another run made a draft of the tag meanwhile;
// publishDraft settles that race. When another run published the tag's
// release between this run's listing and its create, GitHub may refuse
// the draft (422 already_exists on tag_name): that release is then read
// and returned (created false), for this run's assets to be synced into
// it, as publishDraft does for the race it settles.
func createDraft(ctx context.Context, c Client, o Options, body string, prerelease bool) (rel *gh.RepositoryRelease, created bool, err error) {
	draft := &gh.RepositoryRelease{
		TagName:    gh.String(o.Tag),
		Name:       gh.String(o.Name),
		Body:       gh.String(body),
		Draft:      gh.Bool(true),
		Prerelease: gh.Bool(prerelease),
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
