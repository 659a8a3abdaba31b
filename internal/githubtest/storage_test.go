package githubtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// followClient follows redirects over the fake's transport, as
// http.DefaultClient does over the network, and sends no token: what a
// program hands DownloadReleaseAsset.
func followClient(fake *Server) *http.Client {
	return &http.Client{Transport: fake.Client().Transport}
}

// noRedirects returns redirects over the fake's transport instead of
// following them, so a test can look at them.
func noRedirects(fake *Server) *http.Client {
	return &http.Client{
		Transport:     fake.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// withToken sends a token with every request, as go-github's WithAuthToken
// and oauth2's transports do, storage requests included.
type withToken struct {
	token string
	next  http.RoundTripper
}

func (wt withToken) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+wt.token)
	return wt.next.RoundTrip(req)
}

// downloadAll downloads an asset of BTCDecoded/bllvm through go-github and
// reads it whole.
func downloadAll(t *testing.T, client *gh.Client, id int64, follow *http.Client) ([]byte, error) {
	t.Helper()
	body, _, err := client.Repositories.DownloadReleaseAsset(t.Context(), testOwner, testRepo, id, follow)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	var got bytes.Buffer
	_, err = io.Copy(&got, body)
	return got.Bytes(), err
}

// send sends req with client and returns the response with its body, read
// whole.
func send(t *testing.T, client *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// repositoryID asks the fake for the ID of BTCDecoded/bllvm, which object
// paths in storage carry.
func repositoryID(t *testing.T, client *gh.Client) int64 {
	t.Helper()
	repo, _, err := client.Repositories.Get(t.Context(), testOwner, testRepo)
	require.NoError(t, err)
	return repo.GetID()
}

func digestOf(content []byte) string {
	sum := sha256.Sum256(content)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestDownloadReleaseAsset(t *testing.T) {
	tests := []struct {
		name     string
		sent     string
		content  string
		planted  bool // by AddAssetContent rather than uploaded
		wantName string
	}{
		{"uploaded text", "SHA256SUMS", "0123abcd  bllvm.tar.gz\n", false, "SHA256SUMS"},
		{"uploaded binary", "bllvm.tar.gz", "\x1f\x8b\x00\x00\xff binary \x00", false, "bllvm.tar.gz"},
		{"renamed on upload", "bllvm linux.tar.gz", "renamed", false, "bllvm.linux.tar.gz"},
		{"larger than a copy buffer", "bllvm.bin", strings.Repeat("0123456789abcdef", 16<<10), false, "bllvm.bin"},
		{"planted with its bytes", "bllvm.zip", "PK\x03\x04 planted", true, "bllvm.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			var id int64
			if tt.planted {
				id = fake.AddAssetContent(repoName, rel.ID, tt.sent, strings.NewReader(tt.content)).ID
			} else {
				uploaded, err := sendAsset(t, client, rel.ID, tt.sent, tt.content)
				require.NoError(t, err)
				id = uploaded.GetID()
			}

			got, err := downloadAll(t, client, id, followClient(fake))

			require.NoError(t, err)
			assert.Equal(t, tt.content, string(got))
			kept, ok := fake.AssetContent(repoName, rel.ID, tt.wantName)
			require.True(t, ok)
			assert.Equal(t, tt.content, string(kept))
			asset := fake.Releases(repoName)[0].Assets[0]
			assert.Equal(t, digestOf([]byte(tt.content)), asset.Digest)
			assert.Equal(t, int64(len(tt.content)), asset.Size)
		})
	}
}

func TestAssetDownloadRedirect(t *testing.T) {
	const content = "\x1f\x8b bllvm"
	tests := []struct {
		name        string
		apiBase     string
		wantStorage string
	}{
		{"github.com", "https://api.github.com", "https://objects.githubusercontent.com"},
		{"GitHub Enterprise Server", "https://ghes.example.com/api/v3", "https://ghes.example.com/storage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := testTime
			fake, client := newGitHub(t, WithClock(func() time.Time { return now }))
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			asset := fake.AddAssetContent(repoName, rel.ID, "bllvm.tar.gz", strings.NewReader(content))
			repoID := itoa(repositoryID(t, client))
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, tt.apiBase+"/repos/BTCDecoded/bllvm/releases/assets/"+itoa(asset.ID), nil)
			require.NoError(t, err)
			req.Header.Set("Accept", "application/octet-stream")
			req.Header.Set("Authorization", "token ghs_secret")

			resp, err := noRedirects(fake).Do(req)

			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusFound, resp.StatusCode)
			assert.Equal(t, "text/html;charset=utf-8", resp.Header.Get("Content-Type"))
			assert.Equal(t, "0", resp.Header.Get("Content-Length"))
			location := resp.Header.Get("Location")
			assert.Regexp(t, `^`+tt.wantStorage+`/github-production-release-asset-2e65be/`+repoID+`/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\?X-Amz-Algorithm=`, location)
			assert.Contains(t, location, "&response-content-disposition=attachment%3B%20filename%3Dbllvm.tar.gz&response-content-type=application%2Foctet-stream", "spaces as %20, as github.com writes them")
			parsed, err := url.Parse(location)
			require.NoError(t, err)
			query := parsed.Query()
			assert.Equal(t, "AWS4-HMAC-SHA256", query.Get("X-Amz-Algorithm"))
			assert.Equal(t, "releaseassetproduction/20251117/us-east-1/s3/aws4_request", query.Get("X-Amz-Credential"))
			assert.Equal(t, "20251117T020000Z", query.Get("X-Amz-Date"))
			assert.Equal(t, "300", query.Get("X-Amz-Expires"))
			assert.Regexp(t, `^[0-9a-f]{64}$`, query.Get("X-Amz-Signature"))
			assert.Equal(t, "host", query.Get("X-Amz-SignedHeaders"))
			assert.Equal(t, repoID, query.Get("repo_id"))

			stored, err := followClient(fake).Get(location)

			require.NoError(t, err)
			defer stored.Body.Close()
			got, err := io.ReadAll(stored.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, stored.StatusCode)
			assert.Equal(t, content, string(got))
			assert.Equal(t, "application/octet-stream", stored.Header.Get("Content-Type"))
			assert.Equal(t, itoa(int64(len(content))), stored.Header.Get("Content-Length"))
			assert.Equal(t, "attachment; filename=bllvm.tar.gz", stored.Header.Get("Content-Disposition"))
			assert.Empty(t, stored.Header.Get("X-RateLimit-Limit"), "storage is not the API")
			requests := fake.Requests()
			last := requests[len(requests)-1]
			assert.Equal(t, parsed.Host, last.Host, "the storage request is recorded")
			assert.Empty(t, last.Header.Get("Authorization"))
		})
	}
}

