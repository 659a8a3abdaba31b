package githubtest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
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
	uploads := strings.TrimSuffix(baseURL, "/api/v3") + "/api/uploads/"
	client, err := gh.NewClient(nil).WithAuthToken(token).WithEnterpriseURLs(baseURL+"/", uploads)
	require.NoError(t, err)
	return client
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
	assert.Equal(t, root+"/BTCDecoded/bllvm/releases/download/v1/bllvm.tar.gz", uploaded.GetBrowserDownloadURL())
	_, _, err = client.Repositories.EditRelease(t.Context(), testOwner, testRepo, created.GetID(), &gh.RepositoryRelease{Draft: gh.Bool(false)})
	require.NoError(t, err)
	published, _, err := client.Repositories.GetReleaseByTag(t.Context(), testOwner, testRepo, "v1")
	require.NoError(t, err)
	assert.Len(t, published.Assets, 1)
	assert.Equal(t, map[string]string{"v1": shaMain}, fake.Tags(repoName))
	assert.Empty(t, log.String(), "nothing went wrong")

	_, resp, err := enterpriseClient(t, baseURL, "ghs_wrong").Repositories.GetReleaseByTag(t.Context(), testOwner, testRepo, "v1")
	require.Error(t, err)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	status, body := do(t, fake.Client(), http.MethodGet, root+"/BTCDecoded/bllvm", "", nil)
	assert.Equal(t, http.StatusNotFound, status, "outside /api/v3 and /api/uploads")
	assert.Contains(t, body, "Not Found")
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
		{"help", []string{"--help"}, 0, "usage: fakegithub"},
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
