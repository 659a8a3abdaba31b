package prerelease

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

// sources is where a nightly's notes and carried assets come from.
type sources struct {
	// previous is the newest published nightly before this one (or the
	// previous-tag input), the start of the notes; before its manifest.
	previous nightly.Tag
	before   manifest.Manifest
	// base is the newest complete, published nightly before this one:
	// the only release assets are carried from, and what this nightly
	// must have as many assets as. Its zero value: none.
	base         nightly.Tag
	baseManifest manifest.Manifest
	baseAssets   []github.Asset
}

// sources finds the previous and the base nightly among every release
// findRelease listed: a draft, a tag without a release, or a release that
// was never found complete is neither.
func (h *history) sources(ctx context.Context, listed []*gh.RepositoryRelease) (sources, error) {
	var src sources
	previous, havePrevious, err := h.previous(ctx, listed)
	if err != nil {
		return sources{}, err
	}
	if havePrevious && previous.SHA != "" {
		s, err := h.reader.Snapshot(ctx, previous)
		if err != nil {
			return sources{}, err
		}
		src.before = s.Manifest
	}
	src.previous = previous
	base, rel, err := h.base(ctx, listed)
	if err != nil || rel == nil {
		return src, err
	}
	s, err := h.reader.Snapshot(ctx, base)
	if err != nil {
		return sources{}, err
	}
	if s.Manifest == nil {
		return src, nil
	}
	src.base, src.baseManifest = base, s.Manifest
	if src.baseAssets, err = assetsOf(ctx, h.c, rel.GetID()); err != nil {
		return sources{}, fmt.Errorf("list the assets of %s, the newest complete nightly: %w", base.Name, err)
	}
	// Their names reach the checks' messages, the checksums and the log:
	// one GitHub would never give is refused here, before any of them.
	for _, a := range src.baseAssets {
		if githubAssetName(a.Name) != a.Name {
			return sources{}, fmt.Errorf("list the assets of %s: GitHub answered the name %.100q, which is not a name GitHub gives assets", base.Name, a.Name)
		}
	}
	return src, nil
}

// base is the newest nightly before this one whose published release has
// the complete marker naming the tag object the listing shows for it.
func (h *history) base(ctx context.Context, listed []*gh.RepositoryRelease) (nightly.Tag, *gh.RepositoryRelease, error) {
	tags, err := h.older(ctx)
	if err != nil {
		return nightly.Tag{}, nil, err
	}
	older := map[string]nightly.Tag{}
	for _, t := range tags {
		older[t.Name] = t
	}
	for _, rel := range nightly.Completes(listed, h.o.Prefix, func(t nightly.Tag) bool { _, ok := older[t.Name]; return ok }) {
		t := older[rel.GetTagName()]
		if object, _ := nightly.MarkedTagObject(rel.GetBody()); t.Annotated() && strings.EqualFold(object, t.SHA) {
			return t, rel, nil
		}
	}
	return nightly.Tag{}, nil, nil
}

// refuseStale refuses, before any upload, a file among the assets that
// belongs to a component this nightly did not rebuild: it is what an
// earlier run left in the workspace, and manifest.json would say one
// commit while the binary is another's.
func refuseStale(s snapshot, files []File) error {
	for _, f := range files {
		if f.From != nil || f.Name == ManifestAsset {
			continue
		}
		owner := ownerOf(f.Name, s.manifest)
		if e, ok := s.manifest.Lookup(owner); ok && !e.Rebuilt {
			return fmt.Errorf("refusing to publish %s as a fresh build: it belongs to component %s, which this nightly did not rebuild (the manifest pins it at %s, rebuilt: false), so it is a file an earlier run left behind; empty the folder the assets are downloaded into before downloading (nothing was uploaded)", f.Path, owner, e.SHA)
		}
	}
	return nil
}

// checkComplete says what this nightly lacks, before anything is written:
// a component not rebuilt must carry every asset it has in the base; a
// rebuilt one must ship at least one when it had any there; and every
// pattern of the graph's assets key must match an asset of its component.
// A nightly that lacks something is not published (and never becomes a
// base), so what it missed is not silently missed by every later one.
func checkComplete(o Options, s snapshot, src sources, files []File) error {
	names := map[string][]string{} // component → its asset names in this nightly
	for _, f := range files {
		if owner := ownerOf(f.Name, s.manifest); owner != "" {
			names[owner] = append(names[owner], f.Name)
		}
	}
	inBase := map[string][]string{}
	for _, a := range src.baseAssets {
		if owner := ownerOf(a.Name, src.baseManifest); owner != "" && a.State == stateUploaded {
			inBase[owner] = append(inBase[owner], a.Name)
		}
	}
	var lacking []string
	for _, e := range s.manifest {
		have := names[e.Component]
		if o.Graph != nil {
			if comp, ok := o.Graph.Component(e.Component); ok && comp.Assets != nil {
				for _, pattern := range comp.Assets {
					if !slices.ContainsFunc(have, func(n string) bool { ok, _ := path.Match(pattern, n); return ok }) {
						lacking = append(lacking, fmt.Sprintf("component %s has no asset matching %s (the graph's assets key)", e.Component, pattern))
					}
				}
				continue
			}
		}
		had := inBase[e.Component]
		switch {
		case len(had) == 0:
		case !e.Rebuilt:
			for _, n := range had {
				if !slices.Contains(have, n) {
					lacking = append(lacking, fmt.Sprintf("component %s, not rebuilt, lacks %s, which %s has", e.Component, n, src.base.Name))
				}
			}
		case len(have) == 0:
			lacking = append(lacking, fmt.Sprintf("component %s was rebuilt but ships no asset, and %s has %d (%s)", e.Component, src.base.Name, len(had), strings.Join(had, ", ")))
		}
	}
	if len(lacking) == 0 {
		return nil
	}
	if len(lacking) > 10 {
		lacking = append(lacking[:10], fmt.Sprintf("and %d more", len(lacking)-10))
	}
	return fmt.Errorf("nightly %s is not complete, so it is not published: %s; attach what is missing (assets named <component>-* or <repository>-*) and rerun", o.Tag, strings.Join(lacking, "; "))
}

// assetNames are the names of files and of assets.
func assetNames(files []File, assets []github.Asset) []string {
	names := make([]string, 0, len(files)+len(assets))
	for _, f := range files {
		names = append(names, f.Name)
	}
	for _, a := range assets {
		names = append(names, a.Name)
	}
	return names
}
