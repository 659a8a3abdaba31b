// Package yank is the yank mode: it withdraws a nightly or a release
// without breaking a link to it (its page, tag and assets stay), and
// takes a yank back. What it writes is the top of the release's notes and
// its title; every mode that picks a nightly reads the notes back
// (nightly.Yanked) and passes a yanked one over.
package yank

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/nightly"
	"github.com/BTCDecoded/release-action/internal/prerelease"
	"github.com/BTCDecoded/release-action/internal/report"
)

// Releases is what yank needs from GitHub: one release, the latest, the
// listing (for the release to make the latest instead) and the edit.
type Releases interface {
	GetReleaseByTag(ctx context.Context, owner, repo, tag string) (*gh.RepositoryRelease, *gh.Response, error)
	GetLatestRelease(ctx context.Context, owner, repo string) (*gh.RepositoryRelease, *gh.Response, error)
	ListReleases(ctx context.Context, owner, repo string, opts *gh.ListOptions) ([]*gh.RepositoryRelease, *gh.Response, error)
	EditRelease(ctx context.Context, owner, repo string, id int64, release *gh.RepositoryRelease) (*gh.RepositoryRelease, *gh.Response, error)
}

// Request is a yank whose inputs are checked.
type Request struct {
	Owner, Repo string
	Own         string // the workflow's repository, for error hints
	Tag         string
	Reason      string // one line; unused with Undo
	Undo        bool
	ServerURL   string // the web address releases are under
	DryRun      bool
	Logf        func(format string, args ...any)
}

// Outcome is what a yank did: the step's result, and its last line.
type Outcome struct {
	Result report.Result
	Done   string
}

// maxListPages bounds the releases read for the one to make the latest.
const maxListPages = 10

// Run yanks the release of r.Tag, or takes its yank back. Everything is
// read before the first write: the release, and for a full release the
// repository's latest and, when that is this one, the release to make the
// latest instead. A rerun converges: a yank already made as asked writes
// nothing, and a latest release not yet moved is moved.
func Run(ctx context.Context, releases Releases, r Request) (Outcome, error) {
	repository := r.Owner + "/" + r.Repo
	read := github.Access{Repository: repository, Own: r.Own, Permission: "contents: read"}
	write := github.Access{Repository: repository, Own: r.Own, Permission: "contents: write"}
	// Tag names must be path-escaped: one may hold a /.
	rel, _, err := releases.GetReleaseByTag(ctx, r.Owner, r.Repo, url.PathEscape(r.Tag))
	switch {
	case github.IsStatus(err, http.StatusNotFound):
		return Outcome{}, fmt.Errorf("find the release of %s in %s: none is published (a draft cannot be yanked: delete it instead)", r.Tag, repository)
	case err == nil && (rel.GetID() == 0 || rel.GetTagName() != r.Tag):
		err = github.Malformed("GET /repos/"+repository+"/releases/tags/"+r.Tag, "the answer is not that tag's release")
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("find the release of %s in %s: %w", r.Tag, repository, github.Explain(err, read))
	}

	was, wasYanked := nightly.Yanked(rel.GetBody())
	body, title := rel.GetBody(), rel.GetName()
	switch {
	case r.Undo && wasYanked:
		body, title = nightly.WithoutYank(body), nightly.WithoutYankTitle(title)
	case !r.Undo:
		body, title = nightly.YankedBody(body, r.Reason), nightly.YankedTitle(title, r.Tag)
		if n := utf8.RuneCountInString(body); n > prerelease.MaxBodyChars {
			return Outcome{}, fmt.Errorf("yank %s: its notes would be %d characters with the yank's two lines, and GitHub keeps at most %d: shorten its notes, then yank it again", r.Tag, n, prerelease.MaxBodyChars)
		}
	}
	edit := body != rel.GetBody() || title != rel.GetName()

	var successor *gh.RepositoryRelease
	var notices []string
	latest := "" // what the summary says of the latest release
	switch {
	case r.Undo && !rel.GetPrerelease():
		notices = append(notices, fmt.Sprintf("%s is not made the repository's latest release again by undo: if it should be, mark it so on its page", r.Tag))
	case !r.Undo && !rel.GetPrerelease():
		// A prerelease is never the latest: only a full release is read for.
		isLatest, err := isLatest(ctx, releases, r, rel.GetID())
		if err != nil {
			return Outcome{}, fmt.Errorf("find the latest release of %s: %w", repository, github.Explain(err, read))
		}
		if isLatest {
			if successor, err = findSuccessor(ctx, releases, r, rel.GetID()); err != nil {
				return Outcome{}, fmt.Errorf("find the release to make the latest instead of %s: %w", r.Tag, github.Explain(err, read))
			}
			if successor == nil {
				latest = r.Tag + " stays it: no other published full release that is not yanked"
				notices = append(notices, fmt.Sprintf("%s stays the repository's latest release: there is no other published full release that is not yanked, and GitHub moves the latest only to another", r.Tag))
			} else {
				latest = "moved to " + successor.GetTagName() // a summary cell: report.Text escapes it
			}
		}
	}

	if edit {
		change := &gh.RepositoryRelease{Name: gh.String(title), Body: gh.String(body)}
		if !r.Undo {
			change.MakeLatest = gh.String("false")
		}
		if _, _, err := releases.EditRelease(ctx, r.Owner, r.Repo, rel.GetID(), change); err != nil {
			verb := "yank"
			if r.Undo {
				verb = "take back the yank of"
			}
			return Outcome{}, fmt.Errorf("%s %s: %w", verb, r.Tag, github.Explain(err, write))
		}
	}
	if successor != nil {
		if _, _, err := releases.EditRelease(ctx, r.Owner, r.Repo, successor.GetID(), &gh.RepositoryRelease{MakeLatest: gh.String("true")}); err != nil {
			return Outcome{}, fmt.Errorf("make %s the latest release instead of %s, yanked (rerun to finish): %w", report.Value(successor.GetTagName()), r.Tag, github.Explain(err, write))
		}
		r.Logf("%s is the latest release now, instead of %s", report.Value(successor.GetTagName()), r.Tag)
	}

	nowYanked := !r.Undo
	state := stateOf(r.Undo, wasYanked, edit, was == r.Reason)
	if nowYanked {
		// The reason is this run's input, quoted; the release's notes and
		// title, from the server, are never logged.
		r.Logf("release %s: %s; the reason: %s", r.Tag, state, report.Quote(r.Reason))
	} else {
		r.Logf("release %s: %s", r.Tag, state)
	}
	address := nightly.ReleaseURL(rel, r.ServerURL, repository, r.Tag)
	var res report.Result
	res.Set("tag", r.Tag)
	res.Set("release-url", address)
	res.Set("yanked", strconv.FormatBool(nowYanked))
	res.Notices = notices
	res.Summary = report.Summary{Title: "Yank"}
	if r.Undo {
		res.Summary.Title = "Yank taken back"
	}
	res.Summary.Add("Release", report.Link(r.Tag, address))
	res.Summary.Add("State", report.Text(state))
	if nowYanked {
		res.Summary.Add("Reason", nightly.YankText(r.Reason))
	}
	if latest != "" {
		res.Summary.Add("Latest release", report.Text(latest))
	}
	return Outcome{Result: res, Done: done(r, state, address, successor)}, nil
}

