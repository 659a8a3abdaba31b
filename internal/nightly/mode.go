package nightly

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/report"
)

// Client is what the nightly-tag mode needs from GitHub.
type Client struct {
	Git     Git
	Commits Commits
}

// Options is a validated nightly-tag run.
type Options struct {
	Owner, Repo   string
	Own           string // the workflow's repository, for error hints
	Name          Name
	PushTag       bool
	SkipUnchanged bool
	ServerURL     string
	DryRun        bool
}

// Run computes the tag and, when asked, looks at the existing nightlies
// and creates the tag. Without push-tag or skip-unchanged it sends nothing.
func Run(ctx context.Context, c Client, o Options) (report.Result, error) {
	var res report.Result
	res.Set("tag", o.Name.Tag)
	res.Set("version", o.Name.Version)
	res.Set("date", o.Name.Date)
	res.Set("sha", o.Name.SHA)
	res.Set("short-sha", o.Name.ShortSHA)

	changed, created := true, false
	var previous Tag
	if o.PushTag || o.SkipUnchanged {
		access := github.Access{Repository: o.Owner + "/" + o.Repo, Own: o.Own, Permission: "contents: read"}
		tags, err := List(ctx, c.Git, o.Owner, o.Repo, o.Name.Prefix)
		if err != nil {
			return report.Result{}, github.Explain(err, access)
		}
		commits := &memoCommits{next: c.Commits}
		if previous, _, err = Newest(ctx, commits, o.Owner, o.Repo, Older(tags, o.Name.Tag, o.Name.Date)); err != nil {
			return report.Result{}, github.Explain(err, access)
		}
		if o.SkipUnchanged {
			newest, ok, err := Newest(ctx, commits, o.Owner, o.Repo, tags)
			if err != nil {
				return report.Result{}, github.Explain(err, access)
			}
			changed = !ok || !strings.EqualFold(newest.SHA, o.Name.SHA)
			if !changed {
				res.Notices = append(res.Notices, fmt.Sprintf("%s already points at %s: nothing to do", newest.Name, o.Name.ShortSHA))
			}
		}
		if o.PushTag && changed {
			access.Permission = "contents: write"
			if created, err = createKnown(ctx, c.Git, o, tags); err != nil {
				return report.Result{}, github.Explain(err, access)
			}
		}
	}
	res.Set("previous-tag", previous.Name)
	res.Set("changed", strconv.FormatBool(changed))
	res.Set("created", strconv.FormatBool(created))
	res.Summary = summary(o, previous.Name, changed, created)
	return res, nil
}

// createKnown creates the tag unless the listing already shows it, which
// saves the create-then-read round trip on a rerun.
func createKnown(ctx context.Context, git Git, o Options, tags []Tag) (bool, error) {
	for _, t := range tags {
		if t.Name != o.Name.Tag {
			continue
		}
		if !strings.EqualFold(t.SHA, o.Name.SHA) {
			return false, &CommitMismatchError{Tag: t.Name, Want: o.Name.SHA, Have: t.SHA}
		}
		return false, nil
	}
	return Create(ctx, git, o.Owner, o.Repo, o.Name.Tag, o.Name.SHA)
}

// memoCommits reads each commit once per run.
type memoCommits struct {
	next Commits
	mu   sync.Mutex
	seen map[string]*gh.RepositoryCommit
}

func (m *memoCommits) GetCommit(ctx context.Context, owner, repo, sha string, opts *gh.ListOptions) (*gh.RepositoryCommit, *gh.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.seen[sha]; ok {
		return c, nil, nil
	}
	c, resp, err := m.next.GetCommit(ctx, owner, repo, sha, opts)
	if err != nil {
		return nil, resp, err
	}
	if m.seen == nil {
		m.seen = map[string]*gh.RepositoryCommit{}
	}
	m.seen[sha] = c
	return c, resp, nil
}

func summary(o Options, previous string, changed, created bool) report.Summary {
	server := o.ServerURL
	if server == "" {
		server = "https://github.com"
	}
	repo := server + "/" + o.Owner + "/" + o.Repo
	s := report.Summary{Title: "Nightly tag"}
	switch {
	case !changed:
		s.Add("Status", "unchanged: the newest nightly already points at this commit")
	case created && o.DryRun:
		s.Add("Status", "dry run: would create the tag")
	case created:
		s.Add("Status", "tag created")
	case o.PushTag:
		s.Add("Status", "tag already there")
	default:
		s.Add("Status", "computed (push-tag is off)")
	}
	s.Add("Tag", report.Link(o.Name.Tag, repo+"/tree/"+o.Name.Tag))
	s.Add("Commit", report.Link(o.Name.ShortSHA, repo+"/commit/"+o.Name.SHA))
	if previous != "" {
		s.Add("Previous", report.Link(previous, repo+"/compare/"+previous+"..."+o.Name.Tag))
	}
	return s
}
