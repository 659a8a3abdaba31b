package githubtest

import (
	"archive/tar"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// tarballKey names the archive of one commit of one repository.
type tarballKey struct {
	repo *repository
	sha  string
}

// archives holds each server's planted archives. It lives beside the
// Server, not in it, so that this file alone adds tarballs to the fake.
var archives sync.Map // *Server → map[tarballKey]*asset

// tarballs is s's archives; the caller holds s.mu.
func (s *Server) tarballs() map[tarballKey]*asset {
	m, _ := archives.LoadOrStore(s, map[tarballKey]*asset{})
	return m.(map[tarballKey]*asset)
}

// TarEntry is one entry of an archive planted with SetCommitArchive.
type TarEntry struct {
	// Name is the path under the archive's top-level folder, or, with Raw,
	// the entry's whole name as written.
	Name string
	Raw  bool
	// Type is the tar type; 0 is a regular file.
	Type byte
	Body string
	// Mode is the entry's mode; 0 is 0644 for a file, 0755 for a folder.
	Mode int64
	// Linkname is a link's target.
	Linkname string
	// Size, when above len(Body), is the size the header announces: the
	// archive then ends after Body, as a huge entry cut off. Only the
	// last entry may do that.
	Size int64
}

// archiveTime is the modification time of every entry, as git archive
// gives every file its commit's time.
var archiveTime = time.Date(2025, 11, 17, 0, 0, 0, 0, time.UTC)

// SetCommitFiles plants the files (path → content) of the commit sha of
// repo, which GET tarball/{sha} then serves as GitHub does: a gzip tar of
// one top-level folder <owner>-<repo>-<short sha>/.
func (s *Server) SetCommitFiles(repo, sha string, files map[string]string) {
	s.t.Helper()
	var entries []TarEntry
	for _, name := range slices.Sorted(maps.Keys(files)) {
		entries = append(entries, TarEntry{Name: name, Body: files[name]})
	}
	s.SetCommitArchive(repo, sha, slices.Values(entries))
}

// SetCommitArchive plants the archive of the commit sha of repo, entry by
// entry, hostile ones included (see HostileArchive). It is written to a
// file of the fake's before it returns, so an archive of a million entries
// takes the time to write one.
func (s *Server) SetCommitArchive(repo, sha string, entries iter.Seq[TarEntry]) {
	s.t.Helper()
	owner, name, _ := strings.Cut(repo, "/")
	top := fmt.Sprintf("%s-%s-%s", owner, name, sha[:min(7, len(sha))])
	if s.assetDir == "" {
		s.t.Fatalf("githubtest: plant the archive of %s at %s: this server keeps no bytes", repo, sha)
	}
	file, err := os.CreateTemp(s.assetDir, "tarball-*")
	if err != nil {
		s.t.Fatalf("githubtest: plant the archive of %s at %s: %v", repo, sha, err)
	}
	etag := md5.New()
	if err := WriteTarball(io.MultiWriter(file, etag), top, sha, entries); err != nil {
		file.Close()
		s.t.Fatalf("githubtest: plant the archive of %s at %s: %v", repo, sha, err)
	}
	if err := file.Close(); err != nil {
		s.t.Fatalf("githubtest: plant the archive of %s at %s: %v", repo, sha, err)
	}
	info, err := os.Stat(file.Name())
	if err != nil {
		s.t.Fatalf("githubtest: plant the archive of %s at %s: %v", repo, sha, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepository(repo)
	// Storage serves it as it serves an asset: from a signed URL, by key.
	s.tarballs()[tarballKey{r, strings.ToLower(sha)}] = &asset{
		Asset:     Asset{Name: top + ".tar.gz", ContentType: "application/x-gzip", State: "uploaded", Size: info.Size()},
		createdAt: s.now(), updatedAt: s.now(),
		content: &assetContent{path: file.Name(), etag: `"` + hex.EncodeToString(etag.Sum(nil)) + `"`},
	}
}

// WriteTarball writes the gzip tar GitHub serves for a commit: a global
// header holding the commit, as git archive writes, then the top-level
// folder and every entry under it.
func WriteTarball(w io.Writer, top, sha string, entries iter.Seq[TarEntry]) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": sha}, Format: tar.FormatPAX}); err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: top + "/", Mode: 0o775, ModTime: archiveTime}); err != nil {
		return err
	}
	cut := false
	for e := range entries {
		if cut {
			return fmt.Errorf("entry %q follows one cut off", e.Name)
		}
		hdr := &tar.Header{Typeflag: e.Type, Name: top + "/" + e.Name, Mode: e.Mode, Linkname: e.Linkname, ModTime: archiveTime, Format: tar.FormatPAX}
		if e.Raw {
			hdr.Name = e.Name
		}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
			if hdr.Typeflag == tar.TypeDir {
				hdr.Mode = 0o755
			}
		}
		if hdr.Typeflag == tar.TypeReg {
			hdr.Size = max(int64(len(e.Body)), e.Size)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.WriteString(tw, e.Body); err != nil {
			return err
		}
		cut = hdr.Size > int64(len(e.Body))
	}
	if !cut {
		if err := tw.Close(); err != nil {
			return err
		}
	} else if err := tw.Flush(); err != nil && !strings.Contains(err.Error(), "missed writing") {
		return err
	}
	return zw.Close()
}

// The hostile archives of HostileArchive.
const (
	HostileDotDot        = "dotdot"       // an entry ../outside
	HostileAbsolute      = "absolute"     // an entry /tmp/...
	HostileLinkOut       = "link-out"     // a link to /etc, then a file through it
	HostileLinkChain     = "link-chain"   // links that read as inside but lead out together
	HostileHugeEntry     = "huge-entry"   // a file announcing 10 GiB
	HostileManyEntries   = "many-entries" // a million entries
	HostileFIFO          = "fifo"         // a named pipe
	HostileDevice        = "device"       // a character device
	HostileSetuid        = "setuid"       // a set-uid, set-gid executable
	HostileMarker        = "marker"       // the action's own marker file
	HostileOutsideTop    = "outside-top"  // an entry beside the top-level folder
	HostileHardLink      = "hard-link"    // a hard link to /etc/passwd
	HostileDuplicate     = "duplicate"    // one name twice
	hostileManyEntries   = 1_000_000
	hostileHugeEntrySize = 10 << 30
)

// HostileArchive is the archive of kind, each a way an archive can try to
// write outside its folder or past the limits; outside names a file that
// the absolute entry targets. Each holds README.md first, a legitimate
// file, so that a test sees the folder was not left half-made.
func HostileArchive(kind, outside string) iter.Seq[TarEntry] {
	readme := TarEntry{Name: "README.md", Body: "hello\n"}
	var rest []TarEntry
	switch kind {
	case HostileDotDot:
		rest = []TarEntry{{Name: "../../escaped.txt", Body: "escaped\n"}}
	case HostileAbsolute:
		rest = []TarEntry{{Name: outside, Raw: true, Body: "escaped\n"}}
	case HostileLinkOut:
		rest = []TarEntry{{Name: "etc", Type: tar.TypeSymlink, Linkname: "/etc"}, {Name: "etc/escaped.txt", Body: "escaped\n"}}
	case HostileLinkChain:
		rest = []TarEntry{
			{Name: "sub", Type: tar.TypeDir},
			{Name: "sub/up", Type: tar.TypeSymlink, Linkname: ".."},
			{Name: "out", Type: tar.TypeSymlink, Linkname: "sub/up/.."},
		}
	case HostileHugeEntry:
		rest = []TarEntry{{Name: "huge.bin", Body: strings.Repeat("\x00", 4096), Size: hostileHugeEntrySize}}
	case HostileManyEntries:
		return func(yield func(TarEntry) bool) {
			if !yield(readme) {
				return
			}
			for i := range hostileManyEntries {
				if !yield(TarEntry{Name: fmt.Sprintf("d%d", i%1000), Type: tar.TypeDir}) {
					return
				}
			}
		}
	case HostileFIFO:
		rest = []TarEntry{{Name: "pipe", Type: tar.TypeFifo}}
	case HostileDevice:
		rest = []TarEntry{{Name: "null", Type: tar.TypeChar}}
	case HostileSetuid:
		rest = []TarEntry{{Name: "bin/run", Body: "#!/bin/sh\n", Mode: 0o6755}}
	case HostileMarker:
		rest = []TarEntry{{Name: ".release-action-checkout", Body: `{"repository":"x/y","commit":"0"}`}}
	case HostileOutsideTop:
		rest = []TarEntry{{Name: "beside.txt", Raw: true, Body: "beside\n"}}
	case HostileHardLink:
		rest = []TarEntry{{Name: "passwd", Type: tar.TypeLink, Linkname: "/etc/passwd"}}
	case HostileDuplicate:
		rest = []TarEntry{{Name: "README.md", Body: "again\n"}}
	default:
		panic("githubtest: no hostile archive " + kind)
	}
	return slices.Values(append([]TarEntry{readme}, rest...))
}

// GET /repos/{owner}/{repo}/tarball/{ref}: 302 to the archive in storage,
// as GitHub redirects to codeload; the fake's storage serves it from a
// signed URL, like an asset. Only commits with planted archives are known.
func (s *Server) getTarball(r *http.Request, repo *repository) Response {
	a := s.tarballs()[tarballKey{repo, strings.ToLower(r.PathValue("ref"))}]
	if a == nil {
		return NotFound()
	}
	a.downloads++
	return Response{
		Status: http.StatusFound,
		Header: map[string]string{"Content-Type": "text/html;charset=utf-8", "Location": s.storageURL(s.bases(r.Host), repo, a)},
	}
}

// TarballDownloads is how many times the archive of sha of repo was asked
// for through the API.
func (s *Server) TarballDownloads(repo, sha string) int {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.tarballs()[tarballKey{s.mustRepository(repo), strings.ToLower(sha)}]; a != nil {
		return a.downloads
	}
	return 0
}
