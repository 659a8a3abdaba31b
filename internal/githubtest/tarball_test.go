package githubtest

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readArchive lists a gzip tar's entries as name → body.
func readArchive(t *testing.T, r io.Reader) (order []string, bodies map[string]string) {
	t.Helper()
	zr, err := gzip.NewReader(r)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	bodies = map[string]string{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return order, bodies
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		order = append(order, hdr.Name)
		bodies[hdr.Name] = string(body)
	}
}

func TestTarballThroughStorage(t *testing.T) {
	fake, client := newGitHub(t)
	fake.SetCommitFiles(repoName, shaMain, map[string]string{"Cargo.toml": "[package]\n", "src/main.rs": "fn main() {}\n"})

	// go-github's own call, as GitHub documents the route: a redirect.
	link, resp, err := client.Repositories.GetArchiveLink(context.Background(), testOwner, testRepo, gh.Tarball, &gh.RepositoryContentGetOptions{Ref: shaMain}, 0)
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "objects.githubusercontent.com", link.Host, "the archive is in storage, not on the API's host")

	got, err := fake.Client().Get(link.String())
	require.NoError(t, err)
	defer got.Body.Close()
	assert.Equal(t, http.StatusOK, got.StatusCode)
	order, bodies := readArchive(t, got.Body)
	top := "BTCDecoded-bllvm-abc1234/"
	assert.Equal(t, []string{"pax_global_header", top, top + "Cargo.toml", top + "src/main.rs"}, order)
	assert.Equal(t, "fn main() {}\n", bodies[top+"src/main.rs"])
	assert.Equal(t, 1, fake.TarballDownloads(repoName, shaMain))

	_, resp, err = client.Repositories.GetArchiveLink(context.Background(), testOwner, testRepo, gh.Tarball, &gh.RepositoryContentGetOptions{Ref: shaOther}, 0)
	require.Error(t, err, "a commit without a planted archive")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestHostileArchivesAreWellFormedTars(t *testing.T) {
	for _, kind := range []string{HostileDotDot, HostileAbsolute, HostileLinkOut, HostileLinkChain, HostileFIFO, HostileDevice, HostileSetuid, HostileMarker, HostileOutsideTop, HostileHardLink, HostileDuplicate} {
		t.Run(kind, func(t *testing.T) {
			var b strings.Builder
			require.NoError(t, WriteTarball(&b, "o-r-abc1234", shaMain, HostileArchive(kind, "/tmp/outside")))
			order, _ := readArchive(t, strings.NewReader(b.String()))
			assert.Greater(t, len(order), 3, "the global header, the folder, README.md and the hostile entry")
		})
	}
	t.Run(HostileHugeEntry, func(t *testing.T) {
		var b strings.Builder
		require.NoError(t, WriteTarball(&b, "o-r-abc1234", shaMain, HostileArchive(HostileHugeEntry, "")))
		zr, err := gzip.NewReader(strings.NewReader(b.String()))
		require.NoError(t, err)
		tr := tar.NewReader(zr)
		var last *tar.Header
		for {
			hdr, err := tr.Next()
			if err != nil {
				break
			}
			last = hdr
		}
		require.NotNil(t, last)
		assert.Equal(t, int64(10<<30), last.Size, "announces 10 GiB")
		assert.Less(t, b.Len(), 1<<20, "and holds far fewer")
	})
}
