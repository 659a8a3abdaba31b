package checkout

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/BTCDecoded/release-action/internal/githubtest"
)

// FuzzUnpack: whatever the tar, unpacking it writes nothing outside the
// repository's folder, and when it succeeds every link in the folder
// resolves inside it.
func FuzzUnpack(f *testing.F) {
	for _, kind := range []string{githubtest.HostileDotDot, githubtest.HostileAbsolute, githubtest.HostileLinkOut, githubtest.HostileLinkChain, githubtest.HostileSetuid, githubtest.HostileDuplicate, githubtest.HostileHardLink} {
		var gz bytes.Buffer
		if err := githubtest.WriteTarball(&gz, "o-r-aaaaaaa", shaA, githubtest.HostileArchive(kind, "/tmp/fuzz-outside")); err != nil {
			f.Fatal(err)
		}
		zr, err := gzip.NewReader(&gz)
		if err != nil {
			f.Fatal(err)
		}
		tarBytes, err := io.ReadAll(zr)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tarBytes)
	}
	f.Fuzz(func(t *testing.T, tarBytes []byte) {
		base := t.TempDir()
		folder := filepath.Join(base, "repo")
		if err := os.Mkdir(folder, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(base, "sentinel"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(folder)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(tarBytes)
		zw.Close()
		u := &unpacker{dir: root, repository: "o/r", commit: shaA, limits: Limits{MaxBytes: 1 << 20, MaxEntries: 1000}, chown: (*ownerID)(nil).chown}
		unpackErr := u.unpack(&gz)

		entries, err := os.ReadDir(base)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Fatalf("written beside the folder: %v", names)
		}
		if unpackErr != nil {
			return
		}
		err = filepath.WalkDir(folder, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.Type()&fs.ModeSymlink == 0 {
				return err
			}
			rel, _ := filepath.Rel(folder, p)
			if err := resolvesInside(root, filepath.ToSlash(rel)); err != nil {
				t.Errorf("link %s laid out, which %v", rel, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
