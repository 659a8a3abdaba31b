package app

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/BTCDecoded/release-action/internal/githubtest"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

// locateNightlies is how many nightlies the locate world has published.
const locateNightlies = 40

// locateBudget is ⌈log2 40⌉ + 2 = 8 compares, and 2 requests more: the
// releases and the tag object that checks the answer.
const (
	locateCompares = 6 + 2
	locateBudget   = 2 + locateCompares
)

// consensusAt is the j-th commit of bllvm-consensus's main branch, a
// linear history of 2×40+1 commits. Nightly i holds commit 2i+1: commit
// 2i+1 is held as itself, 2i as an ancestor, first by nightly i; the last
// commit, 80, the head of main, by none yet.
func consensusAt(j int) string { return strings.Repeat(fmt.Sprintf("%02x", 0x10+j), 20) }

// orchestratorAt is the orchestrator's commit nightly i is tagged at.
func orchestratorAt(i int) string { return strings.Repeat(fmt.Sprintf("%02x", 0xa0+i), 20) }

// locateTag is the tag of nightly i, one a day from 1 October 2025.
func locateTag(i int) string {
	return "nightly-" + time.Date(2025, 10, 1+i, 0, 0, 0, 0, time.UTC).Format("20060102") + "-" + orchestratorAt(i)[:7]
}

// locateWorld is a laptop's or a job's locate in the orchestrator, after
// 40 published, complete nightlies; legacy tells which were published
// before the manifest marker, which only their tag object records.
func locateWorld(t testing.TB, legacy func(i int) bool) *world {
	t.Helper()
	w := newWorld(t).with(map[string]string{
		"INPUT_MODE":        "locate",
		"GITHUB_REPOSITORY": orchestrator,
		"INPUT_COMPONENT":   "consensus",
	})
	for j := range 2*locateNightlies + 1 {
		w.srv.AddCommit(consensus, consensusAt(j))
	}
	w.srv.SetBranch(consensus, "main", consensusAt(2*locateNightlies))
	for i := range locateNightlies {
		m := locateManifest(consensusAt(2*i + 1))
		publishLocateNightly(w, i, m, m, legacy != nil && legacy(i))
	}
	return w
}

// locateManifest is a nightly's snapshot with consensus at commit.
func locateManifest(commit string) manifest.Manifest {
	return manifest.Manifest{
		{Component: "consensus", Repository: consensus, SHA: commit, Rebuilt: true},
		{Component: "node", Repository: "BTCDecoded/bllvm-node", SHA: strings.Repeat("c3", 20)},
	}
}

// publishLocateNightly publishes nightly i as create-prerelease does: its
// annotated tag records tagged, its release body ends with the complete
// marker and, unless legacy, the manifest marker of marked.
func publishLocateNightly(w *world, i int, tagged, marked manifest.Manifest, legacy bool) {
	tag := locateTag(i)
	commit := orchestratorAt(i)
	object := w.srv.SetAnnotatedTag(orchestrator, tag, commit, manifest.Message(tag, orchestrator, commit, tagged))
	body := "### What this nightly holds\n\n" + nightly.CompleteMarker(object)
	if !legacy {
		body += "\n" + nightly.ManifestMarker(marked)
	}
	day := time.Date(2025, 10, 1+i, 2, 0, 0, 0, time.UTC)
	w.srv.AddRelease(orchestrator, githubtest.Release{TagName: tag, TargetCommitish: commit, Body: body, Prerelease: true, CreatedAt: day})
}

// runLocate runs locate in the locate world with vars, once setup (if
// any) has changed the world.
func runLocate(t *testing.T, vars map[string]string, setup func(w *world)) outcome {
	t.Helper()
	w := locateWorld(t, nil).with(vars)
	if setup != nil {
		setup(w)
	}
	return w.run()
}

func compares(requests []githubtest.Request) int {
	n := 0
	for _, r := range requests {
		if strings.Contains(r.Path, "/compare/") {
			n++
		}
	}
	return n
}

func ceilLog2(n int) int { return bits.Len(uint(n - 1)) }

