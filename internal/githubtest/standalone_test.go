package githubtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// enterpriseClient is a go-github client for the standalone server at its
// API base URL, as the action builds one for an api-url input.
func enterpriseClient(t *testing.T, baseURL, token string) *gh.Client {
	t.Helper()
	return enterpriseClientOver(t, nil, baseURL, token)
}

// enterpriseClientOver is enterpriseClient over httpClient, such as one
// that trusts the certificate of a server started with TLS.
func enterpriseClientOver(t *testing.T, httpClient *http.Client, baseURL, token string) *gh.Client {
	t.Helper()
	uploads := strings.TrimSuffix(baseURL, "/api/v3") + "/api/uploads/"
	client, err := gh.NewClient(httpClient).WithAuthToken(token).WithEnterpriseURLs(baseURL+"/", uploads)
	require.NoError(t, err)
	return client
}

// trusting is an HTTP client whose only root is the certificate certPEM.
func trusting(t *testing.T, certPEM []byte) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(certPEM), "a PEM certificate: %q", certPEM)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
}

func TestStandaloneServesEnterpriseClients(t *testing.T) {
	var log bytes.Buffer
	fake, baseURL, closeFn, err := NewStandalone(WithRepository(repoName), WithToken("ghs_bench"), WithLog(&log))
	require.NoError(t, err)
	t.Cleanup(closeFn)
	require.Regexp(t, `^http://127\.0\.0\.1:[0-9]+/api/v3$`, baseURL)
	root := strings.TrimSuffix(baseURL, "/api/v3")
	client := enterpriseClient(t, baseURL, "ghs_bench")
	fake.SetBranch(repoName, "main", shaMain)

	created, _, err := client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &gh.RepositoryRelease{TagName: gh.String("v1"), Draft: gh.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, root+"/api/uploads/repos/BTCDecoded/bllvm/releases/"+itoa(created.GetID())+"/assets{?name,label}", created.GetUploadURL(),
		"the upload URL is the server's own, over http")
	uploaded, _, err := client.Repositories.UploadReleaseAsset(t.Context(), testOwner, testRepo, created.GetID(), &gh.UploadOptions{Name: "bllvm.tar.gz"}, assetFile(t, "bllvm.tar.gz", "bytes"))
	require.NoError(t, err)
	assert.Equal(t, root+"/BTCDecoded/bllvm/releases/download/untagged-"+fmt.Sprintf("%020x", created.GetID())+"/bllvm.tar.gz", uploaded.GetBrowserDownloadURL())
	_, _, err = client.Repositories.EditRelease(t.Context(), testOwner, testRepo, created.GetID(), &gh.RepositoryRelease{Draft: gh.Bool(false)})
	require.NoError(t, err)
	published, _, err := client.Repositories.GetReleaseByTag(t.Context(), testOwner, testRepo, "v1")
	require.NoError(t, err)
	require.Len(t, published.Assets, 1)
	assert.Equal(t, root+"/BTCDecoded/bllvm/releases/download/v1/bllvm.tar.gz", published.Assets[0].GetBrowserDownloadURL())
	assert.Equal(t, map[string]string{"v1": shaMain}, fake.Tags(repoName))
	assert.Empty(t, log.String(), "nothing went wrong")

	_, resp, err := enterpriseClient(t, baseURL, "ghs_wrong").Repositories.GetReleaseByTag(t.Context(), testOwner, testRepo, "v1")
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	status, body := do(t, fake.Client(), http.MethodGet, root+"/BTCDecoded/bllvm", "", nil)
	assert.Equal(t, http.StatusNotFound, status, "outside /api/v3 and /api/uploads")
	assert.Contains(t, body, "Not Found")
}