// stateOf says what the yank did to the release.
func stateOf(undo, wasYanked, edited, sameReason bool) string {
	switch {
	case undo && !wasYanked:
		return "not yanked: nothing to take back"
	case undo:
		return "no longer yanked"
	case !edited:
		return "yanked already, for this reason: nothing changed"
	case wasYanked && !sameReason:
		return "yanked, for another reason than before"
	}
	return "yanked"
}

// done is the step's last line.
func done(r Request, state, address string, successor *gh.RepositoryRelease) string {
	moved := ""
	if successor != nil {
		moved = "; " + report.Value(successor.GetTagName()) + " is the latest release"
	}
	if r.DryRun {
		return fmt.Sprintf("dry run: %s would be %s%s", r.Tag, state, moved)
	}
	return fmt.Sprintf("%s: %s (%s)%s", r.Tag, state, report.Value(address), moved)
}

// isLatest tells whether the release id is the repository's latest; a
// repository without one answers 404.
func isLatest(ctx context.Context, releases Releases, r Request, id int64) (bool, error) {
	latest, _, err := releases.GetLatestRelease(ctx, r.Owner, r.Repo)
	if github.IsStatus(err, http.StatusNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return latest.GetID() == id, nil
}

// findSuccessor returns the newest published full release other than id
// that is not yanked: the listing's first, since GitHub lists releases
// newest first. nil when there is none.
func findSuccessor(ctx context.Context, releases Releases, r Request, id int64) (*gh.RepositoryRelease, error) {
	opts := &gh.ListOptions{PerPage: 100}
	pages := github.Pages{Route: "GET /repos/" + r.Owner + "/" + r.Repo + "/releases", Max: maxListPages}
	for {
		listed, resp, err := releases.ListReleases(ctx, r.Owner, r.Repo, opts)
		if err != nil {
			return nil, err
		}
		for _, rel := range listed {
			if _, yanked := nightly.Yanked(rel.GetBody()); rel.GetID() != id && rel.GetID() != 0 && rel.Draft != nil && !rel.GetDraft() && !rel.GetPrerelease() && !yanked {
				return rel, nil
			}
		}
		next, err := pages.Next(resp)
		if err != nil || next == 0 {
			return nil, err
		}
		opts.Page = next
	}
}
