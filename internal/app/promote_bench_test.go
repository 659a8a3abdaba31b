package app

import (
	"io"
	"strings"
	"testing"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

// BenchmarkPromoteRequests reports the requests promote sends for a
// nightly of N assets (requests/op, storage/op the downloads from storage
// among them, writes/op): the target is at most 2N + 8 to the API (the
// releases, the nightly's tag object, the release's tag, SHA256SUMS,
// a compare for the notes, the tag object and its ref, the draft, each
// other asset's download and every upload, the publish) and N from
// storage; a rerun at most 4, none of them a write. tag-components adds
// a read of the tag in each of the five component repositories, and the
// tag object and its ref where it is made (a rerun reads each tag's
// object).
func BenchmarkPromoteRequests(b *testing.B) {
	run := func(w *world) {
		if o := w.run(); o.code != 0 {
			w.t.Fatal(o.stdout)
		}
	}
	components := map[string]string{"INPUT_TAG-COMPONENTS": "true"}
	cases := []struct {
		name   string
		world  func(testing.TB) *world
		before func(*world)
	}{
		{"new/8-assets", promoteWithAssets(8, nil), nil},
		{"new/32-assets", promoteWithAssets(32, nil), nil},
		{"rerun/32-assets", promoteWithAssets(32, nil), run},
		{"new/8-assets/tag-components", promoteWithAssets(8, components), nil},
		{"rerun/8-assets/tag-components", promoteWithAssets(8, components), run},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			measureRequests(b, c.world, c.before)
		})
	}
}

// BenchmarkPromoteMaxRSS reports the peak memory (maxrss-MiB) of the
// action's binary promoting a nightly whose one build is 1 GiB: each asset
// streams from storage to the upload, hashed on the way, and is never held.
// As BenchmarkCarryOverMaxRSS, the binary runs as its own process against
// the fake in this one: the standalone fake cannot hold an annotated
// nightly recording a manifest. RELEASE_ACTION_BINARY names a built binary
// (scripts/bench.sh passes its own); without it, the benchmark builds one.
func BenchmarkPromoteMaxRSS(b *testing.B) {
	const (
		size     = 1 << 30
		big      = "bllvm-linux-x64.tar.gz"
		botToken = "bench-token"
	)
	binary := measuredBinary(b)
	m := wantManifest(promotedPins, allComponents)
	for range b.N {
		b.StopTimer()
		srv := githubtest.New(b, githubtest.WithToken(botToken), githubtest.WithRepository(orchestrator))
		srv.SetBranch(orchestrator, "main", pushSHA)
		object := srv.SetAnnotatedTag(orchestrator, todayTag, pushSHA, tagMessage(todayTag, m))
		rel := srv.AddRelease(orchestrator, githubtest.Release{TagName: todayTag, Prerelease: true, TargetCommitish: pushSHA,
			Body: nightly.CompleteMarker(object) + "\n" + nightly.ManifestMarker(parsedManifest(b, m)) + "\n"})
		original := srv.AddAssetContent(orchestrator, rel.ID, big, io.LimitReader(zeros{}, size))
		document := `{"tag": "` + todayTag + `"}` + "\n"
		srv.AddAssetContent(orchestrator, rel.ID, "manifest.json", strings.NewReader(document))
		sums := strings.TrimPrefix(original.Digest, "sha256:") + "  " + big + "\n" + strings.TrimPrefix(digest(document), "sha256:") + "  manifest.json\n"
		srv.AddAssetContent(orchestrator, rel.ID, "SHA256SUMS", strings.NewReader(sums))

		rss, log := runMeasured(b, binary, b.TempDir(), botToken, "--mode=promote", "--api-url="+srv.URL(),
			"--repository="+orchestrator, "--sha="+pushSHA, "--ref=refs/heads/main", "--tag="+releaseTag)
		if copied := releaseAsset(srv, releaseTag, big); copied.Digest != original.Digest || copied.Size != size {
			b.Fatalf("%s not promoted whole: got %d bytes, %s; want %d, %s\n%s", big, copied.Size, copied.Digest, size, original.Digest, log)
		}
		reportMaxRSS(b, rss)
		b.StartTimer()
	}
}
