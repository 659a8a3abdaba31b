package prerelease

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/verify"
)

// findNightly finds the nightly to promote among the releases listed and
// reads its snapshot from its tag object (one request): the from input's,
// else the one a release of the tag that an earlier run made records
// (so that a rerun promotes what it promoted, whatever was published
// since), else the newest complete, published nightly not yanked. The one
// named is refused, saying why, unless it is published, not yanked and
// complete.
func (pr *promotion) findNightly(ctx context.Context, rel *gh.RepositoryRelease) error {
	o := pr.o
	name := o.From
	if name == "" && rel != nil {
		name, _ = promotedFrom(rel.GetBody(), o.Prefix)
	}
	if name == "" {
		for _, r := range nightly.Completes(pr.listed, o.Prefix, nil) {
			base, ok, note, err := nightly.ReadBase(ctx, pr.c.Tags, o.Owner, o.Repo, r)
			if err != nil {
				return err
			}
			if ok {
				pr.from = base
				return nil
			}
			pr.notes = append(pr.notes, note+"; it is not promoted")
		}
		return fmt.Errorf("find the nightly to promote: %s/%s has no published nightly of %s that is complete and not yanked", o.Owner, o.Repo, o.Prefix)
	}
	i := slices.IndexFunc(pr.listed, func(r *gh.RepositoryRelease) bool { return r.GetTagName() == name && !r.GetDraft() })
	if i < 0 {
		return fmt.Errorf("nightly %s is not published (it has no published release), so it is not promoted: publish it with create-prerelease, or promote another", name)
	}
	found := pr.listed[i]
	if reason, yanked := nightly.Yanked(found.GetBody()); yanked {
		return fmt.Errorf("nightly %s is yanked (%s), so it is not promoted: promote another", name, report.Quote(reason))
	}
	if len(nightly.Completes([]*gh.RepositoryRelease{found}, o.Prefix, nil)) == 0 {
		return fmt.Errorf("nightly %s is not complete (its release has no complete marker: create-prerelease writes it only once every component's assets are attached), so it is not promoted: promote a complete one", name)
	}
	base, ok, note, err := nightly.ReadBase(ctx, pr.c.Tags, o.Owner, o.Repo, found)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("nightly %s cannot be promoted: %s", name, note)
	}
	pr.from = base
	return nil
}

// nightlyAssets are the assets of the nightly as the listing of releases
// gives them, by name: each whole, with GitHub's SHA-256, one of them
// SHA256SUMS. Their names and digests go into messages, the checksums and
// the log as they are: one GitHub would never give is refused.
func (pr *promotion) nightlyAssets(ctx context.Context) ([]github.Asset, error) {
	tag := pr.from.Tag
	assets, err := assetsOf(ctx, pr.c, pr.from.Release.GetID())
	if err != nil {
		return nil, fmt.Errorf("list the assets of %s: %w", tag, err)
	}
	for _, a := range assets {
		switch {
		case githubAssetName(a.Name) != a.Name:
			return nil, fmt.Errorf("list the assets of %s: GitHub answered the name %.100q, which is not a name GitHub gives assets", tag, a.Name)
		case a.State != stateUploaded:
			return nil, fmt.Errorf("nightly %s is not complete: its asset %s is a broken upload (state %.40q), so it is not promoted", tag, a.Name, a.State)
		case !sha256DigestRE.MatchString(a.Digest):
			return nil, fmt.Errorf("nightly %s cannot be promoted: GitHub gives no SHA-256 of its asset %s (%.100q), so its copy could not be checked", tag, a.Name, a.Digest)
		}
	}
	if !slices.ContainsFunc(assets, func(a github.Asset) bool { return a.Name == ChecksumsAsset }) {
		return nil, fmt.Errorf("nightly %s has no %s to check its assets against, so it is not promoted: publish nightlies with checksums: %s", tag, ChecksumsAsset, ChecksumsAsset)
	}
	assets = slices.Clone(assets)
	slices.SortFunc(assets, func(a, b github.Asset) int { return strings.Compare(a.Name, b.Name) })
	return assets, nil
}

