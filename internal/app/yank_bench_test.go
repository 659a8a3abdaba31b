package app

import "testing"

// BenchmarkYankRequests reports the requests yank sends (requests/op) and
// those that change something (writes/op), the README's figures: a
// nightly 2 (its release, the edit); the latest release 5 (its release,
// the latest, a page of releases, the edit, the other release made the
// latest); a rerun 1 (the release: nothing to write), 2 for a full
// release (the latest too); undo 2.
func BenchmarkYankRequests(b *testing.B) {
	run := func(w *world) {
		if o := w.run(); o.code != 0 {
			w.t.Fatal(o.stdout)
		}
	}
	cases := []struct {
		name   string
		vars   map[string]string
		before func(w *world)
	}{
		{"nightly", nil, nil},
		{"latest-release", map[string]string{"INPUT_TAG": "v0.2.0"}, nil},
		{"full-release-not-latest", map[string]string{"INPUT_TAG": "v0.1.0"}, nil},
		{"rerun/nightly", nil, run},
		{"rerun/latest-release", map[string]string{"INPUT_TAG": "v0.2.0"}, run},
		{"undo/nightly", nil, func(w *world) {
			run(w)
			w.vars["INPUT_UNDO"] = "true"
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			measureRequests(b, func(tb testing.TB) *world {
				w, _ := yankWorld(tb)
				return w.with(c.vars)
			}, c.before)
		})
	}
}
