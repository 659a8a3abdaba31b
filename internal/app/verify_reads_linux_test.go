package app

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileReads counts, through inotify, how each watched file is opened by
// any code of the process: opens, and opens that read before they close.
// inotify merges an event into an identical one still queued, so reads
// are counted per open, not per read call.
type fileReads struct {
	t     *testing.T
	fd    int
	names map[int32]string
}

func watchReads(t *testing.T, paths map[string]string) *fileReads {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	require.NoError(t, err)
	t.Cleanup(func() { syscall.Close(fd) })
	w := &fileReads{t: t, fd: fd, names: map[int32]string{}}
	for name, path := range paths {
		wd, err := syscall.InotifyAddWatch(fd, path, syscall.IN_OPEN|syscall.IN_ACCESS|syscall.IN_CLOSE_NOWRITE)
		require.NoError(t, err)
		w.names[int32(wd)] = name
	}
	return w
}

// counts returns, by name, the opens and the opens that read.
func (w *fileReads) counts() (opens, reads map[string]int) {
	w.t.Helper()
	opens, reads = map[string]int{}, map[string]int{}
	reading := map[string]bool{}
	buf := make([]byte, 64<<10)
	for {
		n, err := syscall.Read(w.fd, buf)
		if errors.Is(err, syscall.EAGAIN) {
			return opens, reads
		}
		require.NoError(w.t, err)
		for offset := 0; offset+syscall.SizeofInotifyEvent <= n; {
			event := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[offset]))
			require.Zero(w.t, event.Mask&syscall.IN_Q_OVERFLOW, "inotify dropped events")
			name := w.names[event.Wd]
			switch {
			case event.Mask&syscall.IN_OPEN != 0:
				opens[name]++
			case event.Mask&syscall.IN_ACCESS != 0 && !reading[name]:
				reading[name] = true
				reads[name]++
			case event.Mask&syscall.IN_CLOSE_NOWRITE != 0:
				reading[name] = false
			}
			offset += syscall.SizeofInotifyEvent + int(event.Len)
		}
	}
}

// verify reads each of the builder's files once, to hash it: the open
// before it is ResolveAssets' (it finds an unreadable file before any
// request, and reads nothing), and a rerun reads each once again.
func TestVerifyReadsEachFileOnce(t *testing.T) {
	w, _ := verifyWorld(t, nightlyNotes, sumsOf(published))
	w.builder("gha-ubuntu", ubuntuFiles)
	paths := map[string]string{}
	wantOpens, wantReads := map[string]int{}, map[string]int{}
	for name := range ubuntuFiles {
		paths[name] = filepath.Join(w.workspace(), "dist", name)
		wantOpens[name], wantReads[name] = 2, 1
	}
	for _, tt := range []string{"first run", "rerun"} {
		watch := watchReads(t, paths)
		o := w.run()
		require.Equal(t, 0, o.code, o.stdout)
		opens, reads := watch.counts()
		assert.Equal(t, wantReads, reads, "%s: one read of each file", tt)
		assert.Equal(t, wantOpens, opens, "%s: ResolveAssets' check, then the read", tt)
	}
}
