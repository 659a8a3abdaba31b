package inputs

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// fuzzedInputs are the inputs FuzzRead sets, in the order of its arguments.
var fuzzedInputs = []string{"client-payload", "branches", "max-wait", "date", "tag", "workflow-inputs", "sha-length", "api-url", "prefix"}

// FuzzRead reads fuzzed values of a few inputs, each from a flag or from its
// INPUT_* variable, and validates them for every mode. Read never fails on
// declared flags; a validator fails only with input errors naming an input
// it was given a fuzzed value for; and what a validator accepts is usable:
// the client payload is a JSON object whose dispatch_id, if any, is a
// non-empty string with no control character (it is logged), the prefix
// makes nightly tag names, the tag is a valid tag name.
func FuzzRead(f *testing.F) {
	// Each row gives the fuzzed inputs in the order of fuzzedInputs, and a
	// mask of those set by a flag rather than by their INPUT_* variable.
	for _, seed := range []struct {
		values   []string
		viaFlags uint16
	}{
		{[]string{"{}", "main, master", "5m", "", "", "{}", "7", "", "nightly"}, 0},
		{[]string{`{"extra": {"a": 1}}`, "main\nrelease/**, !release/old", "90", "2025-11-17", "nightly-20251117-abc1234", `{"channel": "nightly"}`, "12", "https://ghes.example.com/api/v3", "nightly"}, 0x1ff},
		{[]string{`{"dispatch_id": "abc", "ref": "refs/heads/x"}`, "*", "1h30m", "20251117", "v1.0.0", `{"channel": "nightly", "arch": "x86_64"}`, "40", "https://api.github.com", "bllvm-nightly"}, 0x0f0},
		{[]string{`{"dispatch_id": 5}`, "release/[x", "7h", "2025-02-30", "a..b", `{"version": "1"}`, "3", "api.github.com", ""}, 0x00f},
		{[]string{`["a"]`, " , \n", "soon", "17/11/2025", "x.lock", `{"n": 1}`, "41", "https://user:pw@ghes.example.com/api/v3", "bad prefix"}, 0x155},
		{[]string{`{ref: main}`, "!", "-1s", "2025-1-17", "with space", `[]`, "seven", "https://ghes.example.com/api/v3?x=1", "a.."}, 0x0aa},
		{[]string{"null", "**", "0", "00010101", "refs/tags/v1", "null", "04", "https://github.com", "nightly/"}, 0},
		{[]string{`{"dispatch_id": "7-1-ab\n::add-mask::x"}`, "main", "5m", "", "", "{}", "7", "", "nightly"}, 0x001},
		{[]string{`{"dispatch_id": "a\u0085b\u007f"}`, "main", "5m", "", "", "{}", "7", "", "nightly"}, 0},
		{[]string{`"a"`, "main,,master", "21600", "99991231", "@", `{"a": "1", "a": 2}`, " 7 ", "http://localhost:8080/api/v3", ".hidden"}, 0x1ff},
	} {
		v := seed.values
		f.Add(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], seed.viaFlags)
	}
	f.Fuzz(func(t *testing.T, clientPayload, branches, maxWait, date, tag, workflowInputs, shaLength, apiURL, prefix string, viaFlags uint16) {
		given := map[string]string{}
		var args []string
		vars := map[string]string{}
		for i, value := range []string{clientPayload, branches, maxWait, date, tag, workflowInputs, shaLength, apiURL, prefix} {
			name := fuzzedInputs[i]
			given[name] = value
			if viaFlags&(1<<i) != 0 {
				args = append(args, "--"+name+"="+value)
			} else {
				vars[EnvName(name)] = value
			}
		}
		v, err := Read(args, func(k string) string { return vars[k] }, io.Discard)
		if err != nil {
			t.Fatalf("read declared flags: %v", err)
		}
		for i, name := range fuzzedInputs {
			want := strings.TrimSpace(given[name])
			if viaFlags&(1<<i) == 0 && want == "" {
				spec, _ := Lookup(name)
				want = strings.TrimSpace(spec.Default)
			}
			if got := v.Get(name); got != want {
				t.Fatalf("input %s resolves to %q, want %q", name, got, want)
			}
		}

		common, err := v.Common()
		assertInputErrors(t, err, "max-wait", "api-url")
		if err == nil && (common.MaxWait < 0 || common.MaxWait > MaxMaxWait) {
			t.Fatalf("max-wait %q accepted as %s, outside 0s to %s", v.Get("max-wait"), common.MaxWait, MaxMaxWait)
		}

		dispatch, err := v.Dispatch()
		assertInputErrors(t, err, "client-payload", "branches")
		if err == nil {
			checkDispatch(t, v, dispatch)
		}

		nightly, nightlyErr := v.Nightly()
		assertInputErrors(t, nightlyErr, "date", "sha-length", "prefix")
		if nightlyErr == nil {
			checkNightly(t, v, nightly)
		}
		blamed := blamedInputs(nightlyErr)
		if d := v.Get("date"); d != "" {
			if _, dateErr := ParseDate("date", d); (dateErr != nil) != blamed["date"] {
				t.Fatalf("date %q: ParseDate says %v, Nightly blames date: %v", d, dateErr, blamed["date"])
			}
		}

		prerelease, err := v.Prerelease()
		assertInputErrors(t, err, "date", "sha-length", "prefix", "tag", "workflow-inputs")
		if err == nil {
			checkPrerelease(t, v, prerelease, nightly)
		}
		if tag := v.Get("tag"); tag != "" && CheckTagName("tag", tag) != nil && !blamedInputs(err)["tag"] {
			t.Fatalf("tag %q is not a valid tag name, yet Prerelease does not blame tag: %v", tag, err)
		}
	})
}

