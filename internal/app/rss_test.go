package app

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

// zeros reads as endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// timeCommand measures a process's peak memory, as scripts/bench.sh does.
// The rusage Go reports for a child is no use here: Linux starts a child's
// max RSS from the memory of the process that spawned it (Go's vfork
// shares the test's), so a child of this large process never measures
// less than it; GNU time's own child starts from a tiny one.
const timeCommand = "/usr/bin/time"

// BenchmarkCarryOverMaxRSS reports the peak memory (maxrss-MiB) of the
// action's binary carrying a 1 GiB asset over from the previous nightly:
// the stream from storage to the upload must not hold the asset. The
// binary runs as its own process against the fake in this one, which the
// standalone fake cannot stand in for: its API cannot make a commit exist,
// so it can hold no annotated nightly recording a manifest.
// RELEASE_ACTION_BINARY names a built binary (scripts/bench.sh passes its
// own); without it, the benchmark builds one.
func BenchmarkCarryOverMaxRSS(b *testing.B) {
	const (
		size     = 1 << 30
		carried  = "node-linux-x64.tar.gz"
		botToken = "bench-token"
	)
	binary := measuredBinary(b)
	pins := moved(heads, map[string]string{"sdk": sdkNext})
	for range b.N {
		b.StopTimer()
		srv := githubtest.New(b, githubtest.WithToken(botToken), githubtest.WithRepository(orchestrator), githubtest.WithRepository("BTCDecoded/bllvm-sdk"))
		srv.AddCommit("BTCDecoded/bllvm-sdk", heads["sdk"])
		srv.AddCommit("BTCDecoded/bllvm-sdk", sdkNext)
		srv.SetBranch(orchestrator, "main", pushSHA)
		object := srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, wantManifest(heads, allComponents)))
		// Published complete: the base the carried asset comes from.
		previous := srv.AddRelease(orchestrator, githubtest.Release{TagName: yesterdayOfPush, Prerelease: true, TargetCommitish: pushSHA, Body: nightly.CompleteMarker(object)})
		original := srv.AddAssetContent(orchestrator, previous.ID, carried, io.LimitReader(zeros{}, size))
		srv.SetAnnotatedTag(orchestrator, todayTag, pushSHA, tagMessage(todayTag, wantManifest(pins, []string{"sdk", "governance"})))

		workspace := b.TempDir()
		if err := os.MkdirAll(filepath.Join(workspace, "dist"), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(workspace, "dist", builds["sdk"]), []byte(buildOf("sdk", sdkNext)), 0o644); err != nil {
			b.Fatal(err)
		}
		rss, log := runMeasured(b, binary, workspace, botToken, "--mode=create-prerelease", "--api-url="+srv.URL(),
			"--repository="+orchestrator, "--sha="+pushSHA, "--ref=refs/heads/main", "--tag="+todayTag,
			"--assets=dist/*", "--carry-over=true", "--checksums=SHA256SUMS", "--generate-notes=false")
		if copied := releaseAsset(srv, todayTag, carried); copied.Digest != original.Digest || copied.Size != size {
			b.Fatalf("%s not carried over whole: got %d bytes, %s; want %d, %s\n%s", carried, copied.Size, copied.Digest, size, original.Digest, log)
		}
		reportMaxRSS(b, rss)
		b.StartTimer()
	}
}

// runMeasured runs the action's binary with args in dir under
// timeCommand, with nothing of the environment but PATH and GITHUB_TOKEN
// (token), timed as the benchmark's operation. It returns the file
// timeCommand wrote the peak memory to, for reportMaxRSS, and the log; a
// failed run fails the benchmark.
func runMeasured(b *testing.B, binary, dir, token string, args ...string) (rss, log string) {
	b.Helper()
	var stdout, stderr bytes.Buffer
	rss = filepath.Join(b.TempDir(), "rss")
	cmd := exec.Command(timeCommand, append([]string{"-f", "%M", "-o", rss, binary}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "GITHUB_TOKEN=" + token}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	b.StartTimer()
	err := cmd.Run()
	b.StopTimer()
	if err != nil {
		b.Fatalf("run the action: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	return rss, stderr.String()
}

// releaseAsset is the asset called name of the release of tag in the
// orchestrator; its zero value when there is none.
func releaseAsset(srv *githubtest.Server, tag, name string) githubtest.Asset {
	for _, r := range srv.Releases(orchestrator) {
		for _, a := range r.Assets {
			if r.TagName == tag && a.Name == name {
				return a
			}
		}
	}
	return githubtest.Asset{}
}

// reportMaxRSS reports, as maxrss-MiB, the peak memory that timeCommand
// wrote to the file rss (its -f %M, in KiB).
func reportMaxRSS(b *testing.B, rss string) {
	b.Helper()
	reported, err := os.ReadFile(rss)
	if err != nil {
		b.Fatal(err)
	}
	kib, err := strconv.Atoi(strings.TrimSpace(string(reported)))
	if err != nil {
		b.Fatalf("read the max RSS %s reported: %v", timeCommand, err)
	}
	b.ReportMetric(float64(kib)/1024, "maxrss-MiB")
}

// measuredBinary is the action's binary for a benchmark that measures its
// peak memory with timeCommand (skipped without it): RELEASE_ACTION_BINARY,
// or one built for the benchmark.
func measuredBinary(b *testing.B) string {
	b.Helper()
	if _, err := os.Stat(timeCommand); err != nil {
		b.Skipf("%s measures the peak memory: %v", timeCommand, err)
	}
	if binary := os.Getenv("RELEASE_ACTION_BINARY"); binary != "" {
		return binary
	}
	binary := filepath.Join(b.TempDir(), "release-action")
	build := exec.Command("go", "build", "-o", binary, "github.com/BTCDecoded/release-action")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build the action: %v\n%s", err, out)
	}
	return binary
}
