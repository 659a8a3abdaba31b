package nightly

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
)

// A nightly is complete when every component has at least the assets it
// had in the nightly before: create-prerelease checks this before it
// publishes, and says so in the release body with a marker that also
// names the nightly's tag object. Only a published release with the
// marker is a base: what a plan compares with and what is carried over
// from. A draft, a tag without a release, a release published by hand or
// by an earlier version of the action is never one.
const markerPrefix = "<!-- release-action: complete nightly, tag object "

// CompleteMarker is the line create-prerelease puts in the body of a
// complete nightly whose annotated tag is tagObject.
func CompleteMarker(tagObject string) string {
	return markerPrefix + strings.ToLower(tagObject) + " -->"
}

var markerRE = regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(markerPrefix) + `([0-9a-f]{40}) -->\r?$`)

// MarkedTagObject returns the tag object the marker of a release body
// names, when the body has one.
func MarkedTagObject(body string) (string, bool) {
	m := markerRE.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// manifestMarkerPrefix starts the line, beside the complete marker, that
// carries the nightly's manifest.
const manifestMarkerPrefix = "<!-- release-action: manifest "

// ManifestMarker is the line create-prerelease puts beside the complete
// marker: the nightly's manifest as its compact JSON, so that what a
// nightly holds is read from the listing of releases, without a request
// for its tag object. encoding/json writes <, > and & as \u escapes and
// a line break as \n, so the JSON can neither end the comment nor the
// line.
func ManifestMarker(m manifest.Manifest) string {
	return manifestMarkerPrefix + m.String() + " -->"
}

var manifestMarkerRE = regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(manifestMarkerPrefix) + `(\{.*\}) -->\r?$`)

// MarkedManifest returns the manifest the manifest marker of a release
// body carries. The last such line counts: the action writes its markers
// at the end of the body, after any text a person or GitHub's notes put
// there. A marker whose JSON is not a manifest, by manifest.Parse's rules,
// is no marker.
func MarkedManifest(body string) (manifest.Manifest, bool) {
	found := manifestMarkerRE.FindAllStringSubmatch(body, -1)
	if found == nil {
		return nil, false
	}
	m, err := manifest.Parse("manifest", found[len(found)-1][1])
	if err != nil {
		return nil, false
	}
	return m, true
}

// Base is a complete, published nightly and the snapshot it holds.
type Base struct {
	Tag       string
	TagObject string
	Commit    string // the orchestrator's commit
	Manifest  manifest.Manifest
	Release   *gh.RepositoryRelease
}

// ReleaseLister lists a repository's releases, newest first.
type ReleaseLister interface {
	ListReleases(ctx context.Context, owner, repo string, opts *gh.ListOptions) ([]*gh.RepositoryRelease, *gh.Response, error)
}

// Completes returns the releases of listed that may be bases (published,
// a nightly of prefix, with the marker, not yanked), newest first: by the date in the
// tag, then by when they were made, then by suffix. accept, when not nil,
// keeps only the tags it accepts (older than a nightly, say).
func Completes(listed []*gh.RepositoryRelease, prefix string, accept func(Tag) bool) []*gh.RepositoryRelease {
	type candidate struct {
		rel *gh.RepositoryRelease
		tag Tag
	}
	var found []candidate
	for _, r := range listed {
		p, ok := ParseTag(prefix, r.GetTagName())
		if !ok || r.Draft == nil || r.GetDraft() { // published only: GitHub always says draft
			continue
		}
		if _, marked := MarkedTagObject(r.GetBody()); !marked {
			continue
		}
		if _, yanked := Yanked(r.GetBody()); yanked {
			continue
		}
		t := Tag{Name: r.GetTagName(), Date: p.Date, Short: p.Short, Suffix: p.Suffix}
		if accept != nil && !accept(t) {
			continue
		}
		found = append(found, candidate{r, t})
	}
	slices.SortStableFunc(found, func(a, b candidate) int {
		return -cmp.Or(cmp.Compare(a.tag.Date, b.tag.Date), a.rel.GetCreatedAt().Compare(b.rel.GetCreatedAt().Time), cmp.Compare(a.tag.Suffix, b.tag.Suffix))
	})
	out := make([]*gh.RepositoryRelease, len(found))
	for i, c := range found {
		out[i] = c.rel
	}
	return out
}

