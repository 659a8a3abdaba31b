package githubtest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Release is a release as the fake keeps it.
type Release struct {
	ID              int64
	TagName         string
	TargetCommitish string
	Name            string
	Body            string
	Draft           bool
	Prerelease      bool
	// MakeLatest is make_latest as last sent: "true", "false", "legacy" or
	// empty. Planted by AddRelease, "true" makes a full release the
	// latest, as if marked so when it was published.
	MakeLatest string
	// Immutable is set when a release is published under
	// WithImmutableReleases: its assets and tag can no longer change.
	Immutable   bool
	CreatedAt   time.Time
	PublishedAt time.Time // zero for a draft
	Assets      []Asset
}

// Asset is a release asset as the fake keeps it. Its bytes, when it has
// any (an upload, or AddAssetContent), are in a file of the fake's: see
// AssetContent.
type Asset struct {
	ID          int64
	Name        string
	Label       string
	ContentType string
	// State is "uploaded", or "starter" for an upload that never completed,
	// which blocks another upload of the name until the asset is deleted.
	State  string
	Size   int64
	Digest string // "sha256:<hex>", empty until uploaded
	// Uploads counts the uploads of this name to the release that got as far
	// as sending bytes, including those of assets deleted since.
	Uploads int
}

// WithImmutableReleases plays a repository with immutable releases on:
// once a release is published, uploading or deleting its assets, changing
// its tag or moving or deleting that tag gets GitHub's 422.
func WithImmutableReleases() Option {
	return func(s *Server) { s.immutableReleases = true }
}

// release is a Release with what the fake tracks besides.
type release struct {
	Release   // Assets unused: see assets
	assets    []*asset
	uploads   map[string]int // by asset name
	updatedAt time.Time
	// latestMark orders the times a release was made the latest: the
	// highest mark among full releases is the repository's latest; 0:
	// never marked.
	latestMark int64
}

type asset struct {
	Asset
	createdAt, updatedAt time.Time
	// content is where its bytes are; nil for a starter and for an asset
	// planted by AddAsset.
	content *assetContent
	// key names it in storage once a download was asked for.
	key       string
	downloads int
}

func (rel *release) export() Release {
	out := rel.Release
	out.Assets = nil
	for _, a := range rel.assets {
		out.Assets = append(out.Assets, a.Asset)
	}
	return out
}

// AddRelease plants a release in repo as if created earlier and returns it
// with its ID and, when zero, CreatedAt from the clock (and PublishedAt too
// unless it is a draft). It creates no tag: see SetTag.
func (s *Server) AddRelease(repo string, r Release) Release {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	target := s.mustRepository(repo)
	now := s.now()
	r.ID = s.nextID()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	if !r.Draft && r.PublishedAt.IsZero() {
		r.PublishedAt = r.CreatedAt
	}
	if !r.Draft && s.immutableReleases {
		r.Immutable = true
	}
	rel := &release{Release: r, uploads: map[string]int{}, updatedAt: now}
	rel.Release.Assets = nil
	if r.MakeLatest == "true" {
		rel.makeLatest(target, &r.MakeLatest, false)
	}
	target.releases = append(target.releases, rel)
	for _, a := range r.Assets {
		s.plantAsset(rel, a)
	}
	return rel.export()
}

// AddAsset plants an asset in a release of repo, such as a leftover of a
// failed upload (State "starter"), and returns it with its ID. State
// defaults to "uploaded" and Uploads to 1; the name is kept as given. It
// has no bytes: downloading it fails the test (use AddAssetContent).
func (s *Server) AddAsset(repo string, releaseID int64, a Asset) Asset {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.mustRepository(repo).release(releaseID)
	if rel == nil {
		s.t.Fatalf("githubtest: add asset %q to release %d of %s: no such release", a.Name, releaseID, repo)
	}
	return s.plantAsset(rel, a).Asset
}

// plantAsset adds a to rel. The caller holds s.mu.
func (s *Server) plantAsset(rel *release, a Asset) *asset {
	a.ID = s.nextID()
	if a.State == "" {
		a.State = "uploaded"
	}
	if a.Uploads == 0 {
		a.Uploads = rel.uploads[a.Name] + 1
	}
	rel.uploads[a.Name] = a.Uploads
	now := s.now()
	planted := &asset{Asset: a, createdAt: now, updatedAt: now}
	rel.assets = append(rel.assets, planted)
	return planted
}

// Releases returns every release of repo, drafts included, newest first.
func (s *Server) Releases(repo string) []Release {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Release
	for _, rel := range s.mustRepository(repo).newestReleases() {
		out = append(out, rel.export())
	}
	return out
}

