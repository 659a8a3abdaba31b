package githubtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGitHubAssetName(t *testing.T) {
	tests := []struct {
		name string
		sent string
		want string
	}{
		{"plain name kept", "bllvm-1.2.3-linux-x86_64.tar.gz", "bllvm-1.2.3-linux-x86_64.tar.gz"},
		{"plus, at and underscore kept", "bllvm+musl@v1_2.zip", "bllvm+musl@v1_2.zip"},
		{"space becomes a period", "My App 1.0.0 Setup.exe", "My.App.1.0.0.Setup.exe"},
		{"tilde becomes a period", "tobwen-1.1.0-1~buster_amd64.deb", "tobwen-1.1.0-1.buster_amd64.deb"},
		{"colon becomes a period", "pkg-1:2.0-1.pkg.tar.zst", "pkg-1.2.0-1.pkg.tar.zst"},
		{"parentheses become periods", "app-v1.3.0-(15-5)-release.apk", "app-v1.3.0-.15-5.-release.apk"},
		{"runs of periods collapse", "fake.      file.txt", "fake.file.txt"},
		{"a run of other characters is one period", "erick%%%%%!!!zhao.txt", "erick.zhao.txt"},
		{"non-ASCII becomes a period", "résumé.pdf", "r.sum.pdf"},
		{"leading period gets a name", ".config", "default.config"},
		{"trailing period dropped", "notes.", "notes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, githubAssetName(tt.sent))
		})
	}
}

func TestUploadAsset(t *testing.T) {
	const content = "\x1f\x8b bllvm binary"
	digest := sha256.Sum256([]byte(content))
	tests := []struct {
		name      string
		sent      string
		label     string
		mediaType string
		wantName  string
	}{
		{"name kept", "bllvm-linux-x86_64.tar.gz", "", "application/gzip", "bllvm-linux-x86_64.tar.gz"},
		{"name renamed", "bllvm linux (x86_64).tar.gz", "Linux x86_64", "application/gzip", "bllvm.linux.x86_64.tar.gz"},
		{"any media type", "SHA256SUMS", "", "text/plain; charset=utf-8", "SHA256SUMS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := testTime
			fake, client := newGitHub(t, WithClock(func() time.Time { return now }))
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})

			uploaded, resp, err := client.Repositories.UploadReleaseAsset(t.Context(), testOwner, testRepo, rel.ID,
				&gh.UploadOptions{Name: tt.sent, Label: tt.label, MediaType: tt.mediaType}, assetFile(t, "asset", content))

			require.NoError(t, err)
			assert.Equal(t, http.StatusCreated, resp.StatusCode)
			want := Asset{
				ID: uploaded.GetID(), Name: tt.wantName, Label: tt.label, ContentType: tt.mediaType, State: "uploaded",
				Size: int64(len(content)), Digest: "sha256:" + hex.EncodeToString(digest[:]), Uploads: 1,
			}
			assert.Equal(t, []Asset{want}, fake.Releases(repoName)[0].Assets)
			assert.Equal(t, tt.wantName, uploaded.GetName())
			assert.Equal(t, "uploaded", uploaded.GetState())
			assert.Equal(t, len(content), uploaded.GetSize())
			assert.Equal(t, fmt.Sprintf("https://github.com/BTCDecoded/bllvm/releases/download/untagged-%020x/%s", rel.ID, tt.wantName), uploaded.GetBrowserDownloadURL(),
				"a draft's assets are served under its placeholder tag")

			listed, _, err := client.Repositories.ListReleaseAssets(t.Context(), testOwner, testRepo, rel.ID, nil)
			require.NoError(t, err)
			require.Len(t, listed, 1)
			assert.Equal(t, uploaded, listed[0])
			status, body := do(t, fake.Client(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/releases/"+itoa(rel.ID)+"/assets", "", nil)
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, `"digest":"`+want.Digest+`"`)
			assert.Contains(t, body, `"download_count":0`)
			assert.Contains(t, body, `"created_at":"2025-11-17T02:00:00Z"`)
		})
	}
}

// A draft's assets are downloaded from under its placeholder tag until it
// is published; then from under its tag, which the answer that publishes
// it shows.
func TestDownloadURLFollowsPublishing(t *testing.T) {
	tests := []struct {
		name    string
		draft   bool
		wantTag func(id int64) string
	}{
		{"draft", true, func(id int64) string { return fmt.Sprintf("untagged-%020x", id) }},
		{"published", false, func(int64) string { return "v1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			fake.SetBranch(repoName, "main", shaMain)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			uploaded, err := sendAsset(t, client, rel.ID, "bllvm.tar.gz", "bytes")
			require.NoError(t, err)
			draftURL := fmt.Sprintf("https://github.com/BTCDecoded/bllvm/releases/download/untagged-%020x/bllvm.tar.gz", rel.ID)
			assert.Equal(t, draftURL, uploaded.GetBrowserDownloadURL())

			answer, _, err := client.Repositories.EditRelease(t.Context(), testOwner, testRepo, rel.ID, &gh.RepositoryRelease{Draft: gh.Bool(tt.draft)})

			require.NoError(t, err)
			require.Len(t, answer.Assets, 1)
			want := "https://github.com/BTCDecoded/bllvm/releases/download/" + tt.wantTag(rel.ID) + "/bllvm.tar.gz"
			assert.Equal(t, want, answer.Assets[0].GetBrowserDownloadURL())
			listed, _, err := client.Repositories.ListReleaseAssets(t.Context(), testOwner, testRepo, rel.ID, nil)
			require.NoError(t, err)
			assert.Equal(t, want, listed[0].GetBrowserDownloadURL())
		})
	}
}

