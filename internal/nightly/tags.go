package nightly

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
)

// Git is the part of the GitHub client that reads and writes refs.
type Git interface {
	ListMatchingRefs(ctx context.Context, owner, repo string, opts *gh.ReferenceListOptions) ([]*gh.Reference, *gh.Response, error)
	GetRef(ctx context.Context, owner, repo, ref string) (*gh.Reference, *gh.Response, error)
	CreateRef(ctx context.Context, owner, repo string, ref *gh.Reference) (*gh.Reference, *gh.Response, error)
}

// Commits reads a commit, to order nightlies of the same day.
type Commits interface {
	GetCommit(ctx context.Context, owner, repo, sha string, opts *gh.ListOptions) (*gh.RepositoryCommit, *gh.Response, error)
}

// Tag is an existing nightly tag.
type Tag struct {
	Name   string
	Date   string // YYYYMMDD, from the name
	SHA    string // what the ref points at: the commit, or the tag object of an annotated tag
	Type   string // "commit", or "tag" for an annotated tag
	Short  string // the short sha in the name
	Suffix int    // 1, or the k of a -k suffix
}

// Annotated tells whether the tag is a tag object, whose SHA is not a commit.
func (t Tag) Annotated() bool { return t.Type == "tag" }

// family tells whether a and b are names of one day and commit, which
// differ only in their suffix.
func family(a, b Tag) bool { return a.Date == b.Date && a.Short == b.Short }

// List returns every nightly tag of prefix in owner/repo: a repository may
// hold thousands of tags.
func List(ctx context.Context, git Git, owner, repo, prefix string) ([]Tag, error) {
	// GitHub answers every match at once and ignores per_page here; a
	// Link header, should one come, is followed as far as it leads
	// forward.
	opts := &gh.ReferenceListOptions{Ref: "tags/" + prefix + "-"}
	route := "GET /repos/" + owner + "/" + repo + "/git/matching-refs/" + opts.Ref
	pages := github.Pages{Route: route}
	var tags []Tag
	for {
		refs, resp, err := git.ListMatchingRefs(ctx, owner, repo, opts)
		if err != nil {
			return nil, fmt.Errorf("list %s-* tags of %s/%s: %w", prefix, owner, repo, err)
		}
		if nullList(refs, resp) {
			return nil, fmt.Errorf("list %s-* tags of %s/%s: %w", prefix, owner, repo, github.Malformed(route, "the answer is null, not the list of tags"))
		}
		for _, ref := range refs {
			name := strings.TrimPrefix(ref.GetRef(), "refs/tags/")
			p, ok := ParseTag(prefix, name)
			if !ok {
				continue
			}
			if ref.GetObject().GetSHA() == "" {
				return nil, fmt.Errorf("list %s-* tags of %s/%s: %w", prefix, owner, repo, github.Malformed(route, "the answer lists tag "+name+" without the object it points at"))
			}
			kind := ref.GetObject().GetType()
			if kind == "" {
				kind = "commit"
			}
			tags = append(tags, Tag{Name: name, Date: p.Date, SHA: ref.GetObject().GetSHA(), Type: kind, Short: p.Short, Suffix: p.Suffix})
		}
		next, err := pages.Next(resp)
		if err != nil {
			return nil, fmt.Errorf("list %s-* tags of %s/%s: %w", prefix, owner, repo, err)
		}
		if next == 0 {
			return tags, nil
		}
		opts.Page = next
	}
}

// nullList tells whether the answer to a listing was null, or empty,
// instead of an array: go-github then leaves the list nil, where it makes
// [] an empty one. Only an answer over HTTP is judged: the fakes of this
// package's tests answer without one.
func nullList[T any](items []T, resp *gh.Response) bool {
	return items == nil && resp != nil && resp.Response != nil
}

// Dater tells when a nightly was made, to order the nightlies of one day
// that name different orchestrator commits.
type Dater interface {
	Date(ctx context.Context, t Tag) (time.Time, error)
}

// CommitDates dates a nightly by its commit: the commit's date for a
// lightweight tag, read through the tag's name for an annotated one (whose
// ref names the tag object). Each is read once.
type CommitDates struct {
	Commits     Commits
	Owner, Repo string
	seen        map[string]time.Time
}

