package github

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	gh "github.com/google/go-github/v66/github"
)

// ReleaseByTag reads the published release of tag (GET
// releases/tags/{tag}, which never answers a draft) with its assets as
// the answer lists them, digests included (go-github v66 drops them): one
// request.
func ReleaseByTag(ctx context.Context, client *gh.Client, owner, repo, tag string) (*gh.RepositoryRelease, []Asset, error) {
	route := fmt.Sprintf("GET /repos/%s/%s/releases/tags/%s", owner, repo, tag)
	req, err := client.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/tags/%s", url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(tag)), nil)
	if err != nil {
		return nil, nil, err
	}
	var raw json.RawMessage
	if _, err := client.Do(ctx, req, &raw); err != nil {
		return nil, nil, err
	}
	var rel gh.RepositoryRelease
	var withAssets struct {
		Assets []Asset `json:"assets"`
	}
	if err := json.Unmarshal(raw, &rel); err != nil {
		return nil, nil, Malformed(route, "the answer is not a release")
	}
	if err := json.Unmarshal(raw, &withAssets); err != nil {
		return nil, nil, Malformed(route, "its assets are not a list of assets")
	}
	if rel.GetID() == 0 {
		return nil, nil, Malformed(route, "the answer is not a release")
	}
	return &rel, withAssets.Assets, nil
}

// ReadAsset downloads a release asset of at most most bytes, whole, as
// carried assets are downloaded: through GitHub's redirect to its storage,
// which never gets the token. An asset GitHub lists as larger is refused
// before any request, and a download is never read past most bytes. When
// GitHub lists the asset's sha256 digest, the bytes must have it.
func (r Repo) ReadAsset(ctx context.Context, asset Asset, most int64) ([]byte, error) {
	if asset.Size > most {
		return nil, fmt.Errorf("read asset %s: GitHub lists %d bytes; at most %d are read", asset.Name, asset.Size, most)
	}
	body, err := r.download(withBudget(ctx), asset)
	if err != nil {
		return nil, fmt.Errorf("read asset %s: %w", asset.Name, err)
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, most+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("read asset %s: %w", asset.Name, err)
	case int64(len(data)) > most:
		return nil, fmt.Errorf("read asset %s: GitHub's storage served more than %d bytes", asset.Name, most)
	case int64(len(data)) != asset.Size:
		return nil, fmt.Errorf("read asset %s: GitHub's storage served %d bytes, the asset has %d", asset.Name, len(data), asset.Size)
	}
	if sha256Digest.MatchString(asset.Digest) {
		sum := sha256.Sum256(data)
		if served := "sha256:" + hex.EncodeToString(sum[:]); served != asset.Digest {
			return nil, fmt.Errorf("read asset %s: %w", asset.Name, &DigestMismatchError{Asset: asset.Name, Listed: asset.Digest, Served: served})
		}
	}
	return data, nil
}
