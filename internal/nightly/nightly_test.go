package nightly

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestNewName(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		day    time.Time
		length int
		want   Name
	}{
		{"default", "nightly", day("2025-11-17"), 7, Name{"nightly", "nightly-20251117-6113728", "20251117-6113728", "20251117", sha, "6113728"}},
		{"short", "build", day("2025-01-02"), 4, Name{"build", "build-20250102-6113", "20250102-6113", "20250102", sha, "6113"}},
		{"full sha", "nightly", day("2025-11-17"), 40, Name{"nightly", "nightly-20251117-" + sha, "20251117-" + sha, "20251117", sha, sha}},
		{"local time is read as UTC", "nightly", time.Date(2025, 11, 17, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)), 7, Name{"nightly", "nightly-20251118-6113728", "20251118-6113728", "20251118", sha, "6113728"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, NewName(tt.prefix, tt.day, sha, tt.length))
		})
	}
}

func TestDay(t *testing.T) {
	now := func() time.Time { return time.Date(2025, 11, 17, 2, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		date    time.Time
		epoch   string
		want    string
		wantErr string
	}{
		{"today in UTC", time.Time{}, "", "20251117", ""},
		{"date input wins", day("2024-02-29"), "1", "20240229", ""},
		{"SOURCE_DATE_EPOCH", time.Time{}, "1700000000", "20231114", ""},
		{"bad SOURCE_DATE_EPOCH", time.Time{}, "yesterday", "", "read SOURCE_DATE_EPOCH: must be whole seconds"},
		{"SOURCE_DATE_EPOCH after the year 9999", time.Time{}, "700000000000", "", "before the year 10000"},
		{"the last day there is", time.Time{}, "253402300799", "99991231", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Day(tt.date, func(k string) string {
				if k == "SOURCE_DATE_EPOCH" {
					return tt.epoch
				}
				return ""
			}, now)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Format("20060102"))
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		tag       string
		date, sha string
		ok        bool
	}{
		{"nightly-20251117-6113728", "20251117", "6113728", true},
		{"nightly-20251117-" + sha, "20251117", sha, true},
		{"nightly-20251317-6113728", "", "", false}, // month 13
		{"nightly-2025111-6113728", "", "", false},
		{"nightly-20251117-611", "", "", false}, // too short
		{"nightly-20251117-XYZ1234", "", "", false},
		{"nightlyx-20251117-6113728", "", "", false},
		{"nightly-extra-20251117-6113728", "", "", false},
		{"v1.0.0", "", "", false},
		{"nightly-20251117-6113728-2", "20251117", "6113728", true},
		{"nightly-20251117-6113728-10", "20251117", "6113728", true},
		{"nightly-20251117-6113728-1", "", "", false},  // the first has no suffix
		{"nightly-20251117-6113728-02", "", "", false}, // another name for -2
		{"nightly-20251117-6113728-0", "", "", false},
		{"nightly-20251117-6113728-10000", "", "", false},
		{"nightly-20251117-6113728-", "", "", false},
	}
	for _, tt := range tests {
		date, short, ok := Parse("nightly", tt.tag)
		assert.Equal(t, tt.ok, ok, tt.tag)
		assert.Equal(t, tt.date, date, tt.tag)
		assert.Equal(t, tt.sha, short, tt.tag)
	}
}

// fakeRefs is an in-memory ref store that pages like GitHub and counts calls.
type fakeRefs struct {
	refs     map[string]string // full ref → sha
	commits  map[string]time.Time
	perPage  int
	calls    map[string]int
	raceWith string // sha another run creates the tag at just before ours
}

func newFakeRefs(tags map[string]string) *fakeRefs {
	f := &fakeRefs{refs: map[string]string{}, commits: map[string]time.Time{}, perPage: 2, calls: map[string]int{}}
	for tag, sha := range tags {
		f.refs["refs/tags/"+tag] = sha
	}
	return f
}

func (f *fakeRefs) ListMatchingRefs(_ context.Context, _, _ string, opts *gh.ReferenceListOptions) ([]*gh.Reference, *gh.Response, error) {
	f.calls["list"]++
	var names []string
	for name := range f.refs {
		if strings.HasPrefix(name, "refs/"+opts.Ref) {
			names = append(names, name)
		}
	}
	// Deliberately not by date: reverse name order.
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	page := max(opts.Page, 1)
	start, end := (page-1)*f.perPage, min(page*f.perPage, len(names))
	resp := &gh.Response{}
	if end < len(names) {
		resp.NextPage = page + 1
	}
	var refs []*gh.Reference
	for _, name := range names[min(start, len(names)):end] {
		refs = append(refs, &gh.Reference{Ref: gh.String(name), Object: &gh.GitObject{SHA: gh.String(f.refs[name])}})
	}
	return refs, resp, nil
}

func (f *fakeRefs) GetRef(_ context.Context, _, _, ref string) (*gh.Reference, *gh.Response, error) {
	f.calls["get"]++
	s, ok := f.refs["refs/"+ref]
	if !ok {
		return nil, nil, &gh.ErrorResponse{Response: &http.Response{StatusCode: 404}, Message: "Not Found"}
	}
	return &gh.Reference{Ref: gh.String("refs/" + ref), Object: &gh.GitObject{SHA: gh.String(s)}}, nil, nil
}

func (f *fakeRefs) CreateRef(_ context.Context, _, _ string, ref *gh.Reference) (*gh.Reference, *gh.Response, error) {
	f.calls["create"]++
	if f.raceWith != "" {
		f.refs[ref.GetRef()] = f.raceWith
	}
	if _, ok := f.refs[ref.GetRef()]; ok {
		return nil, nil, &gh.ErrorResponse{Response: &http.Response{StatusCode: 422}, Message: "Reference already exists"}
	}
	f.refs[ref.GetRef()] = ref.GetObject().GetSHA()
	return ref, nil, nil
}

func (f *fakeRefs) GetCommit(_ context.Context, _, _, sha string, _ *gh.ListOptions) (*gh.RepositoryCommit, *gh.Response, error) {
	f.calls["commit"]++
	when, ok := f.commits[sha]
	if !ok {
		return nil, nil, fmt.Errorf("no commit %s", sha)
	}
	return &gh.RepositoryCommit{Commit: &gh.Commit{Committer: &gh.CommitAuthor{Date: &gh.Timestamp{Time: when}}}}, nil, nil
}

// GitHub answers matching-refs all at once, but a Link header, should it
// ever send one, is followed.
func TestListReadsEveryPage(t *testing.T) {
	f := newFakeRefs(map[string]string{
		"nightly-20251101-aaaaaaa": "a", "nightly-20251102-bbbbbbb": "b", "nightly-20251103-ccccccc": "c",
		"nightly-20251104-ddddddd": "d", "nightly-20251105-eeeeeee": "e", "nightly-broken": "x", "v1.0.0": "v",
	})
	tags, err := List(context.Background(), f, "o", "r", "nightly")
	require.NoError(t, err)
	assert.Len(t, tags, 5, "every page, and only names that parse")
	assert.Equal(t, 3, f.calls["list"], "three pages of two")
}

func TestOlder(t *testing.T) {
	tags := []Tag{
		{Name: "n-20251109-aaa1", Date: "20251109", Short: "aaa1", Suffix: 1},
		{Name: "n-20251110-aaa1", Date: "20251110", Short: "aaa1", Suffix: 1},
		{Name: "n-20251110-aaa1-2", Date: "20251110", Short: "aaa1", Suffix: 2},
		{Name: "n-20251110-aaa1-3", Date: "20251110", Short: "aaa1", Suffix: 3},
		{Name: "n-20251110-bbb1", Date: "20251110", Short: "bbb1", Suffix: 1},
		{Name: "n-20251111-aaa1", Date: "20251111", Short: "aaa1", Suffix: 1},
	}
	names := func(tags []Tag) []string {
		var out []string
		for _, t := range tags {
			out = append(out, t.Name)
		}
		return out
	}
	tests := []struct {
		name string
		own  Tag
		want []string
	}{
		{"the unsuffixed name comes before its suffixes", Tag{Name: "n-20251110-aaa1", Date: "20251110", Short: "aaa1", Suffix: 1},
			[]string{"n-20251109-aaa1", "n-20251110-bbb1"}},
		{"-2 comes after the unsuffixed, before -3", Tag{Name: "n-20251110-aaa1-2", Date: "20251110", Short: "aaa1", Suffix: 2},
			[]string{"n-20251109-aaa1", "n-20251110-aaa1", "n-20251110-bbb1"}},
		{"a new -4", Tag{Name: "n-20251110-aaa1-4", Date: "20251110", Short: "aaa1", Suffix: 4},
			[]string{"n-20251109-aaa1", "n-20251110-aaa1", "n-20251110-aaa1-2", "n-20251110-aaa1-3", "n-20251110-bbb1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, names(Older(tags, tt.own)))
		})
	}
}

func TestNewest(t *testing.T) {
	tests := []struct {
		name    string
		tags    []Tag
		commits map[string]time.Time
		want    string
		calls   int
	}{
		{"by date, not by order", []Tag{{Name: "n-20251103-ccc1", Date: "20251103", SHA: "c", Type: "commit", Short: "ccc1", Suffix: 1}, {Name: "n-20251110-aaa1", Date: "20251110", SHA: "a", Type: "commit", Short: "aaa1", Suffix: 1}, {Name: "n-20251105-bbb1", Date: "20251105", SHA: "b", Type: "commit", Short: "bbb1", Suffix: 1}}, nil, "n-20251110-aaa1", 0},
		{"same day: the later commit", []Tag{{Name: "n-20251110-fff1", Date: "20251110", SHA: "f", Type: "commit", Short: "fff1", Suffix: 1}, {Name: "n-20251110-aaa1", Date: "20251110", SHA: "a", Type: "commit", Short: "aaa1", Suffix: 1}, {Name: "n-20251101-zzz1", Date: "20251101", SHA: "z", Type: "commit", Short: "zzz1", Suffix: 1}},
			map[string]time.Time{"f": day("2025-11-09"), "a": day("2025-11-10")}, "n-20251110-aaa1", 2},
		{"same day, same commit time: by name", []Tag{{Name: "n-20251110-aaa1", Date: "20251110", SHA: "a", Type: "commit", Short: "aaa1", Suffix: 1}, {Name: "n-20251110-bbb1", Date: "20251110", SHA: "b", Type: "commit", Short: "bbb1", Suffix: 1}},
			map[string]time.Time{"a": day("2025-11-10"), "b": day("2025-11-10")}, "n-20251110-bbb1", 2},
		{"one day and commit: by suffix, -10 after -9, no commit read", []Tag{
			{Name: "n-20251110-aaa1-10", Date: "20251110", SHA: "a", Short: "aaa1", Suffix: 10},
			{Name: "n-20251110-aaa1", Date: "20251110", SHA: "a", Short: "aaa1", Suffix: 1},
			{Name: "n-20251110-aaa1-9", Date: "20251110", SHA: "a", Short: "aaa1", Suffix: 9}}, nil, "n-20251110-aaa1-10", 0},
		{"suffixes within a commit, commits by date, one read per commit", []Tag{
			{Name: "n-20251110-aaa1-2", Date: "20251110", SHA: "a", Short: "aaa1", Suffix: 2},
			{Name: "n-20251110-aaa1", Date: "20251110", SHA: "a", Short: "aaa1", Suffix: 1},
			{Name: "n-20251110-bbb1", Date: "20251110", SHA: "b", Short: "bbb1", Suffix: 1},
			{Name: "n-20251110-bbb1-2", Date: "20251110", SHA: "b", Short: "bbb1", Suffix: 2}},
			map[string]time.Time{"a": day("2025-11-10"), "b": day("2025-11-09")}, "n-20251110-aaa1-2", 2},
		{"annotated: the commit is read through the tag's name", []Tag{
			{Name: "n-20251110-aaa1", Date: "20251110", SHA: "tagobject-a", Type: "tag", Short: "aaa1", Suffix: 1},
			{Name: "n-20251110-bbb1", Date: "20251110", SHA: "b", Type: "commit", Short: "bbb1", Suffix: 1}},
			map[string]time.Time{"n-20251110-aaa1": day("2025-11-11"), "b": day("2025-11-10")}, "n-20251110-aaa1", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRefs(nil)
			f.commits = tt.commits
			got, ok, err := Newest(context.Background(), &CommitDates{Commits: f, Owner: "o", Repo: "r"}, tt.tags)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, tt.want, got.Name)
			assert.Equal(t, tt.calls, f.calls["commit"], "commits are read only to break a tie on the newest day")
		})
	}
	_, ok, err := Newest(context.Background(), &CommitDates{Commits: newFakeRefs(nil), Owner: "o", Repo: "r"}, nil)
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestCreate(t *testing.T) {
	const other = "ffffffffffffffffffffffffffffffffffffffff"
	tests := []struct {
		name     string
		existing map[string]string
		// absent says this run's listing did not show the tag.
		absent      bool
		race        string
		wantCreated bool
		wantErr     string
	}{
		{"new tag", nil, true, "", true, ""},
		{"already at the same commit, not listed", map[string]string{"nightly-20251117-6113728": sha}, false, "", false, ""},
		// The create's answer was lost and its retry refused, or a racing
		// run made the same tag: the two cannot be told apart, and the
		// tag was not there before this run tried.
		{"absent, then found at the same commit after a refused create", nil, true, sha, true, ""},
		{"at another commit", map[string]string{"nightly-20251117-6113728": other}, false, "", false, "tag nightly-20251117-6113728 already exists at commit " + other + ", not at " + sha},
		{"absent, then made at another commit by a racing run", nil, true, other, false, "tag nightly-20251117-6113728 already exists at commit " + other + ", not at " + sha},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRefs(tt.existing)
			f.raceWith = tt.race
			created, err := Create(context.Background(), f, nil, "o", "r", "nightly-20251117-6113728", sha, tt.absent)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				var mismatch *CommitMismatchError
				assert.True(t, errors.As(err, &mismatch))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantCreated, created)
			assert.Equal(t, sha, f.refs["refs/tags/nightly-20251117-6113728"])
		})
	}
}