func TestUploadRefusals(t *testing.T) {
	tests := []struct {
		name string
		// existing is the name of an asset already in the release.
		existing   string
		sent       string
		content    string
		wantStatus int
		wantError  gh.Error
	}{
		{"same name", "bllvm.tar.gz", "bllvm.tar.gz", "bytes", http.StatusUnprocessableEntity, gh.Error{Resource: "ReleaseAsset", Code: "already_exists", Field: "name"}},
		{"same name once renamed", "bllvm.linux.tar.gz", "bllvm linux.tar.gz", "bytes", http.StatusUnprocessableEntity, gh.Error{Resource: "ReleaseAsset", Code: "already_exists", Field: "name"}},
		{"other name", "bllvm.tar.gz", "bllvm.zip", "bytes", http.StatusCreated, gh.Error{}},
		// As GitHub answers (svenstaro/upload-release-action#94,
		// xresloader/upload-to-github-release#37); no asset is left.
		{"empty file", "bllvm.tar.gz", "empty.txt", "", http.StatusUnprocessableEntity, gh.Error{Resource: "ReleaseAsset", Code: "custom", Field: "size", Message: "size must be greater than or equal to 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true, Assets: []Asset{{Name: tt.existing}}})

			_, err := sendAsset(t, client, rel.ID, tt.sent, tt.content)

			if tt.wantStatus == http.StatusCreated {
				require.NoError(t, err)
				assert.Len(t, fake.Releases(repoName)[0].Assets, 2)
				return
			}
			ghErr := requireStatus(t, err, tt.wantStatus)
			assert.Equal(t, []gh.Error{tt.wantError}, ghErr.Errors)
			assert.Len(t, fake.Releases(repoName)[0].Assets, 1)
		})
	}
}