func checkDispatch(t *testing.T, v Values, d Dispatch) {
	t.Helper()
	if d.ClientPayload == nil {
		t.Fatalf("client-payload %q accepted as a nil payload", v.Get("client-payload"))
	}
	if raw := v.Get("client-payload"); raw != "" {
		var object map[string]json.RawMessage
		if !json.Valid([]byte(raw)) || !strings.HasPrefix(raw, "{") || json.Unmarshal([]byte(raw), &object) != nil || len(object) != len(d.ClientPayload) {
			t.Fatalf("client-payload %q accepted, but it is not a JSON object", raw)
		}
	}
	encoded, err := json.Marshal(d.ClientPayload)
	if err != nil || !strings.HasPrefix(string(encoded), "{") {
		t.Fatalf("accepted client payload does not encode as a JSON object: %s, %v", encoded, err)
	}
	if raw, ok := d.ClientPayload["dispatch_id"]; ok {
		var id string
		if json.Unmarshal(raw, &id) != nil || strings.TrimSpace(id) == "" {
			t.Fatalf("client payload accepted with dispatch_id %s, not a non-empty string", raw)
		}
		for _, r := range id {
			if r < 0x20 || r >= 0x7f && r < 0xa0 {
				t.Fatalf("client payload accepted with dispatch_id %q, which holds the control character %U", id, r)
			}
		}
	}
	if len(d.Branches) == 0 {
		t.Fatalf("branches %q accepted as no pattern", v.Get("branches"))
	}
	for _, p := range d.Branches {
		if p == "!" || p != strings.TrimSpace(p) || !doublestar.ValidatePattern(strings.TrimPrefix(p, "!")) {
			t.Fatalf("branches %q accepted with pattern %q", v.Get("branches"), p)
		}
	}
}

func checkNightly(t *testing.T, v Values, n Nightly) {
	t.Helper()
	if err := CheckTagName("tag", n.Prefix+"-20251117-abcdef0"); err != nil {
		t.Fatalf("prefix %q accepted, but it does not make a tag name: %v", n.Prefix, err)
	}
	if n.ShaLength < 4 || n.ShaLength > 40 {
		t.Fatalf("sha-length %q accepted as %d, outside 4 to 40", v.Get("sha-length"), n.ShaLength)
	}
	if d := v.Get("date"); d != "" {
		want, err := ParseDate("date", d)
		if err != nil || !n.Date.Equal(want) || n.Date.Location() != time.UTC {
			t.Fatalf("date %q accepted as %v, want %v in UTC (%v)", d, n.Date, want, err)
		}
	} else if !n.Date.IsZero() {
		t.Fatalf("no date given, yet Nightly set %v", n.Date)
	}
}

func checkPrerelease(t *testing.T, v Values, p Prerelease, nightly Nightly) {
	t.Helper()
	if p.Nightly != nightly {
		t.Fatalf("Prerelease names tags with %+v, Nightly with %+v", p.Nightly, nightly)
	}
	if p.Tag != v.Get("tag") {
		t.Fatalf("tag %q accepted as %q", v.Get("tag"), p.Tag)
	}
	if p.Tag != "" {
		if err := CheckTagName("tag", p.Tag); err != nil {
			t.Fatalf("tag %q accepted, but it is not a valid tag name: %v", p.Tag, err)
		}
	}
	if len(p.WorkflowInputs)+1 > MaxWorkflowInputs {
		t.Fatalf("workflow-inputs accepted with %d inputs and the tag's; GitHub allows %d", len(p.WorkflowInputs), MaxWorkflowInputs)
	}
	if _, ok := p.WorkflowInputs[p.TagInput]; ok {
		t.Fatalf("workflow-inputs accepted with the tag's input %q", p.TagInput)
	}
}

