package prerelease

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

// prune deletes the nightly prereleases of o.Prefix beyond the newest
// o.Keep, with their tags: never a full release, never the one just made
// (justMade). listed is every release, as findRelease read them. The tag
// goes first: should the release deletion then fail, GitHub turns the
// tagless release into a draft that the next run prunes.
func prune(ctx context.Context, c Client, o Options, listed []*gh.RepositoryRelease, justMade int64) ([]string, error) {
	type candidate struct {
		rel    *gh.RepositoryRelease
		date   string
		suffix int
	}
	var nightlies []candidate
	seenJustMade := false
	for _, r := range listed {
		p, ok := nightly.ParseTag(o.Prefix, r.GetTagName())
		if !ok || !r.GetPrerelease() {
			continue
		}
		seenJustMade = seenJustMade || r.GetID() == justMade
		nightlies = append(nightlies, candidate{r, p.Date, p.Suffix})
	}
	// Newest first: by the date in the tag, then by creation, then a
	// suffixed name after the unsuffixed one of the same second, then by id.
	slices.SortFunc(nightlies, func(a, b candidate) int {
		return -cmp.Or(cmp.Compare(a.date, b.date), a.rel.GetCreatedAt().Compare(b.rel.GetCreatedAt().Time), cmp.Compare(a.suffix, b.suffix), cmp.Compare(a.rel.GetID(), b.rel.GetID()))
	})
	keep := o.Keep
	if !seenJustMade {
		// The release just made counts as one of the kept even when the
		// listing does not show it yet.
		keep--
	}
	var pruned []string
	for i, n := range nightlies {
		if i < keep || n.rel.GetID() == justMade {
			continue
		}
		tag := n.rel.GetTagName()
		if _, err := c.Refs.DeleteRef(ctx, o.Owner, o.Repo, "tags/"+tag); err != nil && !github.IsStatus(err, http.StatusUnprocessableEntity) && !github.IsStatus(err, http.StatusNotFound) {
			return pruned, fmt.Errorf("prune: delete tag %s: %w", tag, err)
		}
		if _, err := c.Releases.DeleteRelease(ctx, o.Owner, o.Repo, n.rel.GetID()); err != nil && !github.IsStatus(err, http.StatusNotFound) {
			return pruned, fmt.Errorf("prune: delete release %s: %w", tag, err)
		}
		o.Logf("pruned %s", tag)
		pruned = append(pruned, tag)
	}
	return pruned, nil
}

// pruneOrphans deletes the nightly tags older than this one, now the
// newest published nightly, that have no release at all: what a run
// cancelled or failed after tagging leaves. No later run publishes them
// (a plan starts from the newest published nightly), and none is ever a
// previous nightly; deleting them keeps the tag list what was published.
// A tag with a draft is a run still publishing, and is kept.
func pruneOrphans(ctx context.Context, c Client, o Options, h *history, listed []*gh.RepositoryRelease) ([]string, error) {
	older, err := h.older(ctx)
	if err != nil {
		return nil, err
	}
	released := map[string]bool{}
	for _, r := range listed {
		released[r.GetTagName()] = true
	}
	var pruned []string
	for _, t := range older {
		if released[t.Name] {
			continue
		}
		if _, err := c.Refs.DeleteRef(ctx, o.Owner, o.Repo, "tags/"+t.Name); err != nil && !github.IsStatus(err, http.StatusUnprocessableEntity) && !github.IsStatus(err, http.StatusNotFound) {
			return pruned, fmt.Errorf("prune: delete tag %s, which has no release: %w", t.Name, err)
		}
		o.Logf("pruned %s, a nightly tag without a release", t.Name)
		pruned = append(pruned, t.Name)
	}
	return pruned, nil
}