func TestStorageRefusals(t *testing.T) {
	const content = "bllvm bytes"
	tests := []struct {
		name string
		// change makes the storage request differ from the one the
		// Location asks for, or the world from when it was made.
		change     func(t *testing.T, req *http.Request, clock *Clock, client *gh.Client, assetID int64)
		wantStatus int
		wantCode   string
		wantText   string
	}{
		{
			name:       "as redirected",
			change:     func(*testing.T, *http.Request, *Clock, *gh.Client, int64) {},
			wantStatus: http.StatusOK,
		},
		{
			name: "token sent on to storage",
			change: func(_ *testing.T, req *http.Request, _ *Clock, _ *gh.Client, _ int64) {
				req.Header.Set("Authorization", "Bearer ghs_leaked")
			},
			wantStatus: http.StatusBadRequest, wantCode: "InvalidArgument", wantText: "Only one auth mechanism allowed",
		},
		{
			name:       "no signature",
			change:     func(_ *testing.T, req *http.Request, _ *Clock, _ *gh.Client, _ int64) { req.URL.RawQuery = "" },
			wantStatus: http.StatusForbidden, wantCode: "AccessDenied", wantText: "Access Denied",
		},
		{
			name: "file name changed",
			change: func(_ *testing.T, req *http.Request, _ *Clock, _ *gh.Client, _ int64) {
				query := req.URL.Query()
				query.Set("response-content-disposition", "attachment; filename=other.tar.gz")
				req.URL.RawQuery = query.Encode()
			},
			wantStatus: http.StatusForbidden, wantCode: "SignatureDoesNotMatch",
		},
		{
			name: "another object",
			change: func(_ *testing.T, req *http.Request, _ *Clock, _ *gh.Client, _ int64) {
				req.URL.Path = req.URL.Path[:strings.LastIndex(req.URL.Path, "/")+1] + "00000000-0000-4000-8000-000000000000"
			},
			wantStatus: http.StatusForbidden, wantCode: "SignatureDoesNotMatch",
		},
		{
			name: "HEAD on a URL signed for GET",
			change: func(_ *testing.T, req *http.Request, _ *Clock, _ *gh.Client, _ int64) {
				req.Method = http.MethodHead
			},
			wantStatus: http.StatusForbidden,
		},
		{
			name: "at the last second of the link",
			change: func(_ *testing.T, _ *http.Request, clock *Clock, _ *gh.Client, _ int64) {
				clock.Advance(300 * time.Second)
			},
			wantStatus: http.StatusOK,
		},
		{
			name: "link expired",
			change: func(_ *testing.T, _ *http.Request, clock *Clock, _ *gh.Client, _ int64) {
				clock.Advance(301 * time.Second)
			},
			wantStatus: http.StatusForbidden, wantCode: "AccessDenied", wantText: "Request has expired",
		},
		{
			name: "asset deleted since the redirect",
			change: func(t *testing.T, _ *http.Request, _ *Clock, client *gh.Client, assetID int64) {
				_, err := client.Repositories.DeleteReleaseAsset(t.Context(), testOwner, testRepo, assetID)
				require.NoError(t, err)
			},
			wantStatus: http.StatusNotFound, wantCode: "NoSuchKey", wantText: "The specified key does not exist.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewClock(testTime)
			fake, client := newGitHub(t, WithClock(clock.Now))
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			asset := fake.AddAssetContent(repoName, rel.ID, "bllvm.tar.gz", strings.NewReader(content))
			_, location, err := client.Repositories.DownloadReleaseAsset(t.Context(), testOwner, testRepo, asset.ID, nil)
			require.NoError(t, err)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, location, nil)
			require.NoError(t, err)
			tt.change(t, req, clock, client, asset.ID)

			resp, body := send(t, followClient(fake), req)

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			if tt.wantStatus == http.StatusOK {
				assert.Equal(t, content, string(body))
				return
			}
			assert.Equal(t, "application/xml", resp.Header.Get("Content-Type"))
			if tt.wantCode != "" {
				assert.Contains(t, string(body), "<Code>"+tt.wantCode+"</Code>")
				assert.True(t, strings.HasPrefix(string(body), `<?xml version="1.0" encoding="UTF-8"?>`), "S3's XML: %s", body)
			}
			assert.Contains(t, string(body), tt.wantText)
		})
	}
}