func TestStandaloneServesTLS(t *testing.T) {
	var log syncBuffer
	fake, baseURL, certPEM, closeFn, err := Standalone{TLS: true}.Start(WithRepository(repoName), WithToken("ghs_bench"), WithLog(&log))
	require.NoError(t, err)
	t.Cleanup(closeFn)
	require.Regexp(t, `^https://127\.0\.0\.1:[0-9]+/api/v3$`, baseURL)
	root := strings.TrimSuffix(baseURL, "/api/v3")
	client := enterpriseClientOver(t, trusting(t, certPEM), baseURL, "ghs_bench")

	created, _, err := client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &gh.RepositoryRelease{TagName: gh.String("v1"), TargetCommitish: gh.String(shaMain), Draft: gh.Bool(true)})
	require.NoError(t, err)
	assert.Equal(t, root+"/api/uploads/repos/BTCDecoded/bllvm/releases/"+itoa(created.GetID())+"/assets{?name,label}", created.GetUploadURL(),
		"the upload URL is the server's own, over https")
	_, _, err = client.Repositories.UploadReleaseAsset(t.Context(), testOwner, testRepo, created.GetID(), &gh.UploadOptions{Name: "bllvm.tar.gz"}, assetFile(t, "bllvm.tar.gz", "bytes"))
	require.NoError(t, err)
	published, _, err := client.Repositories.EditRelease(t.Context(), testOwner, testRepo, created.GetID(), &gh.RepositoryRelease{Draft: gh.Bool(false)})
	require.NoError(t, err)
	assert.Equal(t, root+"/BTCDecoded/bllvm/releases/tag/v1", published.GetHTMLURL())
	assert.Equal(t, map[string]string{"v1": shaMain}, fake.Tags(repoName))
	status, _ := do(t, fake.Client(), http.MethodGet, baseURL+"/repos/BTCDecoded/bllvm", "", map[string]string{"Authorization": "token ghs_bench"})
	assert.Equal(t, http.StatusOK, status, "the fake's own client trusts its certificate")
	assert.Empty(t, log.String(), "nothing went wrong")

	_, _, err = enterpriseClient(t, baseURL, "ghs_bench").Repositories.Get(t.Context(), testOwner, testRepo)
	var unknownAuthority x509.UnknownAuthorityError
	require.ErrorAs(t, err, &unknownAuthority, "a client that does not trust the certificate")
}

func TestSelfSignedCertificate(t *testing.T) {
	now := time.Now()

	cert, certPEM, err := selfSignedCertificate(now)

	require.NoError(t, err)
	block, rest := pem.Decode(certPEM)
	require.NotNil(t, block)
	assert.Empty(t, rest, "one certificate")
	parsed, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.Equal(t, cert.Certificate[0], block.Bytes, "the PEM is the certificate served")
	assert.Equal(t, 25*time.Hour, parsed.NotAfter.Sub(parsed.NotBefore), "from an hour ago to a day from now")
	assert.WithinDuration(t, now.Add(24*time.Hour), parsed.NotAfter, time.Second)
	roots := x509.NewCertPool()
	roots.AddCert(parsed)
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		_, err := parsed.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: now})
		assert.NoError(t, err, "valid for %s", name)
	}
	_, err = parsed.Verify(x509.VerifyOptions{DNSName: "api.github.com", Roots: roots, CurrentTime: now})
	assert.Error(t, err, "valid for loopback only")
	_, err = parsed.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: roots, CurrentTime: now.Add(25 * time.Hour)})
	assert.Error(t, err, "expired after a day")
}