// locate finds the oldest nightly that holds a commit, in at most
// ⌈log2 N⌉ + 2 compares and 2 requests more, whatever names the commit.
func TestLocate(t *testing.T) {
	require.Equal(t, locateCompares, ceilLog2(locateNightlies)+2)
	tests := []struct {
		name      string
		vars      map[string]string
		setup     func(w *world)
		wantFirst int // the index of the nightly; -1: none yet
		wantSHA   string
	}{
		{"a commit first held by the 23rd nightly, as an ancestor", map[string]string{"INPUT_SHA": consensusAt(44)}, nil, 22, consensusAt(44)},
		{"a commit the 23rd nightly holds as itself", map[string]string{"INPUT_SHA": consensusAt(45)}, nil, 22, consensusAt(45)},
		{"in capitals: the same commit", map[string]string{"INPUT_SHA": strings.ToUpper(consensusAt(44))}, nil, 22, consensusAt(44)},
		{"the first commit: in every nightly", map[string]string{"INPUT_SHA": consensusAt(0)}, nil, 0, consensusAt(0)},
		{"the first nightly's own commit", map[string]string{"INPUT_SHA": consensusAt(1)}, nil, 0, consensusAt(1)},
		{"the newest nightly's", map[string]string{"INPUT_SHA": consensusAt(78)}, nil, 39, consensusAt(78)},
		{"the second newest's", map[string]string{"INPUT_SHA": consensusAt(76)}, nil, 38, consensusAt(76)},
		{"a branch, resolved in the component's repository", map[string]string{"INPUT_REF": "release/0.4"},
			func(w *world) { w.srv.SetBranch(consensus, "release/0.4", consensusAt(44)) }, 22, consensusAt(44)},
		{"a tag", map[string]string{"INPUT_REF": "v0.4.0"},
			func(w *world) { w.srv.SetTag(consensus, "v0.4.0", consensusAt(30)) }, 15, consensusAt(30)},
		{"a full commit id as ref", map[string]string{"INPUT_REF": consensusAt(61)}, nil, 30, consensusAt(61)},
		{"a commit not in any nightly yet", map[string]string{"INPUT_SHA": consensusAt(80)}, nil, -1, consensusAt(80)},
		{"the head of main, not in any nightly yet", map[string]string{"INPUT_REF": "main"}, nil, -1, consensusAt(80)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := runLocate(t, tt.vars, tt.setup)
			require.Equal(t, 0, o.code, o.stdout)

			assert.LessOrEqual(t, compares(o.requests), locateCompares, "at most ⌈log2 N⌉ + 2 compares")
			assert.LessOrEqual(t, len(o.requests), locateBudget, "and 2 requests more")
			assert.Zero(t, countMutating(o.requests), "locate writes nothing")
			assert.Equal(t, "GET /repos/BTCDecoded/bllvm-consensus/compare/HEAD..."+orDefault(tt.vars["INPUT_REF"], strings.ToLower(tt.vars["INPUT_SHA"])),
				o.requests[0].Method+" "+o.requests[0].Path, "first, the commit is found on the default branch")
			assert.Equal(t, "/repos/BTCDecoded/bllvm/releases", o.requests[1].Path)
			if tt.wantFirst < 0 {
				assert.Equal(t, map[string]string{"found": "false", "tag": "", "url": "", "nightlies": "0"}, o.outputs)
				assert.Equal(t, 3, len(o.requests), "one probe, of the newest, says no nightly holds it")
				assert.Contains(t, o.stdout, "done: no published nightly holds consensus "+tt.wantSHA[:7]+" yet\n")
				assert.NotContains(t, o.stdout, "::error::")
				return
			}
			tag := locateTag(tt.wantFirst)
			newer := locateNightlies - 1 - tt.wantFirst
			url := "https://github.com/BTCDecoded/bllvm/releases/tag/" + tag
			assert.Equal(t, map[string]string{"found": "true", "tag": tag, "url": url, "nightlies": fmt.Sprint(newer)}, o.outputs)
			last := o.requests[len(o.requests)-1]
			assert.Equal(t, "GET", last.Method)
			assert.True(t, strings.HasPrefix(last.Path, "/repos/BTCDecoded/bllvm/git/tags/"), "the answer is checked against its tag object, within the budget: %s", last.Path)
			assert.Contains(t, o.stdout, "done: consensus "+tt.wantSHA[:7]+" is first in "+tag+": "+url)
			assert.Contains(t, o.summary, "["+tag+"]("+url+")")
		})
	}
}