// Date implements Dater.
func (d *CommitDates) Date(ctx context.Context, t Tag) (time.Time, error) {
	ref := t.SHA
	if t.Annotated() {
		ref = t.Name
	}
	if when, ok := d.seen[ref]; ok {
		return when, nil
	}
	commit, _, err := d.Commits.GetCommit(ctx, d.Owner, d.Repo, ref, nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the commit of %s: %w", t.Name, err)
	}
	committer := commit.GetCommit().GetCommitter()
	if committer == nil || committer.Date == nil {
		// A zero date would order the nightlies wrong without a word.
		return time.Time{}, fmt.Errorf("read the commit of %s: %w", t.Name, github.Malformed("GET /repos/"+d.Owner+"/"+d.Repo+"/commits/"+ref, "the answer has no commit.committer.date"))
	}
	if d.seen == nil {
		d.seen = map[string]time.Time{}
	}
	d.seen[ref] = committer.Date.Time
	return d.seen[ref], nil
}

// Newest returns the newest of tags: by the date in the name; on one day,
// the names of one commit by their suffix (-2 after the name without one),
// and the names of different commits by when they were made (dater), then
// by name. Never by the order the API listed them in. It dates one tag
// per commit named on the newest day, and only when that day names more
// than one.
func Newest(ctx context.Context, dater Dater, tags []Tag) (Tag, bool, error) {
	if len(tags) == 0 {
		return Tag{}, false, nil
	}
	newestDay := slices.MaxFunc(tags, func(a, b Tag) int { return cmp.Compare(a.Date, b.Date) }).Date
	var tied []Tag
	shorts := map[string]bool{}
	for _, t := range tags {
		if t.Date == newestDay {
			tied = append(tied, t)
			shorts[t.Short] = true
		}
	}
	bySuffix := func(a, b Tag) int { return cmp.Or(cmp.Compare(a.Suffix, b.Suffix), cmp.Compare(a.Name, b.Name)) }
	if len(shorts) == 1 {
		return slices.MaxFunc(tied, bySuffix), true, nil
	}
	// Each commit's names are dated by the newest of them.
	newestOf := map[string]Tag{}
	for _, t := range tied {
		if n, ok := newestOf[t.Short]; !ok || bySuffix(t, n) > 0 {
			newestOf[t.Short] = t
		}
	}
	when := make(map[string]time.Time, len(newestOf))
	for short, t := range newestOf {
		date, err := dater.Date(ctx, t)
		if err != nil {
			return Tag{}, false, fmt.Errorf("order the nightlies of %s: %w", newestDay, err)
		}
		when[short] = date
	}
	return slices.MaxFunc(tied, func(a, b Tag) int {
		if a.Short == b.Short {
			return bySuffix(a, b)
		}
		return cmp.Or(when[a.Short].Compare(when[b.Short]), cmp.Compare(a.Name, b.Name))
	}), true, nil
}