// assertInputErrors fails the test unless err is nil, an *Error or a
// (nested) join of them, each naming one of the inputs the caller gave a
// fuzzed value: the others keep their valid defaults, so blaming one of
// them would send the reader of a failed job to the wrong input.
func assertInputErrors(t *testing.T, err error, fuzzed ...string) {
	t.Helper()
	for _, inputErr := range inputErrorLeaves(t, err) {
		if _, ok := Lookup(inputErr.Input); !ok {
			t.Fatalf("error names the undeclared input %q: %v", inputErr.Input, inputErr)
		}
		if !slices.Contains(fuzzed, inputErr.Input) {
			t.Fatalf("error blames %s, which keeps its default: %v", inputErr.Input, inputErr)
		}
		if strings.TrimSpace(inputErr.Rule) == "" {
			t.Fatalf("error on %s says no rule", inputErr.Input)
		}
	}
}

func inputErrorLeaves(t *testing.T, err error) []*Error {
	t.Helper()
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var leaves []*Error
		for _, inner := range joined.Unwrap() {
			leaves = append(leaves, inputErrorLeaves(t, inner)...)
		}
		return leaves
	}
	var inputErr *Error
	if !errors.As(err, &inputErr) {
		t.Fatalf("error is not an input error: %v (%T)", err, err)
	}
	return []*Error{inputErr}
}

func blamedInputs(err error) map[string]bool {
	blamed := map[string]bool{}
	var walk func(error)
	walk = func(err error) {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, inner := range joined.Unwrap() {
				walk(inner)
			}
			return
		}
		var inputErr *Error
		if errors.As(err, &inputErr) {
			blamed[inputErr.Input] = true
		}
	}
	if err != nil {
		walk(err)
	}
	return blamed
}

// FuzzParseDate checks that ParseDate accepts exactly what time.Parse
// accepts in its two layouts, and that an accepted date is the UTC midnight
// that prints back as the input: no other spelling of a date gets through.
func FuzzParseDate(f *testing.F) {
	for _, seed := range []string{"2025-11-17", "20251117", "2024-02-29", "2025-02-29", "2025-1-17", "17/11/2025", "00010101", "9999-12-31", "2025-11-17T00:00:00Z", " 20251117", "+2025-11-17", ""} {
		f.Add(seed)
	}
	layouts := []string{"2006-01-02", "20060102"}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate("date", s)
		accepted := false
		for _, layout := range layouts {
			if _, perr := time.Parse(layout, s); perr == nil {
				accepted = true
			}
		}
		if (err == nil) != accepted {
			t.Fatalf("ParseDate(%q) error %v, but time.Parse accepts it: %v", s, err, accepted)
		}
		if err != nil {
			var inputErr *Error
			if !errors.As(err, &inputErr) || inputErr.Input != "date" {
				t.Fatalf("error is not an input error of date: %v", err)
			}
			return
		}
		if got.Location() != time.UTC || got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, not a UTC midnight", s, got)
		}
		if s != got.Format(layouts[0]) && s != got.Format(layouts[1]) {
			t.Fatalf("ParseDate(%q) = %v, which prints as neither YYYY-MM-DD nor YYYYMMDD", s, got)
		}
	})
}

// FuzzCheckTagName checks CheckTagName against git check-ref-format's rules
// for a ref name, written out again here: what it accepts git accepts, and
// what git accepts it accepts, unless longer than 250 bytes.
func FuzzCheckTagName(f *testing.F) {
	for _, seed := range []string{
		"nightly-20251117-abc1234", "v1.0.0", "release/v1", "refs/heads/main", "main", "feature/x.lockfile",
		"a..b", "x.lock", "@", "a@{b", "a@b", ".hidden", "a/.b", "a/", "/a", "a//b", "a.", "with space",
		"tab\tname", "del\x7f", "caret^", "tilde~1", "colon:x", "q?", "star*", "br[acket", `back\slash`,
		"héllo", "\xff\xfe", "", "nightly-20000101-0000000",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := CheckTagName("tag", name)
		if err != nil {
			var inputErr *Error
			if !errors.As(err, &inputErr) || inputErr.Input != "tag" {
				t.Fatalf("error is not an input error of tag: %v", err)
			}
		}
		switch gitAccepts := gitRefNameOK(name); {
		case err == nil && !gitAccepts:
			t.Fatalf("CheckTagName accepts %q, which git check-ref-format refuses", name)
		case err != nil && gitAccepts && len(name) <= 250:
			t.Fatalf("CheckTagName refuses %q, which git check-ref-format accepts: %v", name, err)
		}
	})
}

// gitRefNameOK follows the rules of git check-ref-format (with
// --allow-onelevel, since the caller adds refs/tags/): no component starts
// with "." or ends with ".lock"; no "..", "@{", control character, space,
// ~^:?*[\ or empty component; not "@"; no leading or trailing "/", no
// trailing ".".
func gitRefNameOK(name string) bool {
	if name == "" || name == "@" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") {
		return false
	}
	if strings.Contains(name, "..") || strings.Contains(name, "@{") {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return false
		}
	}
	for _, component := range strings.Split(name, "/") {
		if component == "" || strings.HasPrefix(component, ".") || strings.HasSuffix(component, ".lock") {
			return false
		}
	}
	return true
}