func TestStandaloneLogsRequests(t *testing.T) {
	tests := []struct {
		name        string
		logRequests bool
		method      string
		path        string
		wantLog     string
	}{
		{"every request when asked", true, http.MethodGet, "/api/v3/repos/BTCDecoded/bllvm", "fakegithub: GET /api/v3/repos/BTCDecoded/bllvm 200\n"},
		{"a missing repository is routed", true, http.MethodGet, "/api/v3/repos/BTCDecoded/other", "fakegithub: GET /api/v3/repos/BTCDecoded/other 404\n"},
		{"routed requests not otherwise", false, http.MethodGet, "/api/v3/repos/BTCDecoded/bllvm", ""},
		{"unrouted API request always", false, http.MethodPost, "/api/graphql", "fakegithub: no route for POST /api/graphql: answered 404\n"},
		{"unrouted under /api/v3", false, http.MethodGet, "/api/v3/user", "fakegithub: no route for GET /api/v3/user: answered 404\n"},
		{"unrouted upload", false, http.MethodPut, "/api/uploads/repos/BTCDecoded/bllvm/releases/1/assets?name=a", "fakegithub: no route for PUT /api/uploads/repos/BTCDecoded/bllvm/releases/1/assets?name=a: answered 404\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log syncBuffer
			fake, baseURL, closeFn, err := startStandalone(Standalone{LogRequests: tt.logRequests}, WithRepository(repoName), WithLog(&log))
			require.NoError(t, err)
			t.Cleanup(closeFn)

			do(t, fake.Client(), tt.method, strings.TrimSuffix(baseURL, "/api/v3")+tt.path, "", nil)

			assert.Equal(t, tt.wantLog, log.String())
		})
	}
}

// A standalone server checks what it receives against GitHub's
// description, as New does, over http and https alike.
func TestStandaloneChecksRequests(t *testing.T) {
	checked, path, err := contractFor(os.Getenv)
	require.NoError(t, err)
	if checked == nil {
		t.Skipf("GitHub's REST description is not at %s: run scripts/fetch-openapi.sh", path)
	}
	tests := []struct {
		name       string
		tls        bool
		body       string
		wantStatus int
		wantLog    string
	}{
		{"valid dispatch", false, `{"event_type":"build_all","client_payload":{"ref":"refs/heads/main"}}`, http.StatusNoContent, ""},
		{"payload not an object", false, `{"event_type":"build_all","client_payload":1}`, http.StatusBadRequest, "does not match GitHub's REST description"},
		{"no event type, over https", true, `{"client_payload":{}}`, http.StatusBadRequest, "event_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log syncBuffer
			fake, baseURL, _, closeFn, err := Standalone{TLS: tt.tls}.Start(WithRepository(repoName), WithLog(&log))
			require.NoError(t, err)
			t.Cleanup(closeFn)

			status, _ := do(t, fake.Client(), http.MethodPost, baseURL+"/repos/BTCDecoded/bllvm/dispatches", tt.body, jsonHeader)

			assert.Equal(t, tt.wantStatus, status)
			if tt.wantLog == "" {
				assert.Empty(t, log.String())
				assert.Len(t, fake.Dispatches(), 1)
			} else {
				assert.Contains(t, log.String(), tt.wantLog)
				assert.Empty(t, fake.Dispatches(), "a request GitHub would refuse does not reach the fake")
			}
		})
	}
}

// In CI a standalone server without GitHub's description refuses to
// start, as New fails the test: it would serve unchecked.
func TestStandaloneNeedsTheDescriptionInCI(t *testing.T) {
	t.Setenv("CI", "true")
	t.Setenv(descriptionEnv, filepath.Join(t.TempDir(), "missing.json"))

	_, _, closeFn, err := NewStandalone()

	require.Error(t, err)
	assert.Nil(t, closeFn)
	assert.Contains(t, err.Error(), "run scripts/fetch-openapi.sh")
}

// startStandalone is Standalone.Start without the certificate.
func startStandalone(cfg Standalone, opts ...Option) (*Server, string, func(), error) {
	fake, baseURL, _, closeFn, err := cfg.Start(opts...)
	return fake, baseURL, closeFn, err
}

func TestStandaloneLoggingKeepsDroppedUploads(t *testing.T) {
	var log syncBuffer
	fake, baseURL, closeFn, err := startStandalone(Standalone{LogRequests: true}, WithRepository(repoName), WithLog(&log))
	require.NoError(t, err)
	t.Cleanup(closeFn)
	client := enterpriseClient(t, baseURL, "")
	created, _, err := client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &gh.RepositoryRelease{TagName: gh.String("v1"), Draft: gh.Bool(true)})
	require.NoError(t, err)
	fake.FailUploadAfter("bllvm.tar.gz", 2)

	_, err = sendAsset(t, client, created.GetID(), "bllvm.tar.gz", "bytes")

	require.Error(t, err, "the connection was dropped")
	assert.NotContains(t, log.String(), "cannot be hijacked")
	assert.Equal(t, "starter", fake.Releases(repoName)[0].Assets[0].State)
}

