package prerelease

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/nightly"
)

// prune deletes the nightly prereleases of o.Prefix beyond the newest
// o.Keep, with their tags: never a full release, never the one just made
// (justMade). The tag goes first: should the release deletion then fail,
// GitHub turns the tagless release into a draft that the next run prunes.
func prune(ctx context.Context, c Client, o Options, firstPage []*gh.RepositoryRelease, justMade int64) ([]string, error) {
	all, err := allReleases(ctx, c.Releases, o, firstPage)
	if err != nil {
		return nil, err
	}
	type candidate struct {
		rel    *gh.RepositoryRelease
		date   string
		suffix int
	}
	var nightlies []candidate
	seenJustMade := false
	for _, r := range all {
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
		if _, err := c.Refs.DeleteRef(ctx, o.Owner, o.Repo, "tags/"+tag); err != nil && !isStatus(err, http.StatusUnprocessableEntity) && !isStatus(err, http.StatusNotFound) {
			return pruned, fmt.Errorf("prune: delete tag %s: %w", tag, err)
		}
		if _, err := c.Releases.DeleteRelease(ctx, o.Owner, o.Repo, n.rel.GetID()); err != nil && !isStatus(err, http.StatusNotFound) {
			return pruned, fmt.Errorf("prune: delete release %s: %w", tag, err)
		}
		o.Logf("pruned %s", tag)
		pruned = append(pruned, tag)
	}
	return pruned, nil
}

// allReleases lists every release, reusing the first page already read.
// A release made since that page shifts the later pages down by one, so a
// release can show up twice: each is kept once.
func allReleases(ctx context.Context, releases Releases, o Options, firstPage []*gh.RepositoryRelease) ([]*gh.RepositoryRelease, error) {
	all := slices.Clone(firstPage)
	if len(firstPage) < 100 {
		return all, nil
	}
	seen := map[int64]bool{}
	for _, r := range firstPage {
		seen[r.GetID()] = true
	}
	opts := &gh.ListOptions{PerPage: 100, Page: 2}
	for {
		page, resp, err := releases.ListReleases(ctx, o.Owner, o.Repo, opts)
		if err != nil {
			return nil, fmt.Errorf("prune: list releases of %s/%s: %w", o.Owner, o.Repo, err)
		}
		for _, r := range page {
			if !seen[r.GetID()] {
				seen[r.GetID()] = true
				all = append(all, r)
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return all, nil
		}
		opts.Page = resp.NextPage
	}
}
