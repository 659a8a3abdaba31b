package report

import "strconv"

// Count is n with the noun in the form the number takes: "1 commit",
// "0 commits", "3 commits". plural is the noun's plural when it is not
// noun+"s" ("1 repository", "2 repositories"); leave it out otherwise.
// Every count the action prints, in logs and in release notes alike, goes
// through here, so none reads "1 commits" or "commit(s)".
func Count(n int, noun string, plural ...string) string {
	word := noun
	if n != 1 {
		word = noun + "s"
		if len(plural) > 0 {
			word = plural[0]
		}
	}
	return strconv.Itoa(n) + " " + word
}