// TestDownloadSendingTheTokenToStorageFails is the mistake the refusal is
// for: a follow client whose transport authenticates every request.
func TestDownloadSendingTheTokenToStorageFails(t *testing.T) {
	tests := []struct {
		name       string
		follow     func(fake *Server) *http.Client
		wantStatus int
	}{
		{"plain follow client", followClient, http.StatusOK},
		{"follow client that authenticates", func(fake *Server) *http.Client {
			return &http.Client{Transport: withToken{token: "ghs_secret", next: fake.Client().Transport}}
		}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			asset := fake.AddAssetContent(repoName, rel.ID, "bllvm.tar.gz", strings.NewReader("bytes"))

			got, err := downloadAll(t, client, asset.ID, tt.follow(fake))

			if tt.wantStatus == http.StatusOK {
				require.NoError(t, err)
				assert.Equal(t, "bytes", string(got))
				return
			}
			requireStatus(t, err, tt.wantStatus)
		})
	}
}

func TestGetReleaseAssetJSON(t *testing.T) {
	tests := []struct {
		name       string
		accept     string
		assetID    func(uploaded int64) int64
		wantStatus int
	}{
		{"no Accept", "", func(id int64) int64 { return id }, http.StatusOK},
		{"JSON", "application/json", func(id int64) int64 { return id }, http.StatusOK},
		{"GitHub's JSON media type", "application/vnd.github+json", func(id int64) int64 { return id }, http.StatusOK},
		{"go-github's default media type", "application/vnd.github.v3+json", func(id int64) int64 { return id }, http.StatusOK},
		{"no such asset", "", func(id int64) int64 { return id + 1000 }, http.StatusNotFound},
		{"no such asset, for its bytes", "application/octet-stream", func(id int64) int64 { return id + 1000 }, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := testTime
			fake, client := newGitHub(t, WithClock(func() time.Time { return now }))
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			uploaded, err := sendAsset(t, client, rel.ID, "bllvm.tar.gz", "bytes")
			require.NoError(t, err)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.github.com/repos/BTCDecoded/bllvm/releases/assets/"+itoa(tt.assetID(uploaded.GetID())), nil)
			require.NoError(t, err)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}

			resp, err := noRedirects(fake).Do(req)

			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
			if tt.wantStatus == http.StatusNotFound {
				var got gh.ErrorResponse
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
				assert.Equal(t, "Not Found", got.Message)
				assert.Equal(t, "https://docs.github.com/rest/releases/assets#get-a-release-asset", got.DocumentationURL)
				return
			}
			var got gh.ReleaseAsset
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
			assert.Equal(t, *uploaded, got, "the JSON of the upload and of the listing")
			assert.Equal(t, "Mon, 17 Nov 2025 02:00:00 GMT", resp.Header.Get("Last-Modified"))
		})
	}
}