// Older returns the tags that come before own: every other nightly whose
// date is not after own's, except the names of own's day and commit with
// a higher suffix, which come after it.
func Older(tags []Tag, own Tag) []Tag {
	var out []Tag
	for _, t := range tags {
		if t.Name == own.Name || t.Date > own.Date || (family(t, own) && t.Suffix > own.Suffix) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// CommitMismatchError is a tag that exists at another commit.
type CommitMismatchError struct {
	Tag, Want string
	// Have is the commit the tag names; "" for an annotated tag whose tag
	// object tags something else than a commit.
	Have string
}

func (e *CommitMismatchError) Error() string {
	if e.Have == "" {
		return fmt.Sprintf("tag %s already exists as an annotated tag of something else than a commit, not at %s: delete the tag, or name another commit with the sha input", e.Tag, e.Want)
	}
	return fmt.Sprintf("tag %s already exists at commit %s, not at %s: delete the tag, or name another commit with the sha input", e.Tag, e.Have, e.Want)
}

// Create creates the lightweight tag refs/tags/<tag> at sha; absent says
// this run's listing did not show the tag. A 422 from the create is
// answered by reading the tag, not by failing: naming another commit it is
// a *CommitMismatchError; naming sha it is success. An annotated tag at
// sha is another run's (this run makes none), so not created; a
// lightweight one is created when it was absent before this run's first
// attempt. Such a 422 is what the retry of a create whose answer was lost
// gets, and a lightweight tag at the same commit made by a racing run
// cannot be told from it: either way the tag was not there before this
// run tried. tags reads the tag object of an annotated tag, whose ref
// names that object, not the commit.
func Create(ctx context.Context, git Git, tags TagObjects, owner, repo, tag, sha string, absent bool) (created bool, err error) {
	ref := &gh.Reference{Ref: gh.String("refs/tags/" + tag), Object: &gh.GitObject{SHA: gh.String(sha)}}
	_, _, err = git.CreateRef(ctx, owner, repo, ref)
	if err == nil {
		return true, nil
	}
	var ghErr *gh.ErrorResponse
	if !errors.As(err, &ghErr) || ghErr.Response == nil || ghErr.Response.StatusCode != http.StatusUnprocessableEntity {
		return false, fmt.Errorf("create tag %s at %s: %w", tag, sha, err)
	}
	existing, _, getErr := git.GetRef(ctx, owner, repo, "tags/"+tag)
	if getErr != nil {
		// The 422 was about something else than an existing tag.
		return false, fmt.Errorf("create tag %s at %s: %w", tag, sha, err)
	}
	if err := checkRef(owner, repo, tag, existing); err != nil {
		return false, fmt.Errorf("create tag %s at %s: %w", tag, sha, err)
	}
	have, annotated, err := taggedCommit(ctx, tags, owner, repo, tag, existing)
	if err != nil {
		return false, err
	}
	if !strings.EqualFold(have, sha) {
		return false, &CommitMismatchError{Tag: tag, Want: sha, Have: have}
	}
	return absent && !annotated, nil
}

// taggedCommit returns the commit the ref of tag names: the ref's object
// for a lightweight tag; for an annotated one, what its tag object tags,
// "" when that is not a commit.
func taggedCommit(ctx context.Context, tags TagObjects, owner, repo, tag string, ref *gh.Reference) (commit string, annotated bool, err error) {
	object := ref.GetObject()
	if object.GetType() != "tag" {
		return object.GetSHA(), false, nil
	}
	if tags == nil {
		return "", true, fmt.Errorf("read tag %s: it is annotated, and this run cannot read tag objects", tag)
	}
	obj, err := readTagObject(ctx, tags, owner, repo, object.GetSHA())
	if err != nil {
		return "", true, fmt.Errorf("read the tag object of %s: %w", tag, err)
	}
	if obj.GetObject().GetType() != "commit" {
		return "", true, nil
	}
	return obj.GetObject().GetSHA(), true, nil
}

// checkRef refuses the answer to GET git/ref/tags/<tag> when it does not
// say what the tag points at: read as "", that would be taken for another
// commit's tag.
func checkRef(owner, repo, tag string, ref *gh.Reference) error {
	route := "GET /repos/" + owner + "/" + repo + "/git/ref/tags/" + tag
	switch {
	case ref == nil:
		return github.Malformed(route, "the answer is null, not the tag")
	case ref.GetObject().GetSHA() == "":
		return github.Malformed(route, "the answer has no object.sha, what the tag points at")
	}
	return nil
}

// readTagObject reads the tag object sha, refusing an answer that does
// not say what the object tags: every reader of a tag object needs that.
func readTagObject(ctx context.Context, tags TagObjects, owner, repo, sha string) (*gh.Tag, error) {
	obj, _, err := tags.GetTag(ctx, owner, repo, sha)
	if err != nil {
		return nil, err
	}
	route := "GET /repos/" + owner + "/" + repo + "/git/tags/" + sha
	switch {
	case obj == nil:
		return nil, github.Malformed(route, "the answer is null, not a tag object")
	case obj.GetObject().GetSHA() == "" || obj.GetObject().GetType() == "":
		return nil, github.Malformed(route, "the answer has no object.sha and object.type, what the tag object tags")
	}
	return obj, nil
}
