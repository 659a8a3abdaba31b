package triage

import (
	"bytes"
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// Commit is one suspect commit as GitHub described it: every field is a
// server's value, made inert only when it is written out.
type Commit struct {
	SHA     string // 40 hex, checked
	Message string
	Author  string // login; "" when GitHub matched no user
	Files   []string
	// FilesRead says Files was read (within max-suspect-commits); a
	// commit whose files were not read is never matched.
	FilesRead bool
}

// Suspect is a component whose commit moved between the last good
// nightly and the failing run.
type Suspect struct {
	Component  string
	Repository string // owner/name
	From, To   string // 40 hex each
	Commits    []Commit
	// Total is how many commits lie between From and To; more than
	// len(Commits) when the list was cut.
	Total int
}

// Log is the tail of one failed job's log.
type Log struct {
	Job  string // the job's name, from the server
	Text []byte
}

// Match is one log line naming a file a suspect commit changed.
type Match struct {
	File string
	Job  string
	Line string // raw; made inert when written
}

// Ranked is a suspect commit with what ties it to the failure.
type Ranked struct {
	Suspect int // index into the suspects
	Commit  int // index into its commits
	Matches []Match
	// Lines is how many log lines named its files; Matches keeps the
	// first MaxQuoted of them.
	Lines int
	// Qualified counts the lines that named a file under its
	// repository's folder (bllvm-consensus/src/script.rs), which
	// no other repository's file can.
	Qualified int
}

// MaxQuoted bounds the log lines quoted per suspect commit.
const MaxQuoted = 5

// Rank orders every suspect commit whose files were read: those whose
// changed files appear in the logs first (most lines naming the file
// under its own repository's folder, then most lines), then the others
// in the suspects' order, newest first.
func Rank(suspects []Suspect, logs []Log) []Ranked {
	type ref struct{ suspect, commit int }
	byPath := map[string][]ref{}
	var ranked []Ranked
	for i, s := range suspects {
		for j, c := range s.Commits {
			if !c.FilesRead {
				continue
			}
			ranked = append(ranked, Ranked{Suspect: i, Commit: j})
			for _, f := range c.Files {
				f = strings.TrimPrefix(f, "./")
				if f != "" {
					byPath[f] = append(byPath[f], ref{i, j})
				}
			}
		}
	}
	position := map[ref]int{}
	for k, r := range ranked {
		position[ref{r.Suspect, r.Commit}] = k
	}
	for _, l := range logs {
		for line := range lines(l.Text) {
			// A line counts once per commit, however many of its
			// files it names.
			seen := map[ref]bool{}
			for _, token := range pathTokens(line) {
				for path, qualifiedBy := range suffixes(token) {
					for _, r := range byPath[path] {
						if seen[r] {
							continue
						}
						seen[r] = true
						rk := &ranked[position[r]]
						rk.Lines++
						if qualifiedBy != "" && strings.EqualFold(qualifiedBy, repoName(suspects[r.suspect].Repository)) {
							rk.Qualified++
						}
						if len(rk.Matches) < MaxQuoted {
							rk.Matches = append(rk.Matches, Match{File: path, Job: l.Job, Line: line})
						}
					}
				}
			}
		}
	}
	slices.SortStableFunc(ranked, func(a, b Ranked) int {
		return cmp.Or(-cmp.Compare(a.Qualified, b.Qualified), -cmp.Compare(a.Lines, b.Lines))
	})
	return ranked
}

func repoName(fullName string) string {
	_, name, _ := strings.Cut(fullName, "/")
	return name
}

// timestampRE is the time GitHub puts before every line of a job's log.
var timestampRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z `)

// lines yields the log's lines without GitHub's timestamps and terminal
// escapes.
func lines(text []byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for len(text) > 0 {
			line := text
			if i := bytes.IndexByte(text, '\n'); i >= 0 {
				line, text = text[:i], text[i+1:]
			} else {
				text = nil
			}
			s := ansiRE.ReplaceAllString(string(bytes.TrimRight(line, "\r")), "")
			s = timestampRE.ReplaceAllString(s, "")
			if strings.TrimSpace(s) != "" && !yield(s) {
				return
			}
		}
	}
}

// pathChars are the characters a path in a log is taken to be made of.
func pathChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-/\\+~", r)
}

// lineColRE is the :line or :line:column a compiler puts after a path.
var lineColRE = regexp.MustCompile(`(:\d+)+$`)

// pathTokens are the words of a line that could be paths: holding a
// slash or a dot, with Windows separators turned around and a trailing
// :line:column cut.
func pathTokens(line string) []string {
	var tokens []string
	for _, word := range strings.FieldsFunc(line, func(r rune) bool { return !pathChar(r) && r != ':' }) {
		word = lineColRE.ReplaceAllString(word, "")
		for part := range strings.SplitSeq(word, ":") {
			part = strings.Trim(strings.ReplaceAll(part, `\`, "/"), ".")
			if part != "" && strings.ContainsAny(part, "./") {
				tokens = append(tokens, part)
			}
		}
	}
	return tokens
}

// suffixes yields token and every tail of it that starts after a slash,
// each with the folder right before it ("" for the token itself): the
// paths relative to a repository that the token could name.
func suffixes(token string) func(func(string, string) bool) {
	return func(yield func(string, string) bool) {
		parts := strings.Split(token, "/")
		for k := range parts {
			path := strings.Join(parts[k:], "/")
			if path == "" {
				continue
			}
			folder := ""
			if k > 0 {
				folder = parts[k-1]
			}
			if !yield(path, folder) {
				return
			}
		}
	}
}