func TestRun(t *testing.T) {
	name := NewName("nightly", day("2025-11-17"), sha, 7)
	const other = "ffffffffffffffffffffffffffffffffffffffff"
	tests := []struct {
		name         string
		existing     map[string]string
		push, skip   bool
		want         map[string]string
		wantRequests int
	}{
		{"no lookup, no request", map[string]string{"nightly-20251110-fffffff": other}, false, false,
			map[string]string{"previous-tag": "", "changed": "true", "created": "false"}, 0},
		{"push creates and reports the previous", map[string]string{"nightly-20251110-fffffff": other, "nightly-20251001-eeeeeee": other}, true, false,
			map[string]string{"previous-tag": "nightly-20251110-fffffff", "changed": "true", "created": "true"}, 2},
		{"rerun of push: listed already, nothing created", map[string]string{"nightly-20251117-6113728": sha, "nightly-20251110-fffffff": other}, true, false,
			map[string]string{"previous-tag": "nightly-20251110-fffffff", "changed": "true", "created": "false"}, 1},
		{"skip-unchanged with the newest at this commit", map[string]string{"nightly-20251110-6113728": sha}, true, true,
			map[string]string{"previous-tag": "nightly-20251110-6113728", "changed": "false", "created": "false"}, 1},
		{"skip-unchanged with a new commit", map[string]string{"nightly-20251110-fffffff": other}, true, true,
			map[string]string{"previous-tag": "nightly-20251110-fffffff", "changed": "true", "created": "true"}, 2},
		{"a later-dated nightly is not previous", map[string]string{"nightly-20251201-fffffff": other}, false, true,
			map[string]string{"previous-tag": "", "changed": "true", "created": "false"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeRefs(tt.existing)
			f.perPage = 100
			res, err := Run(context.Background(), Client{Git: f, Commits: f}, Options{Owner: "o", Repo: "r", Name: name, PushTag: tt.push, SkipUnchanged: tt.skip})
			require.NoError(t, err)
			for k, v := range tt.want {
				got, _ := res.Get(k)
				assert.Equal(t, v, got, k)
			}
			got, _ := res.Get("tag")
			assert.Equal(t, "nightly-20251117-6113728", got)
			requests := 0
			for _, n := range f.calls {
				requests += n
			}
			assert.Equal(t, tt.wantRequests, requests)
		})
	}
}
