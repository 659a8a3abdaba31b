package nightly

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/report"
)

// TagObjects reads and writes annotated tags' objects.
type TagObjects interface {
	GetTag(ctx context.Context, owner, repo, sha string) (*gh.Tag, *gh.Response, error)
	CreateTag(ctx context.Context, owner, repo string, tag *gh.Tag) (*gh.Tag, *gh.Response, error)
}

// Releases finds the published release of a tag, and lists releases.
type Releases interface {
	GetReleaseByTag(ctx context.Context, owner, repo, tag string) (*gh.RepositoryRelease, *gh.Response, error)
	ReleaseLister
}

// Snapshot is what an existing nightly holds.
type Snapshot struct {
	Commit   string            // the orchestrator's commit; "" when the tag object names none
	Manifest manifest.Manifest // nil: the tag records none
	Tagged   time.Time         // the tagger's date; zero for a lightweight tag
	// Unreadable is why the manifest the tag records does not parse; nil
	// when it parses or there is none.
	Unreadable error
}

// Same tells whether the nightly holds the snapshot of commit and m;
// snapshots are compared on commits only.
func (s Snapshot) Same(commit string, m manifest.Manifest) bool {
	return s.Manifest != nil && strings.EqualFold(s.Commit, commit) && s.Manifest.SameCommits(m)
}

// Reader reads what existing nightlies hold, each tag object and commit
// once per run. It dates annotated nightlies by their tag objects, so it
// is also the Dater that orders them.
type Reader struct {
	tags        TagObjects // nil: annotated nightlies cannot be read
	commits     *CommitDates
	owner, repo string
	seen        map[string]Snapshot // by tag name
	// Notes say which nightlies record a manifest that does not parse.
	Notes []string
}

// NewReader reads the nightlies of owner/repo.
func NewReader(tags TagObjects, commits Commits, owner, repo string) *Reader {
	return &Reader{tags: tags, commits: &CommitDates{Commits: commits, Owner: owner, Repo: repo}, owner: owner, repo: repo, seen: map[string]Snapshot{}}
}

func newReader(c Client, o Options) *Reader {
	return NewReader(c.Tags, c.Commits, o.Owner, o.Repo)
}

// Date dates an annotated nightly by when it was tagged, from the tag
// object that is read anyway for its manifest; a lightweight one by its
// commit.
func (r *Reader) Date(ctx context.Context, t Tag) (time.Time, error) {
	if !t.Annotated() || r.tags == nil {
		return r.commits.Date(ctx, t)
	}
	s, err := r.Snapshot(ctx, t)
	if err != nil {
		return time.Time{}, err
	}
	return s.Tagged, nil
}

// Snapshot returns the commit a nightly points at and the manifest its
// message records. A lightweight tag records none; so does an annotated
// one whose manifest does not parse, which counts as another snapshot.
func (r *Reader) Snapshot(ctx context.Context, t Tag) (Snapshot, error) {
	if s, ok := r.seen[t.Name]; ok {
		return s, nil
	}
	s := Snapshot{Commit: t.SHA}
	if t.Annotated() {
		if r.tags == nil {
			return Snapshot{}, fmt.Errorf("read tag %s: it is annotated, and this run cannot read tag objects", t.Name)
		}
		obj, err := readTagObject(ctx, r.tags, r.owner, r.repo, t.SHA)
		if err != nil {
			return Snapshot{}, fmt.Errorf("read the tag object of %s: %w", t.Name, err)
		}
		s.Commit = ""
		s.Tagged = obj.GetTagger().GetDate().Time
		if obj.GetObject().GetType() == "commit" && inputs.IsSHA(obj.GetObject().GetSHA()) {
			s.Commit = strings.ToLower(obj.GetObject().GetSHA())
		}
		m, found, err := manifest.FromMessage(obj.GetMessage())
		if err != nil {
			s.Unreadable = err
			r.Notes = append(r.Notes, fmt.Sprintf("%s records a manifest that does not parse; it counts as another snapshot (%v)", t.Name, err))
		} else if found {
			s.Manifest = m
		}
	}
	r.seen[t.Name] = s
	return s, nil
}

