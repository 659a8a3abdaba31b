package githubtest

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// uploadFault drops the connection of the next upload of name once after
// bytes of its body were read.
type uploadFault struct {
	name  string
	after int64
}

// FailUploadAfter makes the next upload of an asset called name (as sent,
// or as GitHub renames it) lose its connection after n bytes of its body
// were read, which leaves a "starter" asset of that name, as on GitHub.
func (s *Server) FailUploadAfter(name string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploadFaults = append(s.uploadFaults, uploadFault{name: name, after: n})
}

// takeUploadFault removes and returns the first fault for an upload of
// requested, renamed to final. The caller holds s.mu.
func (s *Server) takeUploadFault(requested, final string) (int64, bool) {
	for i, f := range s.uploadFaults {
		if f.name == requested || f.name == final {
			s.uploadFaults = slices.Delete(s.uploadFaults, i, i+1)
			return f.after, true
		}
	}
	return 0, false
}

// githubAssetName is the name GitHub gives an uploaded asset. GitHub's REST
// reference ("Upload a release asset") says only that it "renames asset
// filenames that have special characters, non-alphanumeric characters, and
// leading or trailing periods". The fake applies what uploads have shown
// (softprops/action-gh-release#159 and #741, actions/upload-release-asset#57,
// cli/cli#10585, electron/forge#1761):
//
//   - every character other than an ASCII letter or digit or one of
//     "-", "_", ".", "+", "@" becomes "." (spaces, "~", ":", "(", ")",
//     "!", "%" and all non-ASCII characters among them);
//   - a run of periods becomes one period;
//   - a trailing period is dropped, and a leading one gets "default" before
//     it: ".config" becomes "default.config".
func githubAssetName(name string) string {
	var b strings.Builder
	for _, r := range name {
		keep := r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.+@", r))
		if !keep {
			r = '.'
		}
		if r == '.' && strings.HasSuffix(b.String(), ".") {
			continue
		}
		b.WriteRune(r)
	}
	renamed := strings.TrimSuffix(b.String(), ".")
	if strings.HasPrefix(renamed, ".") {
		renamed = "default" + renamed
	}
	return renamed
}

func (s *Server) assetJSON(urls bases, repo *repository, rel *release, a *asset) map[string]any {
	var digest any
	if a.Digest != "" {
		digest = a.Digest
	}
	return map[string]any{
		"url":                  urls.api + "/repos/" + repo.fullName() + "/releases/assets/" + itoa(a.ID),
		"browser_download_url": urls.web + "/" + repo.fullName() + "/releases/download/" + url.PathEscape(rel.webTag()) + "/" + url.PathEscape(a.Name),
		"id":                   a.ID,
		"node_id":              nodeID("ReleaseAsset", a.ID),
		"name":                 a.Name,
		"label":                a.Label,
		"state":                a.State,
		"content_type":         a.ContentType,
		"size":                 a.Size,
		"digest":               digest,
		"download_count":       a.downloads,
		"created_at":           githubTime(a.createdAt),
		"updated_at":           githubTime(a.updatedAt),
		"uploader":             actor(urls),
	}
}

// asset returns the asset with id and its release, or nils. The caller
// holds s.mu.
func (repo *repository) asset(id int64) (*release, *asset) {
	for _, rel := range repo.releases {
		for _, a := range rel.assets {
			if a.ID == id {
				return rel, a
			}
		}
	}
	return nil, nil
}

// GET /repos/{owner}/{repo}/releases/{release_id}/assets
func (s *Server) listAssets(r *http.Request, repo *repository, releaseID int64) Response {
	rel := repo.release(releaseID)
	if rel == nil {
		return NotFound()
	}
	urls := s.bases(r.Host)
	return paginate(s, r, rel.assets, func(page []*asset) any {
		out := []map[string]any{}
		for _, a := range page {
			out = append(out, s.assetJSON(urls, repo, rel, a))
		}
		return out
	})
}

// DELETE /repos/{owner}/{repo}/releases/assets/{asset_id}
func (s *Server) deleteAsset(r *http.Request, repo *repository) Response {
	rel, a := repo.asset(parseID(r.PathValue("asset_id")))
	if a == nil {
		return NotFound()
	}
	if rel.frozen() {
		// GitHub's wording for this case is not documented; this follows the
		// one for uploads.
		return Unprocessable("Cannot delete assets from an immutable release.")
	}
	rel.assets = slices.DeleteFunc(rel.assets, func(other *asset) bool { return other == a })
	s.forgetContent(a)
	return noContent()
}

// assetDocsURL is where GitHub's errors for GET releases/assets/{asset_id}
// point.
const assetDocsURL = "https://docs.github.com/rest/releases/assets#get-a-release-asset"