// Every commit of main from the first to the newest nightly's is found
// in the nightly that first holds it, within the budget: the search is
// exact at both ends and everywhere between.
func TestLocateEveryCommit(t *testing.T) {
	w := locateWorld(t, nil)
	for j := range 2 * locateNightlies {
		w.vars["INPUT_SHA"] = consensusAt(j)
		o := w.run()
		require.Equal(t, 0, o.code, o.stdout)
		assert.Equal(t, locateTag(j/2), o.outputs["tag"], "commit %d", j)
		assert.LessOrEqual(t, compares(o.requests), locateCompares, "commit %d", j)
		assert.LessOrEqual(t, len(o.requests), locateBudget, "commit %d", j)
	}
}

// Nightlies published before the manifest marker are still searched: what
// each holds is read from its tag object, one request more per nightly
// probed.
func TestLocateNightliesBeforeTheManifestMarker(t *testing.T) {
	tests := []struct {
		name   string
		legacy func(i int) bool
	}{
		{"all of them", func(int) bool { return true }},
		{"the older half", func(i int) bool { return i < locateNightlies/2 }},
		{"the newer half", func(i int) bool { return i >= locateNightlies/2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := locateWorld(t, tt.legacy).with(map[string]string{"INPUT_SHA": consensusAt(44)})
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, locateTag(22), o.outputs["tag"])
			tagObjects := 0
			for _, r := range o.requests {
				if strings.HasPrefix(r.Path, "/repos/BTCDecoded/bllvm/git/tags/") {
					tagObjects++
				}
			}
			assert.Positive(t, tagObjects)
			assert.LessOrEqual(t, compares(o.requests), locateCompares)
			assert.LessOrEqual(t, len(o.requests), locateBudget+ceilLog2(locateNightlies)+1, "one tag object more per nightly probed")
		})
	}
}

