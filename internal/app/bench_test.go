package app

import (
	"fmt"
	"testing"
)

// BenchmarkRequests reports how many requests each operation sends to the
// fake GitHub (requests/op), the figures the README quotes: 0 for a
// computed nightly tag, at most N+5 for a new prerelease with N assets, at
// most 3 and no upload for a rerun with nothing changed.
func BenchmarkRequests(b *testing.B) {
	const assets = 8
	cases := []struct {
		name  string
		mode  string
		vars  map[string]string
		rerun bool
	}{
		{"nightly-tag", "nightly-tag", nil, false},
		{"nightly-tag/push-tag", "nightly-tag", map[string]string{"INPUT_PUSH-TAG": "true"}, false},
		{fmt.Sprintf("create-prerelease/new/%d-assets", assets), "create-prerelease", map[string]string{"INPUT_ASSETS": "dist/**"}, false},
		{fmt.Sprintf("create-prerelease/rerun/%d-assets", assets), "create-prerelease", map[string]string{"INPUT_ASSETS": "dist/**"}, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var requests, mutating int
			for range b.N {
				b.StopTimer()
				w := releaseWorld(b, c.mode).with(c.vars)
				w.srv.SetTag(orchestrator, "nightly-20251116-fffffff", olderSHA)
				for i := range assets {
					w.file(fmt.Sprintf("dist/asset-%d.tar.gz", i), fmt.Sprintf("build output %d", i))
				}
				if c.rerun {
					if o := w.run(); o.code != 0 {
						b.Fatal(o.stdout)
					}
				}
				b.StartTimer()
				o := w.run()
				if o.code != 0 {
					b.Fatal(o.stdout)
				}
				requests += len(o.requests)
				mutating += countMutating(o.requests)
			}
			b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
			b.ReportMetric(float64(mutating)/float64(b.N), "writes/op")
		})
	}
}
