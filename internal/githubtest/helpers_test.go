package githubtest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/require"
)

const (
	testOwner = "BTCDecoded"
	testRepo  = "bllvm"
	repoName  = testOwner + "/" + testRepo
	shaMain   = "abc1234abc1234abc1234abc1234abc1234abc12"
	shaOld    = "0000000000000000000000000000000000000001"
	shaOther  = "feedfacefeedfacefeedfacefeedfacefeedface"
)

// jsonHeader is the header of a request with a JSON body, for do.
var jsonHeader = map[string]string{"Content-Type": "application/json"}

// testTime is when tests happen: the night of a nightly build.
var testTime = time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC)

// newGitHub starts a fake with BTCDecoded/bllvm and returns it with a
// go-github client for https://api.github.com/, whose every request the
// contract checks.
func newGitHub(t *testing.T, opts ...Option) (*Server, *gh.Client) {
	t.Helper()
	fake := New(t, append([]Option{WithRepository(repoName)}, opts...)...)
	return fake, gh.NewClient(fake.Client())
}

// tickingClock starts at start and moves a minute on at every reading, so
// that everything the fake creates has its own time.
func tickingClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	now := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
}

// assetFile writes content to a file called name and opens it, as the
// program under test uploads assets.
func assetFile(t *testing.T, name, content string) *os.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	file, err := os.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { file.Close() })
	return file
}

// sendAsset uploads content as an asset called name to a release of
// BTCDecoded/bllvm.
func sendAsset(t *testing.T, client *gh.Client, releaseID int64, name, content string) (*gh.ReleaseAsset, error) {
	t.Helper()
	uploaded, _, err := client.Repositories.UploadReleaseAsset(t.Context(), testOwner, testRepo, releaseID, &gh.UploadOptions{Name: name}, assetFile(t, "asset", content))
	return uploaded, err
}