// A commit that is not on the component's branch is refused, naming the
// commit, the repository and the branch, before any release is listed;
// so is one the repository does not have, naming what was asked.
func TestLocateRefused(t *testing.T) {
	const side = "5eed000000000000000000000000000000000001"
	tests := []struct {
		name  string
		vars  map[string]string
		setup func(w *world)
		want  []string
	}{
		{"a commit of another branch", map[string]string{"INPUT_SHA": side},
			func(w *world) { w.srv.AddCommitOn(consensus, consensusAt(10), side) },
			[]string{"locate component consensus: commit " + side + " is not on branch main of " + consensus, `"diverged"`}},
		{"another branch", map[string]string{"INPUT_REF": "feature"},
			func(w *world) {
				w.srv.AddCommitOn(consensus, consensusAt(10), side)
				w.srv.SetBranch(consensus, "feature", side)
			},
			[]string{"locate component consensus: feature is not on branch main of " + consensus}},
		{"a commit the repository does not have", map[string]string{"INPUT_SHA": strings.Repeat("d", 40)}, nil,
			[]string{"locate component consensus: " + consensus + " has no commit " + strings.Repeat("d", 40), "contents: read"}},
		{"a name the repository does not have", map[string]string{"INPUT_REF": "v9.9.9"}, nil,
			[]string{"locate component consensus: " + consensus + " has no branch, tag or commit v9.9.9", "contents: read"}},
		{"a graph's branch the repository does not have", map[string]string{"INPUT_SHA": consensusAt(3), "INPUT_GRAPH": "consensus: {branch: stable}"}, nil,
			[]string{"has no commit " + consensusAt(3) + " or no branch stable (the graph's branch key)"}},
		{"a commit of main, not of the graph's branch", map[string]string{"INPUT_SHA": consensusAt(44), "INPUT_GRAPH": "consensus: {branch: stable}"},
			func(w *world) { w.srv.SetBranch(consensus, "stable", consensusAt(20)) },
			[]string{"commit " + consensusAt(44) + " is not on branch stable of " + consensus, `"ahead"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := runLocate(t, tt.vars, tt.setup)
			require.Equal(t, 1, o.code, o.stdout)
			line := errorLine(t, o.stdout)
			for _, want := range tt.want {
				assert.Contains(t, line, want)
			}
			for _, r := range o.requests {
				assert.NotEqual(t, "/repos/BTCDecoded/bllvm/releases", r.Path, "no release is listed")
			}
			assert.LessOrEqual(t, len(o.requests), 2, "the compare, and the default branch's name")
			assert.Empty(t, o.outputs)
		})
	}
}

// A nightly whose release body and tag record different commits of the
// component is not an answer: the check of the answer against its tag
// object names it.
func TestLocateAnswerDisagreesWithItsTag(t *testing.T) {
	w := locateWorld(t, nil).with(map[string]string{"INPUT_SHA": consensusAt(80)})
	// A 41st nightly whose body claims the head of main, while its tag
	// records what the 40th holds.
	publishLocateNightly(w, locateNightlies, locateManifest(consensusAt(79)), locateManifest(consensusAt(80)), false)

	o := w.run()
	require.Equal(t, 1, o.code, o.stdout)
	line := errorLine(t, o.stdout)
	assert.Contains(t, line, "check "+locateTag(locateNightlies)+" against its tag: its release body records consensus of "+consensus+" at "+consensusAt(80)+
		", its tag "+consensusAt(79)+" of "+consensus+": the two disagree")
	assert.Empty(t, o.outputs)
	assert.LessOrEqual(t, len(o.requests), 2+ceilLog2(locateNightlies+1)+2)
}

// Every bad input is reported, naming the input, before any request.
func TestLocateBadInputs(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want []string // the inputs named
	}{
		{"an unknown component", map[string]string{"INPUT_COMPONENT": "wallet", "INPUT_SHA": consensusAt(1)}, []string{`input component: names "wallet", which the graph does not know; its components: consensus, protocol, node, sdk, governance, bllvm`}},
		{"no component", map[string]string{"INPUT_COMPONENT": "", "INPUT_SHA": consensusAt(1)}, []string{"input component: is empty"}},
		{"neither sha nor ref", nil, []string{"input sha: is empty, and so is ref"}},
		{"both sha and ref", map[string]string{"INPUT_SHA": consensusAt(1), "INPUT_REF": "main"}, []string{"input ref: must be empty when sha is set"}},
		{"a short id as sha", map[string]string{"INPUT_SHA": "1010101"}, []string{"input sha: must be a full commit id", "input sha: takes a full commit id only; give a short one, a branch or a tag as ref"}},
		{"a ref no git name can be", map[string]string{"INPUT_REF": "main~1"}, []string{"input ref: must be a git ref", "input ref: must be a branch, tag or commit id of the component's repository"}},
		{"a bad prefix", map[string]string{"INPUT_SHA": consensusAt(1), "INPUT_PREFIX": "a b"}, []string{"input prefix: must make a valid tag name"}},
		{"a graph without the component", map[string]string{"INPUT_SHA": consensusAt(1), "INPUT_GRAPH": "core: {}"}, []string{`input component: names "consensus", which the graph does not know; its components: core`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t).with(map[string]string{"INPUT_MODE": "locate", "GITHUB_REPOSITORY": orchestrator, "INPUT_COMPONENT": "consensus"}).with(tt.vars)
			o := w.run()
			require.Equal(t, 1, o.code, o.stdout)
			assert.Empty(t, o.requests, "no request is sent")
			var lines []string
			for _, line := range strings.Split(o.stdout, "\n") {
				if text, ok := strings.CutPrefix(line, "::error::"); ok {
					lines = append(lines, text)
				}
			}
			require.Len(t, lines, len(tt.want), o.stdout)
			for i, want := range tt.want {
				assert.Contains(t, lines[i], want)
			}
		})
	}
}

// On a laptop: flags, the token of gh's login when no other is set, the
// outputs as name=value lines on stdout and the log, ending with the tag
// and its address, on stderr.
func TestLocateOnALaptop(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		ghToken  func(context.Context) (string, error)
		wantCode int
		wantErr  string
		wantGH   bool // gh auth token was asked
	}{
		{"gh's login", nil, func(context.Context) (string, error) { return token + "\n", nil }, 0, "", true},
		{"GITHUB_TOKEN before gh", map[string]string{"GITHUB_TOKEN": token}, func(context.Context) (string, error) { return "gho_notThisOne", nil }, 0, "", false},
		{"gh logged out", nil, func(context.Context) (string, error) { return "", errors.New("exit status 1") }, 1, "error: input token: is empty: pass a token", true},
		{"no gh", nil, nil, 1, "error: input token: is empty: pass a token", false},
		{"gh answering a token no request can carry", nil, func(context.Context) (string, error) { return "gho_a b", nil }, 1, "(in the output of gh auth token)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := locateWorld(t, nil).with(tt.vars)
			for k := range w.vars {
				if strings.HasPrefix(k, "GITHUB_") && k != "GITHUB_TOKEN" || strings.HasPrefix(k, "INPUT_") {
					delete(w.vars, k)
				}
			}
			asked := false
			if tt.ghToken != nil {
				w.ghToken = func(ctx context.Context) (string, error) {
					asked = true
					return tt.ghToken(ctx)
				}
			}
			o := w.run("--mode=locate", "--repository="+orchestrator, "--component=consensus", "--sha="+consensusAt(44))
			require.Equal(t, tt.wantCode, o.code, o.stderr)
			assert.Equal(t, tt.wantGH, asked)
			assert.NotContains(t, o.stderr, "::", "no workflow commands outside Actions")
			if tt.wantErr != "" {
				assert.Contains(t, o.stderr, tt.wantErr)
				assert.Empty(t, o.requests)
				return
			}
			tag := locateTag(22)
			url := "https://github.com/BTCDecoded/bllvm/releases/tag/" + tag
			assert.Equal(t, "found=true\ntag="+tag+"\nurl="+url+"\nnightlies=17\n", o.stdout, "stdout holds only the outputs")
			assert.True(t, strings.HasSuffix(o.stderr, "done: consensus "+consensusAt(44)[:7]+" is first in "+tag+": "+url+" (and in the 17 newer ones)\n"), o.stderr)
			for _, r := range o.requests {
				assert.Equal(t, "Bearer "+token, r.Header.Get("Authorization"))
			}
		})
	}
}

// In a workflow the token is the token input alone: gh is never asked,
// whatever it would answer.
func TestGHTokenNotAskedInActions(t *testing.T) {
	w := locateWorld(t, nil).with(map[string]string{"INPUT_SHA": consensusAt(44)})
	delete(w.vars, "INPUT_TOKEN")
	w.ghToken = func(context.Context) (string, error) {
		t.Error("gh auth token asked in a workflow")
		return token, nil
	}
	o := w.run()
	require.Equal(t, 1, o.code, o.stdout)
	assert.Contains(t, errorLine(t, o.stdout), "input token: is empty")
	assert.Empty(t, o.requests)
}

// The nightly's address is GitHub's html_url only on the server's own
// host; any other is replaced by the address built from the server's:
// on a laptop, the server is the API's.
func TestLocateURL(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"GitHub's, on github.com", nil, "https://github.com/BTCDecoded/bllvm/releases/tag/" + locateTag(22)},
		{"GitHub Enterprise Server's, on the runner's server", map[string]string{"INPUT_API-URL": "https://ghes.example.com/api/v3", "GITHUB_SERVER_URL": "https://ghes.example.com"},
			"https://ghes.example.com/BTCDecoded/bllvm/releases/tag/" + locateTag(22)},
		{"GitHub Enterprise Server's from a laptop, without a runner's server", map[string]string{"INPUT_API-URL": "https://ghes.example.com/api/v3", "GITHUB_SERVER_URL": ""},
			"https://ghes.example.com/BTCDecoded/bllvm/releases/tag/" + locateTag(22)},
		{"on another host than the runner's server: built from the server's", map[string]string{"GITHUB_SERVER_URL": "https://github.example.org"},
			"https://github.example.org/BTCDecoded/bllvm/releases/tag/" + locateTag(22)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := locateWorld(t, nil).with(map[string]string{"INPUT_SHA": consensusAt(44)}).with(tt.vars)
			o := w.run()
			require.Equal(t, 0, o.code, o.stdout)
			assert.Equal(t, tt.want, o.outputs["url"])
		})
	}
}