// Published returns the published release of the tag, nil when it has
// none: GET releases/tags/{tag} never answers with a draft.
func Published(ctx context.Context, releases Releases, owner, repo, tag string) (*gh.RepositoryRelease, error) {
	if releases == nil {
		return nil, errors.New("check the release: this run cannot read releases")
	}
	rel, _, err := releases.GetReleaseByTag(ctx, owner, repo, url.PathEscape(tag))
	switch {
	case err == nil:
		return rel, nil
	case github.IsStatus(err, http.StatusNotFound):
		return nil, nil
	}
	return nil, fmt.Errorf("look for the published release of %s: %w", tag, err)
}

// runSnapshot is nightly-tag with a manifest: the nightly is the snapshot
// of the orchestrator's commit and every component's, recorded in an
// annotated tag. A snapshot already tagged is found and reused, whatever
// its suffix; another snapshot never takes a name in use; and a snapshot
// counts as done only once its prerelease is published.
func runSnapshot(ctx context.Context, c Client, o Options) (report.Result, error) {
	tags, err := List(ctx, c.Git, o.Owner, o.Repo, o.Name.Prefix)
	if err != nil {
		return report.Result{}, err
	}
	r := newReader(c, o)
	newest, haveNewest, err := Newest(ctx, r, tags)
	if err != nil {
		return report.Result{}, err
	}

	// Where this snapshot may already be: the newest nightly (a rerun, or
	// a night with nothing new), then the names of this day and commit.
	var candidates []Tag
	if haveNewest {
		candidates = append(candidates, newest)
	}
	next := 1
	for _, t := range tags {
		if family(t, Tag{Date: o.Name.Date, Short: o.Name.ShortSHA}) {
			next = max(next, t.Suffix+1)
			if t.Name != newest.Name {
				candidates = append(candidates, t)
			}
		}
	}
	var own Tag
	found := false
	for _, t := range candidates {
		s, err := r.Snapshot(ctx, t)
		if err != nil {
			return report.Result{}, err
		}
		if s.Same(o.Name.SHA, o.Manifest) {
			own, found = t, true
			break
		}
	}

	var res report.Result
	name := o.Name
	changed, created := true, false
	withdrawn := "" // the yanked nightly that holds this snapshot
	recorded := o.Manifest
	switch {
	case found:
		// Its name, which may be of an earlier day (the newest nightly).
		name = Name{Prefix: o.Name.Prefix, Tag: own.Name, Version: strings.TrimPrefix(own.Name, o.Name.Prefix+"-"), Date: own.Date, SHA: o.Name.SHA, ShortSHA: own.Short}
		s, _ := r.Snapshot(ctx, own)
		recorded = s.Manifest
		rel, err := Published(ctx, c.Releases, o.Owner, o.Repo, own.Name)
		if err != nil {
			return report.Result{}, err
		}
		done := rel != nil
		reason, yanked := Yanked(rel.GetBody())
		switch {
		case done && yanked:
			// Whatever skip-unchanged says: a withdrawn snapshot is
			// never published again under its tag.
			changed, withdrawn = false, own.Name
			res.Notices = append(res.Notices, fmt.Sprintf("%s holds this snapshot and is yanked (%s): it is not tagged or published again; take the yank back (mode yank, undo: true) to publish it", own.Name, report.Quote(reason)))
		case done && o.SkipUnchanged:
			// The newest nightly, or a rerun's own tag found by its name.
			changed = false
			res.Notices = append(res.Notices, fmt.Sprintf("%s already holds this snapshot and is published: nothing to do", own.Name))
		case !done:
			res.Notices = append(res.Notices, fmt.Sprintf("%s already holds this snapshot, but its prerelease is not published: the pipeline goes on to publish it", own.Name))
		}
	case haveNewest && o.Manifest != nil:
		// Not tagged yet: only forward of the newest nightly.
		if superseded, err := supersededBy(ctx, c, r, o, newest); err != nil || superseded {
			if err != nil {
				return report.Result{}, err
			}
			return supersededResult(o, newest), nil
		}
		fallthrough
	case !o.PushTag:
		if !o.PushTag {
			// skip-unchanged alone: report the name the snapshot would take.
			name = name.WithSuffix(next)
			break
		}
		fallthrough
	default:
		var taken []Tag
		if name, created, taken, err = createAnnotated(ctx, c, r, o, next); err != nil {
			return report.Result{}, err
		}
		// Names other runs took meanwhile come before this one.
		tags = append(tags, taken...)
	}

	ownTag := Tag{Name: name.Tag, Date: name.Date, Short: name.ShortSHA, Suffix: 1}
	if p, ok := ParseTag(o.Name.Prefix, name.Tag); ok {
		ownTag.Suffix = p.Suffix
	}
	previous, havePrevious, err := NewestPublished(ctx, r, c.Releases, o.Owner, o.Repo, Older(tags, ownTag))
	if err != nil {
		return report.Result{}, err
	}
	changedComponents := []string{}
	if changed {
		var before manifest.Manifest
		if havePrevious {
			s, err := r.Snapshot(ctx, previous)
			if err != nil {
				return report.Result{}, err
			}
			before = s.Manifest
		}
		changedComponents = o.Manifest.Changed(before)
	}
	list, err := json.Marshal(changedComponents)
	if err != nil {
		return report.Result{}, fmt.Errorf("write changed-components: %w", err)
	}

	setName(&res, name)
	res.Set("previous-tag", previous.Name)
	res.Set("changed", strconv.FormatBool(changed))
	res.Set("created", strconv.FormatBool(created))
	res.Set("changed-components", string(list))
	res.Set("manifest", recorded.String())
	res.Set("superseded-by", "")
	res.Notices = append(res.Notices, r.Notes...)
	res.Summary = summary(o, name, previous.Name, changed, created, changedComponents)
	if withdrawn != "" {
		res.Summary.Rows[0].Value = report.Text("yanked: " + withdrawn + " holds this snapshot and was withdrawn, so nothing is tagged or published")
	}
	return res, nil
}