// GET /repos/{owner}/{repo}/releases/assets/{asset_id}: the asset's JSON,
// or, asked for application/octet-stream, a 302 to its bytes in storage.
// GitHub's description allows a 200 with the bytes too; github.com
// redirects, with the headers of its other redirects (recorded in
// @octokit/fixtures get-archive and gm3dmo/the-power#393).
func (s *Server) getAsset(r *http.Request, repo *repository, id int64) Response {
	rel, a := repo.asset(id)
	if a == nil {
		return errorResponse(http.StatusNotFound, nil, errorBody{Message: "Not Found", DocumentationURL: assetDocsURL, Status: "404"})
	}
	urls := s.bases(r.Host)
	if !wantsOctetStream(r.Header.Get("Accept")) {
		resp := s.jsonResponse(http.StatusOK, s.assetJSON(urls, repo, rel, a))
		resp.Header = map[string]string{"Last-Modified": a.updatedAt.UTC().Format(http.TimeFormat)}
		return resp
	}
	if a.State != "uploaded" {
		// What GitHub answers for the bytes of an upload that never
		// completed is not recorded; the fake has none to give.
		return errorResponse(http.StatusNotFound, nil, errorBody{Message: "Not Found", DocumentationURL: assetDocsURL, Status: "404"})
	}
	a.downloads++
	return Response{
		Status: http.StatusFound,
		Header: map[string]string{"Content-Type": "text/html;charset=utf-8", "Location": s.storageURL(urls, repo, a)},
	}
}

// wantsOctetStream tells whether an Accept header asks for an asset's bytes
// rather than its JSON.
func wantsOctetStream(accept string) bool {
	for candidate := range strings.SplitSeq(accept, ",") {
		mediaType, _, _ := strings.Cut(candidate, ";")
		if strings.EqualFold(strings.TrimSpace(mediaType), "application/octet-stream") {
			return true
		}
	}
	return false
}

// upload is an upload under way: its asset exists, in state "starter".
type upload struct {
	repo    *repository
	release *release
	asset   *asset
	// dropAfter, when set, is where the connection breaks.
	dropAfter int64
	drop      bool
}

// POST /repos/{owner}/{repo}/releases/{release_id}/assets on the uploads
// host. The body streams through sha256 to a file and is never held: a
// test may upload gigabytes.
func (s *Server) uploadAsset(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	up, resp := s.startUpload(r)
	s.mu.Unlock()
	if up == nil {
		s.respond(w, resp)
		return
	}

	body := io.Reader(r.Body)
	if up.drop {
		body = io.LimitReader(r.Body, up.dropAfter)
	}
	stored, err := s.storeContent(body)
	if err != nil && !errors.Is(err, errReadBody) {
		s.t.Errorf("githubtest: upload %s: %v", up.asset.Name, err)
	}

	s.mu.Lock()
	up.asset.Size, up.asset.updatedAt = stored.size, s.now()
	complete := err == nil && !up.drop
	switch {
	case complete && stored.size == 0:
		// Refused once read: a chunked body's length is known only then.
		stored.discard()
		up.release.assets = slices.DeleteFunc(up.release.assets, func(other *asset) bool { return other == up.asset })
		up.release.uploads[up.asset.Name] = up.asset.Uploads - 1
		resp = emptyAsset()
	case complete:
		up.asset.State = "uploaded"
		up.asset.Digest = stored.digest
		up.asset.content = stored.content
		resp = s.jsonResponse(http.StatusCreated, s.assetJSON(s.bases(r.Host), up.repo, up.release, up.asset))
	default:
		stored.discard()
	}
	s.mu.Unlock()
	if !complete {
		// A body cut short (the client went away, or sent less than its
		// Content-Length) or an injected failure: no one is left to answer,
		// and the asset stays a starter, as on GitHub.
		dropConnection(s.t, w)
		return
	}
	s.respond(w, resp)
}

// emptyAsset is GitHub's answer to an upload of 0 bytes, as recorded in
// svenstaro/upload-release-action#94 and
// xresloader/upload-to-github-release#37.
func emptyAsset() Response {
	return Unprocessable("Validation Failed", map[string]string{
		"resource": "ReleaseAsset", "code": "custom", "field": "size",
		"message": "size must be greater than or equal to 1",
	})
}

// startUpload checks an upload and creates its starter asset, or returns
// GitHub's refusal. The caller holds s.mu.
func (s *Server) startUpload(r *http.Request) (*upload, Response) {
	repo := s.repository(r.PathValue("owner"), r.PathValue("repo"))
	if repo == nil {
		return nil, NotFound()
	}
	rel := repo.release(parseID(r.PathValue("release_id")))
	if rel == nil {
		return nil, NotFound()
	}
	query := r.URL.Query()
	requested := query.Get("name")
	_, hasLength := r.Header["Content-Length"]
	switch {
	case requested == "":
		return nil, validationFailed("ReleaseAsset", "missing_field", "name")
	case r.Header.Get("Content-Type") == "":
		return nil, validationFailed("ReleaseAsset", "missing_field", "content_type")
	case !hasLength && len(r.TransferEncoding) == 0:
		return nil, errorResponse(http.StatusLengthRequired, nil, errorBody{Message: "Content-Length or chunked Transfer-Encoding required", DocumentationURL: docsURL, Status: "411"})
	case rel.frozen():
		return nil, Unprocessable("Cannot upload assets to an immutable release.")
	}
	final := githubAssetName(requested)
	if slices.ContainsFunc(rel.assets, func(a *asset) bool { return a.Name == final }) {
		return nil, validationFailed("ReleaseAsset", "already_exists", "name")
	}
	up := &upload{repo: repo, release: rel}
	up.dropAfter, up.drop = s.takeUploadFault(requested, final)
	up.asset = s.plantAsset(rel, Asset{
		Name:        final,
		Label:       query.Get("label"),
		ContentType: r.Header.Get("Content-Type"),
		State:       "starter",
	})
	return up, Response{}
}
