package app

import (
	"testing"
)

// BenchmarkVerifyRequests reports what verify sends (requests/op), writes
// (writes/op) and downloads from storage (storage/op), the figures the
// README quotes: without sigs-repository at most 4 (the release by its
// tag, SHA256SUMS through the API's redirect and storage, the notes when
// the grid changes), 3 and no write for a rerun; sigs-repository adds the
// file's read and, when it changes, its commit.
func BenchmarkVerifyRequests(b *testing.B) {
	builder := func(vars map[string]string, name string, files map[string]string) func(testing.TB) *world {
		return func(tb testing.TB) *world {
			w, _ := verifyWorld(tb, nightlyNotes, sumsOf(published))
			return w.with(vars).builder(name, files)
		}
	}
	ok := func(w *world) {
		if o := w.run(); o.code != 0 {
			w.t.Fatal(o.stdout)
		}
	}
	// before runs gha-ubuntu's verify, in a workspace of its own.
	ubuntuFirst := func(w *world) {
		name, workspace := w.vars["INPUT_BUILDER"], w.vars["GITHUB_WORKSPACE"]
		ok(w.builder("gha-ubuntu", ubuntuFiles))
		w.vars["INPUT_BUILDER"], w.vars["GITHUB_WORKSPACE"] = name, workspace
	}
	sigs := map[string]string{"INPUT_SIGS-REPOSITORY": sigsRepo}
	lenient := map[string]string{"INPUT_FAIL-ON-MISMATCH": "false"}
	cases := []struct {
		name   string
		world  func(testing.TB) *world
		before func(*world)
	}{
		{"verify/first", builder(nil, "gha-ubuntu", ubuntuFiles), nil},
		{"verify/rerun", builder(nil, "gha-ubuntu", ubuntuFiles), ok},
		{"verify/second-builder", builder(lenient, "alice", aliceFiles), ubuntuFirst},
		{"verify/sigs/first", builder(sigs, "gha-ubuntu", ubuntuFiles), nil},
		{"verify/sigs/rerun", builder(sigs, "gha-ubuntu", ubuntuFiles), ok},
		{"verify/record-false", builder(map[string]string{"INPUT_RECORD": "false"}, "gha-ubuntu", ubuntuFiles), nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			measureRequests(b, c.world, c.before)
		})
	}
}

// BenchmarkVerifyHash is a whole verify of one 256 MiB file, which it
// reads once: MB/s is the rate it is hashed at, requests included.
func BenchmarkVerifyHash(b *testing.B) {
	const size = 256 << 20
	w, _ := verifyWorld(b, nightlyNotes, sumsOf(published))
	w.builder("gha-ubuntu", ubuntuFiles).with(map[string]string{"INPUT_RECORD": "false"})
	w.sparse("dist/big.tar.gz", size)
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		if o := w.run(); o.code != 0 {
			b.Fatal(o.stdout)
		}
	}
}
