package dispatch

import (
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// MatchBranch tells whether ref is a branch the patterns allow, and if not,
// why. Patterns follow GitHub's branch filters: * does not cross a slash,
// ** does, and a pattern starting with ! excludes what it matches; the last
// pattern that matches decides. A lone * or ** allows every branch. Tags
// and pull-request refs are never branches.
func MatchBranch(patterns []string, ref string) (bool, string) {
	branch, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok {
		kind := "not a branch"
		switch {
		case strings.HasPrefix(ref, "refs/tags/"):
			kind = "a tag, not a branch"
		case strings.HasPrefix(ref, "refs/pull/"):
			kind = "a pull request, not a branch"
		}
		return false, "ref " + ref + " is " + kind
	}
	allowed := false
	for _, p := range patterns {
		negated := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		if p == "*" || p == "**" || matchGlob(p, branch) {
			allowed = !negated
		}
	}
	if !allowed {
		return false, "branch " + branch + " is not one of " + strings.Join(patterns, ", ")
	}
	return true, ""
}

func matchGlob(pattern, branch string) bool {
	ok, err := doublestar.Match(pattern, branch)
	return err == nil && ok
}