func TestDownloadCountsDownloads(t *testing.T) {
	fake, client := newGitHub(t)
	rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
	asset := fake.AddAssetContent(repoName, rel.ID, "bllvm.tar.gz", strings.NewReader("bytes"))

	for range 2 {
		_, err := downloadAll(t, client, asset.ID, followClient(fake))
		require.NoError(t, err)
	}

	got, _, err := client.Repositories.GetReleaseAsset(t.Context(), testOwner, testRepo, asset.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.GetDownloadCount())
}

// TestDownloadStreamsTheBody uploads and downloads 100 MiB. It asserts on
// the bytes; BenchmarkDownload reports what the round trip allocates.
func TestDownloadStreamsTheBody(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads and downloads 100 MiB")
	}
	const size = 100 << 20
	fake, client := newGitHub(t)
	rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
	file, want := bigFile(t, size)
	uploaded, _, err := client.Repositories.UploadReleaseAsset(t.Context(), testOwner, testRepo, rel.ID, &gh.UploadOptions{Name: "bllvm-big.bin"}, file)
	require.NoError(t, err)

	body, _, err := client.Repositories.DownloadReleaseAsset(t.Context(), testOwner, testRepo, uploaded.GetID(), followClient(fake))

	require.NoError(t, err)
	defer body.Close()
	hash := sha256.New()
	n, err := io.Copy(hash, body)
	require.NoError(t, err)
	assert.Equal(t, int64(size), n)
	assert.Equal(t, want, "sha256:"+hex.EncodeToString(hash.Sum(nil)))
}