// TestUploadRequestChecks sends what the contract would refuse, to see the
// fake refuse it too.
func TestUploadRequestChecks(t *testing.T) {
	tests := []struct {
		name       string
		url        string
		header     map[string]string
		wantStatus int
		wantBody   string
	}{
		{"no name", "https://uploads.github.com/repos/BTCDecoded/bllvm/releases/{id}/assets", map[string]string{"Content-Type": "application/gzip"}, http.StatusUnprocessableEntity, `"field":"name"`},
		{"no content type", "https://uploads.github.com/repos/BTCDecoded/bllvm/releases/{id}/assets?name=a.tgz", nil, http.StatusUnprocessableEntity, `"field":"content_type"`},
		{"no such release", "https://uploads.github.com/repos/BTCDecoded/bllvm/releases/999/assets?name=a.tgz", map[string]string{"Content-Type": "application/gzip"}, http.StatusNotFound, `"Not Found"`},
		{"on the API host", "https://api.github.com/repos/BTCDecoded/bllvm/releases/{id}/assets?name=a.tgz", map[string]string{"Content-Type": "application/gzip"}, http.StatusNotFound, `"Not Found"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			unchecked := &http.Client{Transport: fake.client.Transport.(contractTransport).next}

			status, body := do(t, unchecked, http.MethodPost, strings.ReplaceAll(tt.url, "{id}", itoa(rel.ID)), "bytes", tt.header)

			assert.Equal(t, tt.wantStatus, status)
			assert.Contains(t, body, tt.wantBody)
			assert.Empty(t, fake.Releases(repoName)[0].Assets)
		})
	}
}

// TestUploadBodyLength sends bodies of a length said up front and of one
// known only once read (chunked).
func TestUploadBodyLength(t *testing.T) {
	tests := []struct {
		name       string
		parts      []string
		wantStatus int
		wantSizes  []int64
	}{
		{"chunked bytes", []string{"chunked ", "bytes"}, http.StatusCreated, []int64{int64(len("chunked bytes"))}},
		{"chunked, empty once read", []string{"", ""}, http.StatusUnprocessableEntity, nil},
		{"Content-Length: 0", nil, http.StatusUnprocessableEntity, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := New(t, WithRepository(repoName))
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			// A reader of unknown length makes net/http send the body
			// chunked; no body at all, Content-Length: 0.
			body := io.Reader(http.NoBody)
			if tt.parts != nil {
				var readers []io.Reader
				for _, part := range tt.parts {
					readers = append(readers, strings.NewReader(part))
				}
				body = io.MultiReader(readers...)
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://uploads.github.com/repos/BTCDecoded/bllvm/releases/"+itoa(rel.ID)+"/assets?name=a.txt", body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", "text/plain")

			resp, err := fake.Client().Do(req)

			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			var sizes []int64
			for _, a := range fake.Releases(repoName)[0].Assets {
				sizes = append(sizes, a.Size)
			}
			assert.Equal(t, tt.wantSizes, sizes)
		})
	}
}

// TestUploadStreamsTheBody uploads 256 MiB and fails if the process
// allocated anything near that: the fake (and the contract check before
// it) must stream an upload, not hold it.
func TestUploadStreamsTheBody(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 256 MiB")
	}
	const size = 256 << 20
	fake, client := newGitHub(t)
	rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
	// A sparse file: 256 MiB of zeros that take no disk and no memory.
	path := filepath.Join(t.TempDir(), "bllvm-big.bin")
	file, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, file.Truncate(size))
	hash := sha256.New()
	_, err = io.Copy(hash, file)
	require.NoError(t, err)
	_, err = file.Seek(0, io.SeekStart)
	require.NoError(t, err)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	_, _, err = client.Repositories.UploadReleaseAsset(t.Context(), testOwner, testRepo, rel.ID, &gh.UploadOptions{Name: "bllvm-big.bin"}, file)

	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(32<<20), "uploading %d MiB allocated %d MiB: the upload was buffered", size>>20, allocated>>20)
	got := fake.Releases(repoName)[0].Assets[0]
	assert.Equal(t, int64(size), got.Size)
	assert.Equal(t, "sha256:"+hex.EncodeToString(hash.Sum(nil)), got.Digest)
}

func TestDroppedUploadLeavesAStarter(t *testing.T) {
	tests := []struct {
		name     string
		failName string
		sent     string
		wantName string
	}{
		{"fault on the name as sent", "bllvm-linux.tar.gz", "bllvm-linux.tar.gz", "bllvm-linux.tar.gz"},
		{"fault on the name as renamed", "bllvm.linux.tar.gz", "bllvm linux.tar.gz", "bllvm.linux.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			fake.FailUploadAfter(tt.failName, 1024)
			content := strings.Repeat("x", 64<<10)

			_, err := sendAsset(t, client, rel.ID, tt.sent, content)

			require.Error(t, err, "the connection drops mid-upload")
			starter := fake.Releases(repoName)[0].Assets
			require.Len(t, starter, 1)
			assert.Equal(t, Asset{ID: starter[0].ID, Name: tt.wantName, ContentType: "application/octet-stream", State: "starter", Size: 1024, Uploads: 1}, starter[0])

			_, err = sendAsset(t, client, rel.ID, tt.sent, content)
			ghErr := requireStatus(t, err, http.StatusUnprocessableEntity)
			assert.Equal(t, "already_exists", ghErr.Errors[0].Code, "the starter blocks the name")

			_, err = client.Repositories.DeleteReleaseAsset(t.Context(), testOwner, testRepo, starter[0].ID)
			require.NoError(t, err)
			uploaded, err := sendAsset(t, client, rel.ID, tt.sent, content)
			require.NoError(t, err, "the fault was used up, and the name is free again")
			assets := fake.Releases(repoName)[0].Assets
			require.Len(t, assets, 1)
			assert.Equal(t, uploaded.GetID(), assets[0].ID)
			assert.Equal(t, "uploaded", assets[0].State)
			assert.Equal(t, int64(len(content)), assets[0].Size)
			assert.Equal(t, 2, assets[0].Uploads)
		})
	}
}

// TestShortUploadLeavesAStarter sends fewer bytes than Content-Length
// says, as a client that dies mid-upload does.
func TestShortUploadLeavesAStarter(t *testing.T) {
	fake := New(t, WithRepository(repoName))
	rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
	sent := strings.Repeat("x", 64<<10)
	// Not a *strings.Reader, whose length net/http would take as is.
	body := io.MultiReader(strings.NewReader(sent))
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "https://uploads.github.com/repos/BTCDecoded/bllvm/releases/"+itoa(rel.ID)+"/assets?name=a.bin", body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.ContentLength = int64(2 * len(sent))

	_, err = fake.Client().Do(req)

	require.Error(t, err)
	// The client gives up on its own; the fake reads what arrived after.
	require.Eventually(t, func() bool {
		assets := fake.Releases(repoName)[0].Assets
		return len(assets) == 1 && assets[0].Size > 0
	}, 5*time.Second, 10*time.Millisecond)
	got := fake.Releases(repoName)[0].Assets[0]
	assert.Equal(t, "starter", got.State)
	assert.Less(t, got.Size, req.ContentLength)
	assert.Empty(t, got.Digest)
}