func TestStandalonePort(t *testing.T) {
	_, first, closeFirst, err := NewStandalone()
	require.NoError(t, err)
	defer closeFirst()
	port := first[strings.LastIndex(first, ":")+1 : strings.Index(first, "/api/v3")]

	taken, err := strconv.Atoi(port)
	require.NoError(t, err)

	_, _, _, err = NewStandalone(WithPort(taken))

	require.Error(t, err, "the port is taken")
	assert.Contains(t, err.Error(), "listen on 127.0.0.1:"+port)
}

// syncBuffer is a buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRunStandalone(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdoutReader, stdout := io.Pipe()
	var stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- RunStandalone(ctx, []string{"--repo", repoName, "--repo", "BTCDecoded/bllvm-consensus", "--token", "ghs_bench"}, stdout, &stderr)
		stdout.Close()
	}()

	baseURL, err := bufio.NewReader(stdoutReader).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	baseURL = strings.TrimSpace(baseURL)
	go io.Copy(io.Discard, stdoutReader)
	client := enterpriseClient(t, baseURL, "ghs_bench")
	for _, repo := range []string{"bllvm", "bllvm-consensus"} {
		got, _, err := client.Repositories.Get(t.Context(), testOwner, repo)
		require.NoError(t, err)
		assert.Equal(t, strings.TrimSuffix(baseURL, "/api/v3")+"/BTCDecoded/"+repo, got.GetHTMLURL())
	}
	_, resp, err := client.Repositories.Get(t.Context(), testOwner, "governance-app")
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	cancel()
	select {
	case code := <-exit:
		assert.Equal(t, 0, code)
	case <-time.After(5 * time.Second):
		t.Fatal("fakegithub did not stop when its context ended")
	}
	assert.Contains(t, stderr.String(), "uploads at "+strings.TrimSuffix(baseURL, "/api/v3")+"/api/uploads/")
	assert.Contains(t, stderr.String(), "asset downloads at http://localhost:"+strings.TrimSuffix(baseURL[strings.LastIndex(baseURL, ":")+1:], "/api/v3")+"/storage/")
}

func TestRunStandaloneTLS(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	certOut := filepath.Join(t.TempDir(), "fake.pem")
	stdoutReader, stdout := io.Pipe()
	var stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- RunStandalone(ctx, []string{"--repo", repoName, "--tls", "--cert-out", certOut}, stdout, &stderr)
		stdout.Close()
	}()

	baseURL, err := bufio.NewReader(stdoutReader).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	baseURL = strings.TrimSpace(baseURL)
	go io.Copy(io.Discard, stdoutReader)
	require.Regexp(t, `^https://127\.0\.0\.1:[0-9]+/api/v3$`, baseURL)
	certPEM, err := os.ReadFile(certOut)
	require.NoError(t, err, "the certificate is written before the URL is printed")
	got, _, err := enterpriseClientOver(t, trusting(t, certPEM), baseURL, "").Repositories.Get(t.Context(), testOwner, testRepo)
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSuffix(baseURL, "/api/v3")+"/BTCDecoded/bllvm", got.GetHTMLURL())

	cancel()
	select {
	case code := <-exit:
		assert.Equal(t, 0, code)
	case <-time.After(5 * time.Second):
		t.Fatal("fakegithub did not stop when its context ended")
	}
}