// bigFile writes size bytes that are not all alike (a sparse file would
// hide a fake that serves zeros) and opens it; it returns their digest.
func bigFile(t testing.TB, size int64) (*os.File, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bllvm-big.bin")
	file, err := os.Create(path)
	require.NoError(t, err)
	t.Cleanup(func() { file.Close() })
	block := make([]byte, 1<<20)
	hash := sha256.New()
	for i := int64(0); i < size; i += int64(len(block)) {
		for j := range block {
			block[j] = byte(i>>20) ^ byte(j)
		}
		chunk := block[:min(int64(len(block)), size-i)]
		_, err := file.Write(chunk)
		require.NoError(t, err)
		hash.Write(chunk)
	}
	_, err = file.Seek(0, io.SeekStart)
	require.NoError(t, err)
	return file, "sha256:" + hex.EncodeToString(hash.Sum(nil))
}

func BenchmarkDownload(b *testing.B) {
	const size = 64 << 20
	fake := New(b, WithRepository(repoName))
	client := gh.NewClient(fake.Client())
	rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
	file, _ := bigFile(b, size)
	asset := fake.AddAssetContent(repoName, rel.ID, "bllvm-big.bin", file)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		body, _, err := client.Repositories.DownloadReleaseAsset(b.Context(), testOwner, testRepo, asset.ID, followClient(fake))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			b.Fatal(err)
		}
		body.Close()
	}
}

func TestFailDownloadAfter(t *testing.T) {
	content := strings.Repeat("0123456789abcdef", 4<<10)
	tests := []struct {
		name     string
		failName string
		after    int64
		wantCut  bool
	}{
		{"cut after some bytes", "bllvm.tar.gz", 1024, true},
		{"cut before any byte", "bllvm.tar.gz", 0, true},
		{"fault on another asset", "other.tar.gz", 1024, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			asset := fake.AddAssetContent(repoName, rel.ID, "bllvm.tar.gz", strings.NewReader(content))
			fake.FailDownloadAfter(tt.failName, tt.after)

			got, err := downloadAll(t, client, asset.ID, followClient(fake))

			if !tt.wantCut {
				require.NoError(t, err)
				assert.Equal(t, content, string(got))
				return
			}
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			assert.Equal(t, content[:tt.after], string(got), "the bytes before the cut arrive")
			// A client resumes where the cut left it, as S3 serves ranges.
			_, location, err := client.Repositories.DownloadReleaseAsset(t.Context(), testOwner, testRepo, asset.ID, nil)
			require.NoError(t, err)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, location, nil)
			require.NoError(t, err)
			req.Header.Set("Range", "bytes="+itoa(int64(len(got)))+"-")
			resp, err := followClient(fake).Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			rest, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, http.StatusPartialContent, resp.StatusCode)
			assert.Equal(t, content, string(got)+string(rest))
			again, err := downloadAll(t, client, asset.ID, followClient(fake))
			require.NoError(t, err, "the fault was used up")
			assert.Equal(t, content, string(again))
		})
	}
}

// TestFaultsOnTheDownloadRequest injects faults into the API request of a
// download, which Fail and FailConn match like any other.
func TestFaultsOnTheDownloadRequest(t *testing.T) {
	tests := []struct {
		name   string
		inject func(fake *Server)
		check  func(t *testing.T, err error)
	}{
		{"server error", func(fake *Server) {
			fake.Fail(http.MethodGet, "/repos/*/*/releases/assets/*", BadGateway())
		}, func(t *testing.T, err error) { requireStatus(t, err, http.StatusBadGateway) }},
		{"dropped connection", func(fake *Server) {
			fake.FailConn(http.MethodGet, "/repos/BTCDecoded/bllvm/releases/assets/*", 1)
		}, func(t *testing.T, err error) { require.Error(t, err) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			asset := fake.AddAssetContent(repoName, rel.ID, "bllvm.tar.gz", strings.NewReader("bytes"))
			tt.inject(fake)

			_, err := downloadAll(t, client, asset.ID, followClient(fake))

			tt.check(t, err)
			got, err := downloadAll(t, client, asset.ID, followClient(fake))
			require.NoError(t, err, "the fault was used up")
			assert.Equal(t, "bytes", string(got))
		})
	}
}