// createAnnotated tags the snapshot under the first free name from the
// suffix next: a tag object whose message records the manifest, then the
// ref to it. Every name tried is past those the listing showed. When the
// ref is refused (422), the name is read: pointing at this run's own tag
// object, it is this run's tag, made by a create whose answer was lost
// (created: a tag object's sha covers its tagger date, so another run's
// would differ); holding this snapshot otherwise, it is this snapshot's
// tag, made by another run; holding another, the next suffix is tried,
// and the name is returned among taken.
func createAnnotated(ctx context.Context, c Client, r *Reader, o Options, next int) (name Name, created bool, taken []Tag, err error) {
	orchestrator := o.Owner + "/" + o.Repo
	for k := next; k <= maxSuffix; k++ {
		name = o.Name.WithSuffix(k)
		obj, _, err := c.Tags.CreateTag(ctx, o.Owner, o.Repo, &gh.Tag{
			Tag:     gh.String(name.Tag),
			Message: gh.String(manifest.Message(name.Tag, orchestrator, name.SHA, o.Manifest)),
			Object:  &gh.GitObject{Type: gh.String("commit"), SHA: gh.String(name.SHA)},
		})
		if err != nil {
			return Name{}, false, taken, fmt.Errorf("create the tag object of %s at %s: %w", name.Tag, name.SHA, err)
		}
		objectSHA := obj.GetSHA()
		if objectSHA == "" && !o.DryRun {
			// The ref would be made to point at nothing.
			return Name{}, false, taken, fmt.Errorf("create the tag object of %s at %s: %w", name.Tag, name.SHA, github.Malformed("POST /repos/"+o.Owner+"/"+o.Repo+"/git/tags", "the answer has no sha, the new tag object's"))
		}
		if o.DryRun && objectSHA == "" {
			objectSHA = "(the sha of the tag object above)"
		}
		ref := &gh.Reference{Ref: gh.String("refs/tags/" + name.Tag), Object: &gh.GitObject{SHA: gh.String(objectSHA)}}
		_, _, err = c.Git.CreateRef(ctx, o.Owner, o.Repo, ref)
		if err == nil {
			return name, true, taken, nil
		}
		if !github.IsStatus(err, http.StatusUnprocessableEntity) {
			return Name{}, false, taken, fmt.Errorf("create tag %s: %w", name.Tag, err)
		}
		existing, _, getErr := c.Git.GetRef(ctx, o.Owner, o.Repo, "tags/"+name.Tag)
		if getErr != nil {
			// The 422 was about something else than a taken name.
			return Name{}, false, taken, fmt.Errorf("create tag %s: %w", name.Tag, err)
		}
		if err := checkRef(o.Owner, o.Repo, name.Tag, existing); err != nil {
			return Name{}, false, taken, fmt.Errorf("create tag %s: %w", name.Tag, err)
		}
		if strings.EqualFold(existing.GetObject().GetSHA(), objectSHA) {
			return name, true, taken, nil
		}
		other := Tag{Name: name.Tag, Date: name.Date, SHA: existing.GetObject().GetSHA(), Type: existing.GetObject().GetType(), Short: name.ShortSHA, Suffix: max(k, 1)}
		s, err := r.Snapshot(ctx, other)
		if err != nil {
			return Name{}, false, taken, err
		}
		if s.Same(name.SHA, o.Manifest) {
			return name, false, taken, nil
		}
		taken = append(taken, other)
	}
	return Name{}, false, taken, fmt.Errorf("tag the snapshot: %s-%s-%s through -%d are all taken by other snapshots; prune old nightlies or raise sha-length", o.Name.Prefix, o.Name.Date, o.Name.ShortSHA, maxSuffix)
}