// newestReleases lists releases the way GitHub does: newest first. The
// caller holds s.mu.
func (repo *repository) newestReleases() []*release {
	return newestFirst(repo.releases, func(r *release) (time.Time, int64) { return r.CreatedAt, r.ID })
}

// newestFirst sorts a copy of items the way GitHub lists releases and
// runs: by creation time, newest first, then by ID.
func newestFirst[T any](items []T, key func(T) (time.Time, int64)) []T {
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b T) int {
		aTime, aID := key(a)
		bTime, bID := key(b)
		return cmp.Or(bTime.Compare(aTime), cmp.Compare(bID, aID))
	})
	return sorted
}

// release returns the release with id, or nil. The caller holds s.mu.
func (repo *repository) release(id int64) *release {
	for _, rel := range repo.releases {
		if rel.ID == id {
			return rel
		}
	}
	return nil
}

// publishedWithTag returns the published release of tag other than
// except, or nil. Only a published release holds its tag: GitHub keeps
// several drafts of one tag without complaint (ncipollo/release-action#8),
// even of a tag a published release holds (remixz/publish-release#37), but
// refuses a second published release of a tag. The caller holds s.mu.
func (repo *repository) publishedWithTag(tag string, except int64) *release {
	for _, rel := range repo.releases {
		if rel.TagName == tag && rel.ID != except && !rel.Draft {
			return rel
		}
	}
	return nil
}

// webTag is the tag rel's pages and asset downloads are under: GitHub
// shows a draft, and serves its assets, at a placeholder tag until it is
// published, so a draft's download URLs stop working once it is.
func (rel *release) webTag() string {
	if rel.Draft {
		return fmt.Sprintf("untagged-%020x", rel.ID)
	}
	return rel.TagName
}

// frozen tells whether rel is a published immutable release.
func (rel *release) frozen() bool {
	return rel.Immutable && !rel.Draft
}

// tagOfImmutableRelease tells whether ref is the tag of a published
// immutable release, which GitHub protects. The caller holds s.mu.
func (s *Server) tagOfImmutableRelease(repo *repository, ref string) bool {
	for _, rel := range repo.releases {
		if rel.frozen() && "refs/tags/"+rel.TagName == ref {
			return true
		}
	}
	return false
}

// immutableTag is the fake's 422 for moving or deleting the tag of an
// immutable release; GitHub's wording for it is not documented.
func immutableTag() Response {
	return Unprocessable("Cannot update or delete a tag used by an immutable release.")
}

func (s *Server) releaseJSON(urls bases, repo *repository, rel *release) map[string]any {
	repoAPI := urls.api + "/repos/" + repo.fullName()
	id := strconv.FormatInt(rel.ID, 10)
	htmlTag := rel.webTag()
	assets := []map[string]any{}
	for _, a := range rel.assets {
		assets = append(assets, s.assetJSON(urls, repo, rel, a))
	}
	return map[string]any{
		"url":              repoAPI + "/releases/" + id,
		"assets_url":       repoAPI + "/releases/" + id + "/assets",
		"upload_url":       urls.uploads + "/repos/" + repo.fullName() + "/releases/" + id + "/assets{?name,label}",
		"html_url":         urls.web + "/" + repo.fullName() + "/releases/tag/" + htmlTag,
		"tarball_url":      repoAPI + "/tarball/" + rel.TagName,
		"zipball_url":      repoAPI + "/zipball/" + rel.TagName,
		"id":               rel.ID,
		"node_id":          nodeID("Release", rel.ID),
		"tag_name":         rel.TagName,
		"target_commitish": rel.TargetCommitish,
		"name":             rel.Name,
		"body":             rel.Body,
		"draft":            rel.Draft,
		"prerelease":       rel.Prerelease,
		"immutable":        rel.Immutable,
		"created_at":       githubTime(rel.CreatedAt),
		"published_at":     nullableTime(rel.PublishedAt),
		"updated_at":       githubTime(rel.updatedAt),
		"author":           actor(urls),
		"assets":           assets,
	}
}

// GET /repos/{owner}/{repo}/releases: drafts included, newest first.
func (s *Server) listReleases(r *http.Request, repo *repository) Response {
	urls := s.bases(r.Host)
	return paginate(s, r, repo.newestReleases(), func(page []*release) any {
		out := []map[string]any{}
		for _, rel := range page {
			out = append(out, s.releaseJSON(urls, repo, rel))
		}
		return out
	})
}