// ReadBase reads the snapshot of a release Completes returned, from the
// tag object its marker names: one request. ok is false, with a note
// saying why, when that object is not the nightly's annotated tag with a
// manifest.
func ReadBase(ctx context.Context, tags TagObjects, owner, repo string, rel *gh.RepositoryRelease) (Base, bool, string, error) {
	name := rel.GetTagName()
	sha, _ := MarkedTagObject(rel.GetBody())
	obj, err := readTagObject(ctx, tags, owner, repo, sha)
	if err != nil {
		return Base{}, false, "", fmt.Errorf("read the tag object of %s: %w", name, err)
	}
	commit := strings.ToLower(obj.GetObject().GetSHA())
	switch {
	case obj.GetTag() != name:
		return Base{}, false, fmt.Sprintf("%s names the tag object of another tag", name), nil
	case obj.GetObject().GetType() != "commit" || !inputs.IsSHA(commit):
		return Base{}, false, fmt.Sprintf("%s: its tag object tags no commit", name), nil
	}
	m, found, err := manifest.FromMessage(obj.GetMessage())
	if err != nil || !found {
		return Base{}, false, fmt.Sprintf("%s records no manifest that parses", name), nil
	}
	return Base{Tag: name, TagObject: sha, Commit: commit, Manifest: m, Release: rel}, true, "", nil
}

// maxBasePages bounds the releases read to find a base: 1,000 releases.
const maxBasePages = 10

// FindBase returns the newest complete, published nightly of prefix in
// owner/repo: one page of releases and one tag object in the usual case.
// Notes say which nightlies were passed over, and why.
func FindBase(ctx context.Context, releases ReleaseLister, tags TagObjects, owner, repo, prefix string) (Base, bool, []string, error) {
	found, err := SearchBase(ctx, releases, tags, owner, repo, prefix)
	return found.Base, found.Found, found.Notes, err
}

// BaseSearch is what SearchBase found.
type BaseSearch struct {
	Base  Base
	Found bool
	// Yanked are the yanked nightlies of prefix on the pages of releases
	// read, newest first, each with the manifest its body records: what a
	// plan must never build and publish again.
	Yanked []YankedNightly
	// Notes say which nightlies were passed over, and why.
	Notes []string
}

// YankedNightly is a yanked nightly as the releases listing shows it.
type YankedNightly struct {
	Tag      string
	Reason   string
	Manifest manifest.Manifest
}

// Holding returns the yanked nightly whose manifest holds every
// component of m at the same commit.
func (s BaseSearch) Holding(m manifest.Manifest) (YankedNightly, bool) {
	for _, y := range s.Yanked {
		if y.Manifest.SameCommits(m) {
			return y, true
		}
	}
	return YankedNightly{}, false
}

// SearchBase finds the base as FindBase does, and the yanked nightlies
// the pages of releases it read show, at no request more: their
// manifests come from the manifest line of their bodies (a nightly
// published before that line is not among them).
func SearchBase(ctx context.Context, releases ReleaseLister, tags TagObjects, owner, repo, prefix string) (BaseSearch, error) {
	opts := &gh.ListOptions{PerPage: 100}
	route := "GET /repos/" + owner + "/" + repo + "/releases"
	pages := github.Pages{Route: route}
	var found BaseSearch
	for page := 0; page < maxBasePages; page++ {
		listed, resp, err := releases.ListReleases(ctx, owner, repo, opts)
		if err == nil && nullList(listed, resp) {
			err = github.Malformed(route, "the answer is null, not the list of releases")
		}
		if err != nil {
			return found, fmt.Errorf("list the releases of %s/%s to find the newest complete nightly: %w", owner, repo, err)
		}
		found.Yanked = append(found.Yanked, yankedNightlies(listed, prefix)...)
		for _, rel := range Completes(listed, prefix, nil) {
			base, ok, note, err := ReadBase(ctx, tags, owner, repo, rel)
			if err != nil {
				return found, fmt.Errorf("find the newest complete nightly: %w", err)
			}
			if ok {
				found.Base, found.Found = base, true
				return found, nil
			}
			found.Notes = append(found.Notes, note+"; it is not taken as a base")
		}
		next, err := pages.Next(resp)
		if err != nil {
			return found, fmt.Errorf("list the releases of %s/%s to find the newest complete nightly: %w", owner, repo, err)
		}
		if next == 0 {
			break
		}
		opts.Page = next
	}
	return found, nil
}

// yankedNightlies are the published, yanked nightlies of prefix among
// listed whose bodies record a manifest, in the listing's order.
func yankedNightlies(listed []*gh.RepositoryRelease, prefix string) []YankedNightly {
	var out []YankedNightly
	for _, r := range listed {
		if _, ok := ParseTag(prefix, r.GetTagName()); !ok || r.Draft == nil || r.GetDraft() {
			continue
		}
		reason, yanked := Yanked(r.GetBody())
		if !yanked {
			continue
		}
		if m, ok := MarkedManifest(r.GetBody()); ok {
			out = append(out, YankedNightly{Tag: r.GetTagName(), Reason: reason, Manifest: m})
		}
	}
	return out
}