// maxSuffix bounds the names tried for one day and commit; the prefix
// input is checked to make valid names up to it.
const maxSuffix = inputs.MaxSuffix

// NewestPublished returns the newest of tags that has a published release,
// read from the releases listing (newest first, a page of 100 at a time,
// at most maxBasePages): a tag left without a release by a cancelled or
// failed run is never the previous nightly, and neither is a yanked one,
// so that the next nightly's notes say what changed since the last one
// not withdrawn.
func NewestPublished(ctx context.Context, dater Dater, releases ReleaseLister, owner, repo string, tags []Tag) (Tag, bool, error) {
	if len(tags) == 0 {
		return Tag{}, false, nil
	}
	if releases == nil {
		return Tag{}, false, errors.New("find the previous nightly: this run cannot read releases")
	}
	wanted := map[string]bool{}
	for _, t := range tags {
		wanted[t.Name] = true
	}
	opts := &gh.ListOptions{PerPage: 100}
	route := "GET /repos/" + owner + "/" + repo + "/releases"
	pages := github.Pages{Route: route}
	for page := 0; page < maxBasePages; page++ {
		listed, resp, err := releases.ListReleases(ctx, owner, repo, opts)
		if err == nil && nullList(listed, resp) {
			err = github.Malformed(route, "the answer is null, not the list of releases")
		}
		if err != nil {
			return Tag{}, false, fmt.Errorf("list the releases of %s/%s to find the previous published nightly: %w", owner, repo, err)
		}
		published := map[string]bool{}
		for _, r := range listed {
			if _, yanked := Yanked(r.GetBody()); !r.GetDraft() && !yanked && wanted[r.GetTagName()] {
				published[r.GetTagName()] = true
			}
		}
		if len(published) > 0 {
			candidates := slices.DeleteFunc(slices.Clone(tags), func(t Tag) bool { return !published[t.Name] })
			return Newest(ctx, dater, candidates)
		}
		next, err := pages.Next(resp)
		if err != nil {
			return Tag{}, false, fmt.Errorf("list the releases of %s/%s to find the previous published nightly: %w", owner, repo, err)
		}
		if next == 0 {
			break
		}
		opts.Page = next
	}
	return Tag{}, false, nil
}

