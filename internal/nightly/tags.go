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
	Name string
	Date string // YYYYMMDD, from the name
	SHA  string // what the ref points at: the commit, or the tag object of an annotated tag
}

// List returns every nightly tag of prefix in owner/repo, reading every
// page: a repository may hold thousands of tags.
func List(ctx context.Context, git Git, owner, repo, prefix string) ([]Tag, error) {
	opts := &gh.ReferenceListOptions{Ref: "tags/" + prefix + "-", ListOptions: gh.ListOptions{PerPage: 100}}
	var tags []Tag
	for {
		refs, resp, err := git.ListMatchingRefs(ctx, owner, repo, opts)
		if err != nil {
			return nil, fmt.Errorf("list %s-* tags of %s/%s: %w", prefix, owner, repo, err)
		}
		for _, ref := range refs {
			name := strings.TrimPrefix(ref.GetRef(), "refs/tags/")
			if date, _, ok := Parse(prefix, name); ok {
				tags = append(tags, Tag{Name: name, Date: date, SHA: ref.GetObject().GetSHA()})
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return tags, nil
		}
		opts.Page = resp.NextPage
	}
}

// Newest returns the newest of tags: by the date in the name, then, for
// nightlies of the same day, by the date of the commit they point at (the
// tag's position in history), then by name. Never by the order the API
// listed them in. It reads commits only to break a tie on the newest day.
func Newest(ctx context.Context, commits Commits, owner, repo string, tags []Tag) (Tag, bool, error) {
	if len(tags) == 0 {
		return Tag{}, false, nil
	}
	newestDay := slices.MaxFunc(tags, func(a, b Tag) int { return cmp.Compare(a.Date, b.Date) }).Date
	var tied []Tag
	for _, t := range tags {
		if t.Date == newestDay {
			tied = append(tied, t)
		}
	}
	if len(tied) == 1 {
		return tied[0], true, nil
	}
	when := make(map[string]time.Time, len(tied))
	for _, t := range tied {
		commit, _, err := commits.GetCommit(ctx, owner, repo, t.SHA, nil)
		if err != nil {
			return Tag{}, false, fmt.Errorf("order the nightlies of %s: read commit %s of %s: %w", newestDay, t.SHA, t.Name, err)
		}
		when[t.Name] = commit.GetCommit().GetCommitter().GetDate().Time
	}
	return slices.MaxFunc(tied, func(a, b Tag) int {
		return cmp.Or(when[a.Name].Compare(when[b.Name]), cmp.Compare(a.Name, b.Name))
	}), true, nil
}

// Older returns the tags other than tag whose date is not after date.
func Older(tags []Tag, tag, date string) []Tag {
	var out []Tag
	for _, t := range tags {
		if t.Name != tag && t.Date <= date {
			out = append(out, t)
		}
	}
	return out
}

// CommitMismatchError is a tag that exists at another commit.
type CommitMismatchError struct {
	Tag, Want, Have string
}

func (e *CommitMismatchError) Error() string {
	return fmt.Sprintf("tag %s already exists at commit %s, not at %s: delete the tag, or name another commit with the sha input", e.Tag, e.Have, e.Want)
}

// Create creates refs/tags/<tag> at sha. A tag already at sha is success
// (created false); at another commit it is a *CommitMismatchError. The tag
// may appear between a look and the create (another run), so a 422 from
// the create is answered by reading the tag, not by failing.
func Create(ctx context.Context, git Git, owner, repo, tag, sha string) (created bool, err error) {
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
	if have := existing.GetObject().GetSHA(); !strings.EqualFold(have, sha) {
		return false, &CommitMismatchError{Tag: tag, Want: sha, Have: have}
	}
	return false, nil
}
