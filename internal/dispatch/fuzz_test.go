package dispatch

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/inputs"
)

// FuzzPrepare merges a fuzzed client payload over the derived one. When
// Prepare succeeds the payload is a JSON object within GitHub's limits that
// carries ref, sha, repo and dispatch_id, each the fuzzed value when the
// client payload sets it; when it fails it blames client-payload; and a
// payload within the limits is never refused.
func FuzzPrepare(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"extra": {"a": 1}}`,
		`{"ref": "refs/heads/release", "dispatch_id": "abc"}`,
		`{"dispatch_id": 5}`,
		`{"dispatch_id": ""}`,
		`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}`,
		`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8}`,
		`{"big": "` + strings.Repeat("x", 65200) + `"}`,
		`{"big": "` + strings.Repeat("x", 65500) + `"}`,
		`{"html": "<script>&</script>", "sep": "\u2028"}`,
		`{"n": 1e400, "f": 1.50, "neg": -0}`,
		`{"sha": null, "repo": ["a"], "a": 1, "a": 2}`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	localID := regexp.MustCompile(`^local-0000000000000000$`)
	runID := regexp.MustCompile(`^42-2-[0-9a-f]{8}$`)
	f.Fuzz(func(t *testing.T, data []byte, inActions bool) {
		var clientPayload map[string]json.RawMessage
		if json.Unmarshal(data, &clientPayload) != nil || clientPayload == nil {
			return
		}
		ev := event.Context{Repository: "BTCDecoded/bllvm-consensus", SHA: "0123456789abcdef0123456789abcdef01234567", Ref: "refs/heads/main"}
		wantID := localID
		if inActions {
			ev.RunID, ev.RunAttempt, ev.Job, ev.Step = 42, 2, "trigger", "dispatch"
			wantID = runID
		}
		in := inputs.Dispatch{Branches: []string{"*"}, ClientPayload: clientPayload}
		req, err := Prepare(in, ev, bytes.NewReader(make([]byte, 8)))

		keys := map[string]bool{"ref": true, "sha": true, "repo": true, "dispatch_id": true}
		for key := range clientPayload {
			keys[key] = true
		}
		var id string
		idIsString := true
		if raw, ok := clientPayload["dispatch_id"]; ok {
			idIsString = json.Unmarshal(raw, &id) == nil
		}
		// Escaping <, > and & can make the payload up to 6 times longer.
		withinLimits := len(keys) <= MaxPayloadProperties && idIsString && 6*len(data)+200 <= MaxPayloadBytes

		if err != nil {
			var inputErr *inputs.Error
			if !errors.As(err, &inputErr) || inputErr.Input != "client-payload" {
				t.Fatalf("error is not an input error of client-payload: %v", err)
			}
			if withinLimits {
				t.Fatalf("payload %s is within GitHub's limits, yet refused: %v", data, err)
			}
			return
		}
		var sent map[string]json.RawMessage
		if !json.Valid(req.Payload) || json.Unmarshal(req.Payload, &sent) != nil || sent == nil {
			t.Fatalf("payload is not a JSON object: %s", req.Payload)
		}
		if len(sent) > MaxPayloadProperties || len(req.Payload) > MaxPayloadBytes {
			t.Fatalf("payload has %d properties and %d bytes, over GitHub's limits", len(sent), len(req.Payload))
		}
		if len(sent) != len(keys) {
			t.Fatalf("payload has %d properties, want %d", len(sent), len(keys))
		}
		derived := map[string]string{"ref": ev.Ref, "sha": ev.SHA, "repo": "bllvm-consensus"}
		for key, value := range derived {
			if _, ok := clientPayload[key]; !ok && !sameJSON(sent[key], mustJSON(value)) {
				t.Fatalf("payload %s = %s, want %q", key, sent[key], value)
			}
		}
		if _, ok := clientPayload["dispatch_id"]; !ok && !wantID.MatchString(req.DispatchID) {
			t.Fatalf("dispatch id %q does not match %s", req.DispatchID, wantID)
		}
		for key, value := range clientPayload {
			if !sameJSON(sent[key], value) {
				t.Fatalf("payload %s = %s, but the client payload sets %s", key, sent[key], value)
			}
		}
		var sentID string
		if json.Unmarshal(sent["dispatch_id"], &sentID) != nil || sentID != req.DispatchID {
			t.Fatalf("dispatch id %q, but the payload carries %s", req.DispatchID, sent["dispatch_id"])
		}
		if req.Skip != "" {
			t.Fatalf("branches * skip %s: %s", ev.Ref, req.Skip)
		}
	})
}

// sameJSON tells whether two JSON texts hold the same value, numbers
// compared as written.
func sameJSON(a, b json.RawMessage) bool {
	decode := func(raw json.RawMessage) (any, bool) {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var v any
		return v, d.Decode(&v) == nil
	}
	va, okA := decode(a)
	vb, okB := decode(b)
	return okA && okB && reflect.DeepEqual(va, vb)
}

// FuzzMatchBranch checks the rules of the branches filter: only refs/heads/
// refs match; * and ** allow every branch; a branch's own name allows it;
// and appending !X, for an X that matches the branch, refuses it.
func FuzzMatchBranch(f *testing.F) {
	for _, seed := range []struct{ patterns, ref string }{
		{"main, master", "refs/heads/main"},
		{"main, master", "refs/heads/feature"},
		{"*", "refs/heads/feature/deep/x"},
		{"release-*", "refs/heads/release-1/x"},
		{"release/**, !release/old", "refs/heads/release/old"},
		{"!release/old\nrelease/**", "refs/heads/release/old"},
		{"*", "refs/tags/v1.0.0"},
		{"*", "refs/pull/12/merge"},
		{"main", "refs/tags/main"},
		{"{a,b}", "refs/heads/a"},
		{"!*", "refs/heads/"},
		{"feat/[a-z]*", "refs/heads/feat/x{1}"},
		{"**/x", "refs/heads/!neg/x"},
		{"main", "main"},
	} {
		f.Add(seed.patterns, seed.ref)
	}
	f.Fuzz(func(t *testing.T, text, ref string) {
		patterns := inputs.SplitList(text)
		ok, why := MatchBranch(patterns, ref)
		if ok != (why == "") {
			t.Fatalf("MatchBranch(%q, %q) = %v with reason %q", patterns, ref, ok, why)
		}
		branch, isBranch := strings.CutPrefix(ref, "refs/heads/")
		if !isBranch {
			if ok {
				t.Fatalf("MatchBranch(%q, %q) matches a ref that is not a branch", patterns, ref)
			}
			return
		}
		for _, every := range []string{"*", "**"} {
			if ok, why := MatchBranch([]string{every}, ref); !ok {
				t.Fatalf("pattern %s refuses %q: %s", every, ref, why)
			}
		}
		literal := escapeGlob(branch)
		if inputs.CheckTagName("branch", branch) == nil {
			if ok, why := MatchBranch([]string{literal}, ref); !ok {
				t.Fatalf("pattern %q, the branch's own name, refuses %q: %s", literal, ref, why)
			}
		}
		excluded := []string{literal, "*", "**"}
		for _, p := range patterns[:min(len(patterns), 8)] {
			if matched, err := doublestar.Match(p, branch); err == nil && matched {
				excluded = append(excluded, p)
			}
		}
		for _, x := range excluded {
			if matched, err := doublestar.Match(x, branch); x != "*" && x != "**" && (err != nil || !matched) {
				continue
			}
			list := append(slices.Clone(patterns), "!"+x)
			if ok, _ := MatchBranch(list, ref); ok {
				t.Fatalf("MatchBranch(%q, %q) allows a branch the last pattern excludes", list, ref)
			}
		}
	})
}

// escapeGlob makes a pattern that matches name literally; a leading ! is
// escaped too, so that it is not read as an exclusion.
func escapeGlob(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if strings.IndexByte(`\*?[]{}!`, name[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(name[i])
	}
	return b.String()
}

// FuzzEventType checks the derived event type: build_all when the
// orchestrator dispatches to itself, else build_ and the name's component
// made of [a-z0-9_] (not only underscores) within GitHub's 100 characters,
// the same whoever owns the repository; or an input error of event-type.
func FuzzEventType(f *testing.F) {
	for _, seed := range []struct{ repo, orchestrator string }{
		{"BTCDecoded/bllvm-consensus", "BTCDecoded/bllvm"},
		{"BTCDecoded/governance-app", "BTCDecoded/bllvm"},
		{"BTCDecoded/bllvm", "BTCDecoded/bllvm"},
		{"btcdecoded/BLLVM", "BTCDecoded/bllvm"},
		{"BTCDecoded/Release.Action-x", "BTCDecoded/bllvm"},
		{"BTCDecoded/bllvm-bllvm-app-app", "BTCDecoded/bllvm"},
		{"BTCDecoded/bllvm-", "BTCDecoded/bllvm"},
		{"BTCDecoded/---", "BTCDecoded/bllvm"},
		{"BTCDecoded/" + strings.Repeat("a", 100), "BTCDecoded/bllvm"},
		{"BTCDecoded/" + strings.Repeat("a", 94), "BTCDecoded/bllvm"},
		{"no-slash", "BTCDecoded/bllvm"},
		{"BTCDecoded/nœud", "BTCDecoded/bllvm"},
	} {
		f.Add(seed.repo, seed.orchestrator)
	}
	shape := regexp.MustCompile(`^build_[a-z0-9_]{1,94}$`)
	f.Fuzz(func(t *testing.T, repo, orchestrator string) {
		eventType, err := EventType(repo, orchestrator)
		if strings.EqualFold(repo, orchestrator) {
			if err != nil || eventType != "build_all" {
				t.Fatalf("EventType(%q, %q) = %q, %v; want build_all", repo, orchestrator, eventType, err)
			}
			return
		}
		if err != nil {
			var inputErr *inputs.Error
			if !errors.As(err, &inputErr) || inputErr.Input != "event-type" {
				t.Fatalf("error is not an input error of event-type: %v", err)
			}
		} else {
			component := strings.TrimPrefix(eventType, "build_")
			if !shape.MatchString(eventType) || strings.Trim(component, "_") == "" {
				t.Fatalf("EventType(%q, %q) = %q", repo, orchestrator, eventType)
			}
			if err := inputs.CheckEventType("event-type", eventType); err != nil {
				t.Fatalf("derived event type %q: %v", eventType, err)
			}
		}
		if _, name, found := strings.Cut(repo, "/"); found {
			other := "someone-else/" + name
			if strings.EqualFold(other, orchestrator) {
				return
			}
			otherType, otherErr := EventType(other, orchestrator)
			if otherType != eventType || (otherErr == nil) != (err == nil) {
				t.Fatalf("EventType(%q) = %q, %v but EventType(%q) = %q, %v", repo, eventType, err, other, otherType, otherErr)
			}
		}
	})
}
