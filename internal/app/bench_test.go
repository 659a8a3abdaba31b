package app

import (
	"fmt"
	"strconv"
	"testing"
)

// BenchmarkRequests reports how many requests each operation sends to the
// fake GitHub (requests/op), the figures the README quotes: 0 for a
// computed nightly tag, at most N+5 for a new prerelease with N assets, at
// most 3 and no upload for a rerun with nothing changed, N for a plan
// pinning N components, and for a nightly snapshot at most 5 when it is
// tagged and at most 3 when it is skipped. With a manifest, carry-over and
// checksums the target for a new prerelease is N+6, plus one
// compare per changed component and two per carried asset; requests/op
// counts the downloads from storage too, which storage/op counts apart.
// A plan with a base and pin: green sends at most 2 + 2N for N
// components, and so does one with graph: cargo whose components are at
// the base's commits (one compare more per component that moved); a
// superseded snapshot at most 3 + D for D components differing from the
// newest nightly. locate over N nightlies sends at most 2 + ⌈log2 N⌉ + 2:
// the compare that finds the commit, the releases, the probes, and the tag
// object that checks the answer. triage on failure with F failed jobs and
// S suspect commits sends at most 4 + 2F + S (the open issues, the jobs,
// the base's releases or none when the open issue names it, each log and
// its download from storage, each commit, then the issue, or the comment
// and the body's table), a rerun of a reported attempt 1; on success 1
// when nothing is open, 3 to close.
func BenchmarkRequests(b *testing.B) {
	const assets = 8
	release := func(mode string) func(testing.TB) *world {
		return func(tb testing.TB) *world {
			w := releaseWorld(tb, mode)
			w.srv.SetTag(orchestrator, "nightly-20251116-fffffff", olderSHA)
			for i := range assets {
				w.file(fmt.Sprintf("dist/asset-%d.tar.gz", i), fmt.Sprintf("build output %d", i))
			}
			return w
		}
	}
	// The newest nightly records yesterday's snapshot, in which node was
	// elsewhere: its tag object is read before tonight's is created.
	snapshot := func(tb testing.TB) *world {
		w := snapshotWorld(tb, snapshotA)
		w.srv.SetAnnotatedTag(orchestrator, yesterdayOfPush, pushSHA, tagMessage(yesterdayOfPush, snapshotB))
		return w
	}
	// A nightly whose tag records its manifest, after a published nightly
	// with an asset of every component: the rebuilt components' builds
	// and filler make N assets in dist/, the rest is carried.
	nightly := func(pins map[string]string, rebuilt []string) func(testing.TB) *world {
		return func(tb testing.TB) *world {
			n := newNight(tb, pins, rebuilt)
			for i := len(rebuilt); i < assets; i++ {
				n.file(fmt.Sprintf("dist/asset-%d.tar.gz", i), fmt.Sprintf("build output %d", i))
			}
			return n.world
		}
	}
	// consensus moved: everything downstream is rebuilt, nothing carried.
	allRebuilt := nightly(moved(heads, map[string]string{"consensus": consensusNext}), allComponents)
	// sdk moved: sdk and governance rebuilt, the three below carried.
	carry3 := nightly(moved(heads, map[string]string{"sdk": sdkNext}), []string{"sdk", "governance"})
	// graph: cargo with a published base holding base: every component's
	// Cargo.toml is read at its pinned commit.
	cargoBase := func(base map[string]string) func(testing.TB) *world {
		return func(tb testing.TB) *world {
			w := cargoWorld(tb, nil)
			planBase(tb, w, base, true, false)
			return w
		}
	}
	run := func(w *world) {
		if o := w.run(); o.code != 0 {
			w.t.Fatal(o.stdout)
		}
	}
	cases := []struct {
		name  string
		world func(testing.TB) *world
		vars  map[string]string
		// before runs before the measured run, such as the run it reruns.
		before func(w *world)
	}{
		{"nightly-tag", release("nightly-tag"), nil, nil},
		{"nightly-tag/push-tag", release("nightly-tag"), map[string]string{"INPUT_PUSH-TAG": "true"}, nil},
		{fmt.Sprintf("create-prerelease/new/%d-assets", assets), release("create-prerelease"), map[string]string{"INPUT_ASSETS": "dist/**"}, nil},
		{fmt.Sprintf("create-prerelease/rerun/%d-assets", assets), release("create-prerelease"), map[string]string{"INPUT_ASSETS": "dist/**"}, run},
		{fmt.Sprintf("plan/resolve-commits/%d-components", len(componentRepos)), func(tb testing.TB) *world { return planWorld(tb) }, nil, nil},
		{fmt.Sprintf("plan/base/pin-green/%d-components", len(componentRepos)), greenWorld, nil, nil},
		{fmt.Sprintf("plan/base/graph-cargo/%d-components", len(componentRepos)), cargoBase(heads), nil, nil},
		{fmt.Sprintf("plan/base/graph-cargo/%d-components/1-moved", len(componentRepos)), cargoBase(moved(heads, map[string]string{"node": nodeOnMain})), nil, nil},
		{"nightly-tag/manifest/superseded/1-differing", supersededWorld, nil, nil},
		{"nightly-tag/manifest/create", snapshot, nil, nil},
		{"nightly-tag/manifest/skip", snapshot, nil, func(w *world) {
			run(w)
			publishNightly(w, todayTag)
		}},
		{fmt.Sprintf("create-prerelease/new/%d-assets/manifest", assets), allRebuilt, nil, nil},
		{fmt.Sprintf("create-prerelease/new/%d-assets/manifest/carry-3", assets), carry3, nil, nil},
		{fmt.Sprintf("create-prerelease/rerun/%d-assets/manifest/carry-3", assets), carry3, nil, run},
		{"triage/failure/open/F-1/S-2", triageBench(1), nil, nil},
		{"triage/failure/open/F-3/S-2", triageBench(3), nil, nil},
		{"triage/failure/comment/F-1/S-2", triageBench(1), nil, func(w *world) {
			run(w)
			runID, _ := strconv.ParseInt(w.vars["GITHUB_RUN_ID"], 10, 64)
			failJobs(w, runID, 2, 1)
		}},
		{"triage/failure/rerun", triageBench(1), nil, run},
		{"triage/success/none-open", triageBench(1), map[string]string{"INPUT_OUTCOME": "success"}, nil},
		{"triage/success/close", triageBench(1), map[string]string{"INPUT_OUTCOME": "success"}, func(w *world) {
			w.vars["INPUT_OUTCOME"] = "failure"
			run(w)
			w.vars["INPUT_OUTCOME"] = "success"
		}},
		{fmt.Sprintf("locate/%d-nightlies", locateNightlies), func(tb testing.TB) *world { return locateWorld(tb, nil) }, map[string]string{"INPUT_SHA": consensusAt(44)}, nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			measureRequests(b, func(tb testing.TB) *world { return c.world(tb).with(c.vars) }, c.before)
		})
	}
}

// measureRequests runs the world's step b.N times, each in a fresh world
// after before (when not nil), and reports the requests it sent, those
// that change something, and the downloads from storage among them.
func measureRequests(b *testing.B, world func(testing.TB) *world, before func(*world)) {
	var requests, mutating, storage int
	for range b.N {
		b.StopTimer()
		w := world(b)
		if before != nil {
			before(w)
		}
		b.StartTimer()
		o := w.run()
		if o.code != 0 {
			b.Fatal(o.stdout)
		}
		requests += len(o.requests)
		mutating += countMutating(o.requests)
		storage += len(sentTo(o.requests, storageHost))
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	b.ReportMetric(float64(mutating)/float64(b.N), "writes/op")
	b.ReportMetric(float64(storage)/float64(b.N), "storage/op")
}