// checkSums checks the nightly's assets against its SHA256SUMS, read as
// verify reads a release's (strictly, as sha256sum prints it): every asset
// but SHA256SUMS itself listed, with the digest GitHub gives for it, and
// nothing listed that is not an asset.
func checkSums(tag string, data []byte, assets []github.Asset) error {
	entries, err := verify.Parse(data)
	if err != nil {
		return fmt.Errorf("nightly %s cannot be promoted: its %s does not read: %w", tag, ChecksumsAsset, err)
	}
	listed := map[string]string{}
	for _, e := range entries {
		listed[e.Name] = "sha256:" + e.Digest
	}
	var problems []string
	for _, a := range assets {
		sum, ok := listed[a.Name]
		delete(listed, a.Name)
		switch {
		case a.Name == ChecksumsAsset:
		case !ok:
			problems = append(problems, fmt.Sprintf("%s does not list %s", ChecksumsAsset, a.Name))
		case sum != a.Digest:
			problems = append(problems, fmt.Sprintf("asset %s has %s, %s lists %s", a.Name, a.Digest, ChecksumsAsset, sum))
		}
	}
	for _, name := range sortedKeys(listed) {
		problems = append(problems, fmt.Sprintf("%s lists %s, which is not an asset of it", ChecksumsAsset, name))
	}
	if len(problems) == 0 {
		return nil
	}
	if len(problems) > 10 {
		problems = append(problems[:10], fmt.Sprintf("and %d more", len(problems)-10))
	}
	return fmt.Errorf("nightly %s does not match its own %s, so it is not promoted: %s", tag, ChecksumsAsset, strings.Join(problems, "; "))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sameBytes refuses a published release of the tag whose assets are not
// the nightly's: one of another digest, or one the nightly does not have.
// Assets it lacks are attached later, and a broken upload is replaced.
func (pr *promotion) sameBytes(assets []github.Asset) error {
	nightlys := map[string]string{}
	for _, a := range pr.assets {
		nightlys[a.Name] = a.Digest
	}
	var problems []string
	for _, a := range assets {
		want, ok := nightlys[a.Name]
		switch {
		case a.State != stateUploaded:
		case githubAssetName(a.Name) != a.Name:
			problems = append(problems, fmt.Sprintf("it holds an asset GitHub names %.100q", a.Name))
		case !ok:
			problems = append(problems, fmt.Sprintf("it holds %s, which %s does not have", a.Name, pr.from.Tag))
		case a.Digest != want:
			problems = append(problems, fmt.Sprintf("its asset %s has %s, %s's has %s", a.Name, report.Value(a.Digest), pr.from.Tag, want))
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("release %s exists with other bytes than %s, and a published release's assets are not changed: %s; delete the release (and its tag), or promote under another tag", pr.o.Tag, pr.from.Tag, strings.Join(problems, "; "))
}

// missing names the nightly's assets that assets (a release's) does not
// hold whole.
func (pr *promotion) missing(assets []github.Asset) []string {
	var names []string
	for _, want := range pr.assets {
		if !slices.ContainsFunc(assets, func(a github.Asset) bool {
			return a.Name == want.Name && a.State == stateUploaded && a.Digest == want.Digest
		}) {
			names = append(names, want.Name)
		}
	}
	return names
}

// previousRelease finds the release the notes start from: the newest
// published release that is not a nightly, not yanked and not this one,
// with the manifest its body records (promote writes it there), else the
// one its annotated tag records. One it cannot read is a notice: the
// notes are a nicety, never worth failing a release for.
func (pr *promotion) previousRelease(ctx context.Context) {
	for _, r := range pr.listed {
		_, isNightly := nightly.ParseTag(pr.o.Prefix, r.GetTagName())
		_, yanked := nightly.Yanked(r.GetBody())
		if r.GetDraft() || isNightly || yanked || r.GetTagName() == pr.o.Tag || inputs.CheckTagName("tag", r.GetTagName()) != nil {
			continue
		}
		pr.previous = r.GetTagName()
		if m, ok := nightly.MarkedManifest(r.GetBody()); ok {
			pr.before = m
			return
		}
		t, found, err := pr.readTag(ctx, pr.o.Owner+"/"+pr.o.Repo, pr.previous)
		switch {
		case err != nil:
			pr.notes = append(pr.notes, fmt.Sprintf("the notes do not compare with %s: its tag could not be read (%v)", pr.previous, err))
		case found && t.message != "":
			if m, ok, err := manifest.FromMessage(t.message); ok && err == nil {
				pr.before = m
			}
		}
		return
	}
}

// promotedPrefix starts the hidden line of a release's body that names
// the nightly it was promoted from, JSON-encoded, which escapes <, > and
// &: it can never end the comment.
const promotedPrefix = "<!-- release-action: promoted from "

var promotedRE = regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(promotedPrefix) + `(\{.*\}) -->\r?$`)

type promotedRecord struct {
	Nightly string `json:"nightly"`
}

// promotedMarker is the hidden line that records the nightly promoted.
func promotedMarker(tag string) string {
	data, _ := json.Marshal(promotedRecord{Nightly: tag}) // a struct of one string always encodes
	return promotedPrefix + string(data) + " -->"
}

// promotedFrom is the nightly of prefix a release's body records it was
// promoted from.
func promotedFrom(body, prefix string) (string, bool) {
	found := promotedRE.FindAllStringSubmatch(body, -1)
	if found == nil {
		return "", false
	}
	var r promotedRecord
	if json.Unmarshal([]byte(found[len(found)-1][1]), &r) != nil {
		return "", false
	}
	if _, ok := nightly.ParseTag(prefix, r.Nightly); !ok {
		return "", false
	}
	return r.Nightly, true
}

// isNotFound tells a 404, which GET git/ref answers for a tag that does
// not exist.
func isNotFound(err error) bool { return github.IsStatus(err, http.StatusNotFound) }