// getUnderReleases serves the GETs below /releases/: tags/{tag},
// assets/{asset_id}, {release_id} and {release_id}/assets.
func (s *Server) getUnderReleases(r *http.Request, repo *repository) Response {
	rest := r.PathValue("rest")
	if tag, ok := strings.CutPrefix(rest, "tags/"); ok {
		return s.getReleaseByTag(r, repo, tag)
	}
	if rest == "latest" {
		return s.getLatestRelease(r, repo)
	}
	first, second, nested := strings.Cut(rest, "/")
	switch {
	case first == "assets" && nested && !strings.Contains(second, "/"):
		return s.getAsset(r, repo, parseID(second))
	case !nested:
		rel := repo.release(parseID(first))
		if rel == nil {
			return NotFound()
		}
		return s.jsonResponse(http.StatusOK, s.releaseJSON(s.bases(r.Host), repo, rel))
	case second == "assets":
		return s.listAssets(r, repo, parseID(first))
	}
	return NotFound()
}

// parseID reads an ID from a path; anything else is 0, which no object has.
func parseID(segment string) int64 {
	id, err := strconv.ParseInt(segment, 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// getReleaseByTag never answers with a draft, as GitHub does not.
func (s *Server) getReleaseByTag(r *http.Request, repo *repository, tag string) Response {
	for _, rel := range repo.newestReleases() {
		if rel.TagName == tag && !rel.Draft {
			return s.jsonResponse(http.StatusOK, s.releaseJSON(s.bases(r.Host), repo, rel))
		}
	}
	return NotFound()
}

// releaseFields are the fields a release is created or updated with; nil
// means not sent.
type releaseFields struct {
	TagName              *string `json:"tag_name"`
	TargetCommitish      *string `json:"target_commitish"`
	Name                 *string `json:"name"`
	Body                 *string `json:"body"`
	Draft                *bool   `json:"draft"`
	Prerelease           *bool   `json:"prerelease"`
	MakeLatest           *string `json:"make_latest"`
	GenerateReleaseNotes bool    `json:"generate_release_notes"`
}

func set[T any](field *T, value *T) {
	if value != nil {
		*field = *value
	}
}

// WithDraftsOfPublishedTags makes the fake create a draft of a tag that a
// published release holds, as GitHub has been seen to (such a draft can
// never be published); without it, the create is refused with 422
// already_exists, as for a published release.
func WithDraftsOfPublishedTags() Option {
	return func(s *Server) { s.draftsOfPublishedTags = true }
}

// maxBodyChars is GitHub's limit on a release body, in characters.
const maxBodyChars = 125_000

// checkBodyLength is GitHub's 422 for a release body over its limit.
func checkBodyLength(body string) (Response, bool) {
	if utf8.RuneCountInString(body) > maxBodyChars {
		return Unprocessable("Validation Failed", map[string]string{
			"resource": "Release", "code": "custom", "field": "body",
			"message": "body is too long (maximum is 125000 characters)",
		}), false
	}
	return Response{}, true
}

// POST /repos/{owner}/{repo}/releases
func (s *Server) createRelease(r *http.Request, repo *repository) Response {
	var body releaseFields
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	if body.TagName == nil || *body.TagName == "" {
		return validationFailed("Release", "missing_field", "tag_name")
	}
	rel := &release{uploads: map[string]int{}}
	set(&rel.TagName, body.TagName)
	set(&rel.TargetCommitish, body.TargetCommitish)
	set(&rel.Name, body.Name)
	set(&rel.Body, body.Body)
	set(&rel.Draft, body.Draft)
	set(&rel.Prerelease, body.Prerelease)
	set(&rel.MakeLatest, body.MakeLatest)
	if rel.TargetCommitish == "" {
		rel.TargetCommitish = repo.defaultBranch
	}
	// A published release holds the tag: GitHub refuses another. Whether
	// it refuses a draft of it too is not documented (it has been seen to
	// make one, remixz/publish-release#37): the fake refuses it unless
	// WithDraftsOfPublishedTags, and a client must handle both.
	if (!rel.Draft || !s.draftsOfPublishedTags) && repo.publishedWithTag(rel.TagName, 0) != nil {
		return validationFailed("Release", "already_exists", "tag_name")
	}
	if resp, ok := checkBodyLength(rel.Body); !ok {
		return resp
	}
	if resp, ok := s.checkTarget(repo, rel, body.TargetCommitish != nil); !ok {
		return resp
	}
	if body.GenerateReleaseNotes {
		name, notes := s.releaseNotes(s.bases(r.Host), repo, rel.TagName, "")
		if rel.Name == "" {
			rel.Name = name
		}
		rel.Body = strings.TrimLeft(rel.Body+"\n\n"+notes, "\n")
	}

	now := s.now()
	rel.ID = s.nextID()
	rel.CreatedAt, rel.updatedAt = now, now
	if !rel.Draft {
		s.publish(repo, rel, now)
	}
	rel.makeLatest(repo, body.MakeLatest, !rel.Draft)
	repo.releases = append(repo.releases, rel)
	answer := s.releaseJSON(s.bases(r.Host), repo, rel)
	resp := s.jsonResponse(http.StatusCreated, answer)
	resp.Header = map[string]string{"Location": answer["url"].(string)}
	return resp
}

// checkTarget makes sure rel's tag can exist: a published release needs
// its tag, created at target_commitish when missing, so that target must
// resolve. A draft's target is checked only when sent and the test set any
// branch, since the fake knows no branches otherwise.
func (s *Server) checkTarget(repo *repository, rel *release, targetSent bool) (Response, bool) {
	if _, tagged := repo.refs["refs/tags/"+rel.TagName]; tagged {
		return Response{}, true
	}
	if rel.Draft && (!targetSent || !repo.hasBranches()) {
		return Response{}, true
	}
	if _, ok := repo.resolve(rel.TargetCommitish); !ok {
		return validationFailed("Release", "invalid", "target_commitish"), false
	}
	return Response{}, true
}

func (repo *repository) hasBranches() bool {
	for ref := range repo.refs {
		if strings.HasPrefix(ref, "refs/heads/") {
			return true
		}
	}
	return false
}

// publish makes rel a published release, creating its tag when missing;
// checkTarget has made sure the target resolves. The caller holds s.mu.
func (s *Server) publish(repo *repository, rel *release, now time.Time) {
	ref := "refs/tags/" + rel.TagName
	if _, tagged := repo.refs[ref]; !tagged {
		sha, _ := repo.resolve(rel.TargetCommitish)
		repo.refs[ref] = sha
	}
	rel.Draft = false
	if rel.PublishedAt.IsZero() {
		rel.PublishedAt = now
	}
	if s.immutableReleases {
		rel.Immutable = true
	}
}

// PATCH /repos/{owner}/{repo}/releases/{release_id}
func (s *Server) updateRelease(r *http.Request, repo *repository) Response {
	rel := repo.release(parseID(r.PathValue("release_id")))
	if rel == nil {
		return NotFound()
	}
	var body releaseFields
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	updated := &release{Release: rel.Release}
	set(&updated.TagName, body.TagName)
	set(&updated.TargetCommitish, body.TargetCommitish)
	set(&updated.Name, body.Name)
	set(&updated.Body, body.Body)
	set(&updated.Draft, body.Draft)
	set(&updated.Prerelease, body.Prerelease)
	set(&updated.MakeLatest, body.MakeLatest)

	if rel.frozen() && updated.TagName != rel.TagName {
		return Unprocessable("Validation Failed", map[string]string{
			"resource": "Release", "code": "custom", "field": "tag_name",
			"message": "Cannot change the tag of an immutable release",
		})
	}
	if rel.frozen() && updated.Draft {
		return Unprocessable("Validation Failed", map[string]string{
			"resource": "Release", "code": "custom", "field": "draft",
			"message": "Cannot change an immutable release back to a draft",
		})
	}
	if updated.TagName == "" {
		return validationFailed("Release", "missing_field", "tag_name")
	}
	if resp, ok := checkBodyLength(updated.Body); !ok {
		return resp
	}
	if !updated.Draft && repo.publishedWithTag(updated.TagName, rel.ID) != nil {
		return validationFailed("Release", "already_exists", "tag_name")
	}
	if resp, ok := s.checkTarget(repo, updated, body.TargetCommitish != nil); !ok {
		return resp
	}

	now := s.now()
	wasDraft := rel.Draft
	rel.Release, rel.updatedAt = updated.Release, now
	if !rel.Draft {
		s.publish(repo, rel, now)
	}
	rel.makeLatest(repo, body.MakeLatest, wasDraft && !rel.Draft)
	return s.jsonResponse(http.StatusOK, s.releaseJSON(s.bases(r.Host), repo, rel))
}

// DELETE /repos/{owner}/{repo}/releases/{release_id}: its tag stays, as on
// GitHub.
func (s *Server) deleteRelease(r *http.Request, repo *repository) Response {
	id := parseID(r.PathValue("release_id"))
	i := slices.IndexFunc(repo.releases, func(rel *release) bool { return rel.ID == id })
	if i < 0 {
		return NotFound()
	}
	for _, a := range repo.releases[i].assets {
		s.forgetContent(a)
	}
	repo.releases = slices.Delete(repo.releases, i, i+1)
	return noContent()
}

// POST /repos/{owner}/{repo}/releases/generate-notes
func (s *Server) generateNotes(r *http.Request, repo *repository) Response {
	var body struct {
		TagName         string `json:"tag_name"`
		TargetCommitish string `json:"target_commitish"`
		PreviousTagName string `json:"previous_tag_name"`
	}
	if resp, ok := decodeBody(r, &body); !ok {
		return resp
	}
	if body.TagName == "" {
		return validationFailed("Release", "missing_field", "tag_name")
	}
	if body.PreviousTagName != "" {
		if _, ok := repo.refs["refs/tags/"+body.PreviousTagName]; !ok {
			return NotFound()
		}
	}
	name, notes := s.releaseNotes(s.bases(r.Host), repo, body.TagName, body.PreviousTagName)
	return s.jsonResponse(http.StatusOK, map[string]string{"name": name, "body": notes})
}

// releaseNotes writes notes in the shape GitHub's generated notes take.
// Without previous, GitHub compares with the latest published release.
func (s *Server) releaseNotes(urls bases, repo *repository, tag, previous string) (name, body string) {
	if previous == "" {
		for _, rel := range repo.newestReleases() {
			if !rel.Draft && rel.TagName != tag {
				previous = rel.TagName
				break
			}
		}
	}
	repoWeb := urls.web + "/" + repo.fullName()
	changelog := repoWeb + "/commits/" + tag
	if previous != "" {
		changelog = repoWeb + "/compare/" + previous + "..." + tag
	}
	return tag, "## What's Changed\n* Changes up to " + tag + " by @github-actions in " + changelog + "\n\n\n**Full Changelog**: " + changelog
}

// latestMarks numbers the times a release is made the latest, in every
// fake: only their order within a repository matters.
var latestMarks atomic.Int64

// full tells whether rel may be the latest release: published, and not
// a prerelease.
func (rel *release) full() bool { return !rel.Draft && !rel.Prerelease }

// makeLatest plays make_latest as sent with a create or an update (nil:
// not sent), once the request has changed rel. GitHub documents "true",
// the default for a newly published release; that drafts and prereleases
// cannot be latest (it ignores the field for them: release-please's
// prereleases, created with the default, were published without an
// error, BlindspotSoftware/dutctl#385); and "legacy", the latest by
// creation date and version, which the fake reads as the repository going
// back to the newest full release by creation date. "false" leaves the
// latest where it is, even on the latest release itself
// (ncipollo/release-action#466, #483): only marking another release moves
// it; a new release sent "false" is not made the latest. The caller
// holds s.mu.
func (rel *release) makeLatest(repo *repository, sent *string, newlyPublished bool) {
	if !rel.full() {
		return
	}
	switch {
	case sent != nil && *sent == "legacy":
		for _, other := range repo.releases {
			other.latestMark = 0
		}
		rel.latestMark = 0
	case sent != nil && *sent == "true", sent == nil && newlyPublished:
		rel.latestMark = latestMarks.Add(1)
	}
}

// latest is the repository's latest release, or nil: the full release
// last made the latest, else (none was, or none of those is full any
// more) the newest full release by creation date, as GET releases/latest
// documents, passing over one sent make_latest "false" (made so, a new
// release is not the latest). The caller holds s.mu.
func (repo *repository) latest() *release {
	var marked *release
	for _, rel := range repo.releases {
		if rel.full() && rel.latestMark > 0 && (marked == nil || rel.latestMark > marked.latestMark) {
			marked = rel
		}
	}
	if marked != nil {
		return marked
	}
	for _, rel := range repo.newestReleases() {
		if rel.full() && rel.MakeLatest != "false" {
			return rel
		}
	}
	return nil
}

// GET /repos/{owner}/{repo}/releases/latest: 404 when no release is a
// published full release.
func (s *Server) getLatestRelease(r *http.Request, repo *repository) Response {
	rel := repo.latest()
	if rel == nil {
		return NotFound()
	}
	return s.jsonResponse(http.StatusOK, s.releaseJSON(s.bases(r.Host), repo, rel))
}

// LatestRelease returns the release GET releases/latest answers for repo.
func (s *Server) LatestRelease(repo string) (Release, bool) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rel := s.mustRepository(repo).latest()
	if rel == nil {
		return Release{}, false
	}
	return rel.export(), true
}