func TestRunStandaloneRefusesBadArguments(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"repository without owner", []string{"--repo", "bllvm"}, 2, `--repo "bllvm": want owner/name`},
		{"unknown flag", []string{"--verbose"}, 2, "flag provided but not defined: -verbose"},
		{"stray argument", []string{"serve"}, 2, `unexpected argument "serve"`},
		{"certificate without tls", []string{"--cert-out", "fake.pem"}, 2, "--cert-out needs --tls"},
		{"branch without branch name", []string{"--repo", repoName, "--branch", repoName + "=" + shaMain}, 2, "want owner/name=branch:sha"},
		{"branch without repository", []string{"--repo", repoName, "--branch", "main:" + shaMain}, 2, "want owner/name=branch:sha"},
		{"branch at a short sha", []string{"--repo", repoName, "--branch", repoName + "=main:abc1234"}, 2, `"abc1234" is not a full commit sha`},
		{"branch of a repository not served", []string{"--repo", repoName, "--branch", "BTCDecoded/bllvm-node=main:" + shaMain}, 2, "BTCDecoded/bllvm-node is not served: add --repo BTCDecoded/bllvm-node"},
		{"commit with a branch", []string{"--repo", repoName, "--commit", repoName + "=main:" + shaMain}, 2, `"main:` + shaMain + `" is not a full commit sha`},
		{"commit of a repository not served", []string{"--commit", repoName + "=" + shaMain}, 2, "is not served: add --repo " + repoName},
		{"green without a branch", []string{"--repo", repoName, "--green", repoName + "=ci.yml:" + shaMain}, 2, "want owner/name=workflow:branch:sha"},
		{"green without a workflow", []string{"--repo", repoName, "--green", repoName + "=:main:" + shaMain}, 2, "want owner/name=workflow:branch:sha"},
		{"green without repository", []string{"--repo", repoName, "--green", "ci.yml:main:" + shaMain}, 2, "want owner/name=workflow:branch:sha"},
		{"green of a workflow that is no file name", []string{"--repo", repoName, "--green", repoName + "=ci:main:" + shaMain}, 2, `"ci" is not a workflow file name such as ci.yml`},
		{"green of a workflow path", []string{"--repo", repoName, "--green", repoName + "=.github/workflows/ci.yml:main:" + shaMain}, 2, "is not a workflow file name"},
		{"green at a short sha", []string{"--repo", repoName, "--green", repoName + "=ci.yml:main:abc1234"}, 2, `"abc1234" is not a full commit sha`},
		{"green of a repository not served", []string{"--green", repoName + "=ci.yml:main:" + shaMain}, 2, "is not served: add --repo " + repoName},
		{"help", []string{"--help"}, 0, "usage: fakegithub"},
		{"help names --green", []string{"--help"}, 0, "[--green owner/name=workflow:branch:sha]..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer

			code := RunStandalone(t.Context(), tt.args, &stdout, &stderr)

			assert.Equal(t, tt.wantCode, code)
			assert.Contains(t, stderr.String(), tt.wantStderr)
			assert.Empty(t, stdout.String())
		})
	}
}