func TestDownloadWithoutBytes(t *testing.T) {
	tests := []struct {
		name       string
		asset      Asset
		wantStatus int
		// wantReport is what the fake reports to the test, "" for nothing.
		wantReport string
	}{
		{"planted by AddAsset", Asset{Name: "bllvm.tar.gz", Size: 5}, http.StatusNotFound, "plant it with AddAssetContent"},
		{"starter of a failed upload", Asset{Name: "bllvm.tar.gz", Size: 5, State: "starter"}, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recorder := &recordingTB{TB: t}
			fake := New(recorder, WithRepository(repoName))
			client := gh.NewClient(fake.Client())
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			asset := fake.AddAsset(repoName, rel.ID, tt.asset)

			_, err := downloadAll(t, client, asset.ID, followClient(fake))

			requireStatus(t, err, tt.wantStatus)
			_, kept := fake.AssetContent(repoName, rel.ID, tt.asset.Name)
			assert.False(t, kept)
			if tt.wantReport == "" {
				assert.Empty(t, recorder.reported())
				return
			}
			require.Len(t, recorder.reported(), 1)
			assert.Contains(t, recorder.reported()[0], tt.wantReport)
		})
	}
}

func TestAddAssetContent(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{"text", "0123abcd  bllvm.tar.gz\n"},
		{"several reads long", strings.Repeat("x", 100<<10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, _ := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})

			got := fake.AddAssetContent(repoName, rel.ID, "bllvm linux.tar.gz", strings.NewReader(tt.content))

			want := Asset{
				ID: got.ID, Name: "bllvm linux.tar.gz", ContentType: "application/octet-stream", State: "uploaded",
				Size: int64(len(tt.content)), Digest: digestOf([]byte(tt.content)), Uploads: 1,
			}
			assert.Equal(t, want, got, "the name kept as given")
			assert.Equal(t, []Asset{want}, fake.Releases(repoName)[0].Assets)
			kept, ok := fake.AssetContent(repoName, rel.ID, "bllvm linux.tar.gz")
			require.True(t, ok)
			assert.Equal(t, tt.content, string(kept))
			_, ok = fake.AssetContent(repoName, rel.ID, "other.tar.gz")
			assert.False(t, ok, "no such asset")
		})
	}
}