// supersededBy compares the snapshot with the newest nightly's, one
// compare per component whose commit differs: when each is at the
// newest's commit or behind it, and one is behind, the newest nightly
// holds everything this one does and more, and this one is superseded.
// Behind in one and ahead in another, the snapshot may be tagged neither
// as the newest nor as superseded: an error, which the next run (planned
// against the newest nightly, taking both) resolves.
func supersededBy(ctx context.Context, c Client, r *Reader, o Options, newest Tag) (bool, error) {
	s, err := r.Snapshot(ctx, newest)
	if err != nil || s.Manifest == nil {
		return false, err
	}
	// The components only: what is built. The orchestrator's commit names
	// the nightly, and two runs may well see different ones.
	type side struct{ repository, was, is, label string }
	var sides []side
	for _, e := range o.Manifest {
		was, ok := s.Manifest.Lookup(e.Component)
		if !ok || !strings.EqualFold(was.Repository, e.Repository) {
			return false, nil // a new component: this snapshot is not behind
		}
		if was.SHA != e.SHA {
			sides = append(sides, side{e.Repository, was.SHA, e.SHA, e.Component})
		}
	}
	if c.Compare == nil || len(sides) == 0 {
		return false, nil
	}
	var behind, ahead []string
	for _, d := range sides {
		owner, repo, _ := strings.Cut(d.repository, "/")
		cmp, _, err := c.Compare.CompareCommits(ctx, owner, repo, d.was, d.is, &gh.ListOptions{PerPage: 1})
		if github.IsStatus(err, http.StatusNotFound) || github.IsStatus(err, http.StatusForbidden) {
			// The token cannot read the repository, or a commit is gone:
			// this snapshot cannot be shown to be behind.
			r.Notes = append(r.Notes, fmt.Sprintf("could not compare %s's commit %s with %s's %s (the token cannot read %s, or a commit is gone); taken as newer", d.label, short(d.is), newest.Name, short(d.was), d.repository))
			ahead = append(ahead, d.label)
			continue
		}
		if err == nil && cmp.GetStatus() == "" {
			// Read as "", the snapshot would be taken for newer.
			err = github.Malformed("GET /repos/"+d.repository+"/compare/"+d.was+"..."+d.is, "the answer has no status")
		}
		if err != nil {
			return false, fmt.Errorf("compare %s's commit %s with %s's %s: %w", d.label, short(d.is), newest.Name, short(d.was), err)
		}
		switch cmp.GetStatus() {
		case "behind":
			behind = append(behind, d.label)
		case "identical":
		default: // ahead, or diverged: newer than the newest's, or not older
			ahead = append(ahead, d.label)
		}
	}
	switch {
	case len(behind) == 0:
		return false, nil
	case len(ahead) > 0:
		return false, fmt.Errorf("this snapshot is behind %s in %s and ahead of it in %s: it can be tagged neither as the newest nightly nor as superseded; nothing is tagged, and the next run, planned against %s, takes both", newest.Name, strings.Join(behind, ", "), strings.Join(ahead, ", "), newest.Name)
	}
	return true, nil
}

func short(sha string) string { return sha[:min(7, len(sha))] }

// supersededResult is nightly-tag's answer for a snapshot a newer nightly
// supersedes: nothing tagged, nothing to publish.
func supersededResult(o Options, newest Tag) report.Result {
	var res report.Result
	setName(&res, o.Name)
	res.Set("previous-tag", "")
	res.Set("changed", "false")
	res.Set("created", "false")
	res.Set("changed-components", "[]")
	res.Set("manifest", o.Manifest.String())
	res.Set("superseded-by", newest.Name)
	res.Notices = append(res.Notices, fmt.Sprintf("%s holds every component of this snapshot at the same commit or a newer one: this snapshot is superseded, and nothing is tagged", newest.Name))
	s := summary(o, o.Name, "", false, false, nil)
	s.Rows[0].Value = report.Text("superseded by " + newest.Name + ": nothing tagged")
	res.Summary = s
	return res
}