func TestStandaloneDownload(t *testing.T) {
	tests := []struct {
		name string
		// download fetches the asset with the server's token the way a
		// client does, and returns its bytes.
		download func(t *testing.T, baseURL string, assetID int64) ([]byte, error)
	}{
		{"go-github with a plain follow client", func(t *testing.T, baseURL string, assetID int64) ([]byte, error) {
			return downloadAll(t, enterpriseClient(t, baseURL, "ghs_bench"), assetID, &http.Client{})
		}},
		{"net/http following with the token on the request", func(t *testing.T, baseURL string, assetID int64) ([]byte, error) {
			// net/http drops the header on the way to another host, as for
			// github.com's storage, and keeps it on the same host.
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/repos/BTCDecoded/bllvm/releases/assets/"+itoa(assetID), nil)
			require.NoError(t, err)
			req.Header.Set("Accept", "application/octet-stream")
			req.Header.Set("Authorization", "token ghs_bench")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			return io.ReadAll(resp.Body)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log syncBuffer
			fake, baseURL, closeFn, err := startStandalone(Standalone{}, WithRepository(repoName), WithToken("ghs_bench"), WithLog(&log))
			require.NoError(t, err)
			stopped := false
			t.Cleanup(func() {
				if !stopped {
					closeFn()
				}
			})
			client := enterpriseClient(t, baseURL, "ghs_bench")
			created, _, err := client.Repositories.CreateRelease(t.Context(), testOwner, testRepo, &gh.RepositoryRelease{TagName: gh.String("v1"), Draft: gh.Bool(true)})
			require.NoError(t, err)
			uploaded, err := sendAsset(t, client, created.GetID(), "bllvm.tar.gz", "\x1f\x8b bytes")
			require.NoError(t, err)
			_, location, err := client.Repositories.DownloadReleaseAsset(t.Context(), testOwner, testRepo, uploaded.GetID(), nil)
			require.NoError(t, err)
			port := strings.TrimSuffix(baseURL[strings.LastIndex(baseURL, ":")+1:], "/api/v3")
			assert.True(t, strings.HasPrefix(location, "http://localhost:"+port+"/storage/github-production-release-asset-2e65be/"),
				"storage is the server itself, over http, by its other loopback name: %s", location)

			got, err := tt.download(t, baseURL, uploaded.GetID())

			require.NoError(t, err)
			assert.Equal(t, "\x1f\x8b bytes", string(got))
			assert.Empty(t, log.String(), "nothing went wrong")
			closeFn()
			stopped = true
			_, err = os.Stat(fake.assetDir)
			assert.ErrorIs(t, err, os.ErrNotExist, "stopping the server removes the bytes of its assets")
		})
	}
}

// startRunStandalone runs RunStandalone with args until the test ends,
// and returns its API base URL.
func startRunStandalone(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	stdoutReader, stdout := io.Pipe()
	var stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- RunStandalone(ctx, args, stdout, &stderr)
		stdout.Close()
	}()
	t.Cleanup(func() {
		cancel()
		<-exit
	})
	baseURL, err := bufio.NewReader(stdoutReader).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	go io.Copy(io.Discard, stdoutReader)
	return strings.TrimSpace(baseURL)
}

func TestRunStandaloneSeeds(t *testing.T) {
	const other = "0123456789abcdef0123456789abcdef01234567"
	baseURL := startRunStandalone(t, "--repo", repoName, "--token", "ghs_bench",
		"--branch", repoName+"=main:"+shaMain, "--branch", repoName+"=release:"+other, "--commit", repoName+"="+strings.Repeat("d", 40))
	client := enterpriseClient(t, baseURL, "ghs_bench")

	tests := []struct {
		name    string
		ref     string
		wantSHA string
	}{
		{"branch head", "main", shaMain},
		{"another branch", "release", other},
		{"commit of a branch", shaMain, shaMain},
		{"commit alone", strings.Repeat("d", 40), strings.Repeat("d", 40)},
		{"default branch", "HEAD", shaMain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := client.Repositories.GetCommitSHA1(t.Context(), testOwner, testRepo, tt.ref, "")
			require.NoError(t, err)
			assert.Equal(t, tt.wantSHA, got)
		})
	}
	branch, _, err := client.Git.GetRef(t.Context(), testOwner, testRepo, "heads/release")
	require.NoError(t, err)
	assert.Equal(t, other, branch.GetObject().GetSHA())
	_, _, err = client.Repositories.GetCommitSHA1(t.Context(), testOwner, testRepo, strings.Repeat("e", 40), "")
	assert.Error(t, err, "a commit not seeded does not exist")
}