func TestDeletingAnAssetRemovesItsBytes(t *testing.T) {
	tests := []struct {
		name   string
		delete func(t *testing.T, client *gh.Client, releaseID, assetID int64)
	}{
		{"asset deleted", func(t *testing.T, client *gh.Client, _, assetID int64) {
			_, err := client.Repositories.DeleteReleaseAsset(t.Context(), testOwner, testRepo, assetID)
			require.NoError(t, err)
		}},
		{"release deleted", func(t *testing.T, client *gh.Client, releaseID, _ int64) {
			_, err := client.Repositories.DeleteRelease(t.Context(), testOwner, testRepo, releaseID)
			require.NoError(t, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			uploaded, err := sendAsset(t, client, rel.ID, "bllvm.tar.gz", "bytes")
			require.NoError(t, err)
			kept, err := os.ReadDir(fake.assetDir)
			require.NoError(t, err)
			require.Len(t, kept, 1, "the upload is on disk")

			tt.delete(t, client, rel.ID, uploaded.GetID())

			kept, err = os.ReadDir(fake.assetDir)
			require.NoError(t, err)
			assert.Empty(t, kept)
		})
	}
}

func TestFailedUploadKeepsNoBytes(t *testing.T) {
	fake, client := newGitHub(t)
	rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
	fake.FailUploadAfter("bllvm.tar.gz", 1024)

	_, err := sendAsset(t, client, rel.ID, "bllvm.tar.gz", strings.Repeat("x", 64<<10))

	require.Error(t, err)
	assert.Equal(t, "starter", fake.Releases(repoName)[0].Assets[0].State)
	kept, err := os.ReadDir(fake.assetDir)
	require.NoError(t, err)
	assert.Empty(t, kept, "a starter has no bytes")
}

// TestRedirectDownloads plays a storage host that sends its client on,
// for the tests of a client that must not follow it everywhere.
func TestRedirectDownloads(t *testing.T) {
	const content = "bllvm bytes"
	tests := []struct {
		name     string
		redirect string // the asset RedirectDownloads is about
		location string
		n        int
		wantHops []string // each redirect's Location, "self" for the download's own URL
	}{
		{"to GitHub's API", "bllvm.tar.gz", "https://api.github.com/repos/BTCDecoded/bllvm", 1, []string{"https://api.github.com/repos/BTCDecoded/bllvm"}},
		{"a chain of two within storage, then the bytes", "bllvm.tar.gz", "", 2, []string{"self", "self"}},
		{"another asset's downloads", "other.tar.gz", "https://api.github.com/", 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			asset := fake.AddAssetContent(repoName, rel.ID, "bllvm.tar.gz", strings.NewReader(content))
			fake.RedirectDownloads(tt.redirect, tt.location, tt.n)
			_, location, err := client.Repositories.DownloadReleaseAsset(t.Context(), testOwner, testRepo, asset.ID, nil)
			require.NoError(t, err)
			signed, err := url.Parse(location)
			require.NoError(t, err)

			var hops []string
			for range len(tt.wantHops) + 1 {
				resp, err := noRedirects(fake).Get(location)
				require.NoError(t, err)
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.NoError(t, err)
				if resp.StatusCode != http.StatusFound {
					assert.Equal(t, http.StatusOK, resp.StatusCode)
					assert.Equal(t, content, string(body))
					break
				}
				next, err := signed.Parse(resp.Header.Get("Location"))
				require.NoError(t, err)
				if next.String() == signed.String() {
					hops = append(hops, "self")
				} else {
					hops = append(hops, next.String())
				}
				if next.Host != signed.Host {
					break
				}
			}

			assert.Equal(t, tt.wantHops, hops)
			got, err := downloadAll(t, client, asset.ID, followClient(fake))
			require.NoError(t, err, "the redirects were used up")
			assert.Equal(t, content, string(got))
		})
	}
}

// TestCorruptDownloads plays storage holding other bytes than GitHub lists
// the digest of: as many, one changed, on every download.
func TestCorruptDownloads(t *testing.T) {
	content := strings.Repeat("0123456789abcdef", 4<<10)
	tests := []struct {
		name        string
		corrupt     string
		cutAfter    int64 // a FailDownloadAfter besides, when > 0
		wantCorrupt bool
	}{
		{"the first byte changed, the length kept", "bllvm.tar.gz", 0, true},
		{"another asset's bytes", "other.tar.gz", 0, false},
		{"with a cut besides: the bytes before it, changed", "bllvm.tar.gz", 1024, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newGitHub(t)
			rel := fake.AddRelease(repoName, Release{TagName: "v1", Draft: true})
			asset := fake.AddAssetContent(repoName, rel.ID, "bllvm.tar.gz", strings.NewReader(content))
			fake.CorruptDownloads(tt.corrupt)
			want := content
			if tt.wantCorrupt {
				want = string([]byte{content[0] ^ 0xff}) + content[1:]
			}
			if tt.cutAfter > 0 {
				fake.FailDownloadAfter("bllvm.tar.gz", tt.cutAfter)
				got, err := downloadAll(t, client, asset.ID, followClient(fake))
				require.ErrorIs(t, err, io.ErrUnexpectedEOF)
				assert.Equal(t, want[:tt.cutAfter], string(got))
			}

			for range 2 {
				got, err := downloadAll(t, client, asset.ID, followClient(fake))
				require.NoError(t, err)
				assert.Equal(t, want, string(got), "every download")
			}
			assert.Equal(t, digestOf([]byte(content)), fake.Releases(repoName)[0].Assets[0].Digest, "the listing is unchanged")
		})
	}
}