func TestRunStandaloneListsDispatches(t *testing.T) {
	baseURL := startRunStandalone(t, "--repo", repoName, "--branch", repoName+"=main:"+shaMain)
	root := strings.TrimSuffix(baseURL, "/api/v3")
	client := enterpriseClient(t, baseURL, "")
	listed := func() string {
		t.Helper()
		status, body := do(t, http.DefaultClient, http.MethodGet, root+"/_fake/dispatches", "", nil)
		require.Equal(t, http.StatusOK, status)
		return body
	}
	assert.JSONEq(t, `{"repository_dispatches": [], "workflow_dispatches": []}`, listed(), "nothing received yet")

	payload := map[string]any{"sha": shaMain, "dispatch_id": "1-1-abcdef01"}
	raw, err := json.Marshal(payload)
	require.NoError(t, err)
	message := json.RawMessage(raw)
	_, _, err = client.Repositories.Dispatch(t.Context(), testOwner, testRepo, gh.DispatchRequestOptions{EventType: "build_consensus", ClientPayload: &message})
	require.NoError(t, err)
	_, err = client.Actions.CreateWorkflowDispatchEventByFileName(t.Context(), testOwner, testRepo, "prerelease.yml", gh.CreateWorkflowDispatchEventRequest{Ref: "main", Inputs: map[string]any{"version": "nightly-20251117-abc1234"}})
	require.NoError(t, err)

	assert.JSONEq(t, `{
		"repository_dispatches": [{"repository": "BTCDecoded/bllvm", "event_type": "build_consensus", "client_payload": {"sha": "`+shaMain+`", "dispatch_id": "1-1-abcdef01"}}],
		"workflow_dispatches": [{"repository": "BTCDecoded/bllvm", "workflow": "prerelease.yml", "ref": "main", "inputs": {"version": "nightly-20251117-abc1234"}}]
	}`, listed())
	status, _ := do(t, http.DefaultClient, http.MethodPost, root+"/_fake/dispatches", "{}", jsonHeader)
	assert.Equal(t, http.StatusMethodNotAllowed, status, "read-only")
}

func TestRunStandaloneGreen(t *testing.T) {
	const other = "0123456789abcdef0123456789abcdef01234567"
	baseURL := startRunStandalone(t, "--repo", repoName, "--repo", "BTCDecoded/bllvm-consensus", "--branch", repoName+"=main:"+shaOld,
		"--green", repoName+"=ci.yml:main:"+shaMain, "--green", repoName+"=ci.yml:release/1.0:"+other, "--green", "BTCDecoded/bllvm-consensus=build.yaml:main:"+other)
	client := enterpriseClient(t, baseURL, "")

	tests := []struct {
		name     string
		repo     string
		workflow string
		branch   string
		wantSHA  string // empty: no run
	}{
		{"green run on main", testRepo, "ci.yml", "main", shaMain},
		{"green run on another branch", testRepo, "ci.yml", "release/1.0", other},
		{"green run of another repository", "bllvm-consensus", "build.yaml", "main", other},
		{"no run of another workflow", testRepo, "release.yml", "main", ""},
		{"no run on a branch not named", testRepo, "ci.yml", "develop", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, _, err := client.Actions.ListWorkflowRunsByFileName(t.Context(), testOwner, tt.repo, tt.workflow, &gh.ListWorkflowRunsOptions{
				Branch: tt.branch, Event: "push", Status: "success", ListOptions: gh.ListOptions{PerPage: 1},
			})

			require.NoError(t, err)
			if tt.wantSHA == "" {
				assert.Zero(t, runs.GetTotalCount())
				return
			}
			require.Len(t, runs.WorkflowRuns, 1)
			run := runs.WorkflowRuns[0]
			assert.Equal(t, tt.wantSHA, run.GetHeadSHA())
			assert.Equal(t, tt.branch, run.GetHeadBranch())
			assert.Equal(t, "push", run.GetEvent())
			assert.Equal(t, "completed", run.GetStatus())
			assert.Equal(t, "success", run.GetConclusion())
			assert.Equal(t, ".github/workflows/"+tt.workflow, run.GetPath())
			got, _, err := client.Repositories.GetCommitSHA1(t.Context(), testOwner, tt.repo, tt.wantSHA, "")
			require.NoError(t, err, "the run's commit exists")
			assert.Equal(t, tt.wantSHA, got)
		})
	}
	head, _, err := client.Repositories.GetCommitSHA1(t.Context(), testOwner, testRepo, "main", "")
	require.NoError(t, err)
	assert.Equal(t, shaOld, head, "a green run moves no branch")
}
