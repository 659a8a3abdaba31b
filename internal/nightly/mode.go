package nightly

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/report"
)

// Client is what the nightly-tag mode needs from GitHub.
type Client struct {
	Git     Git
	Commits Commits
	// Releases and Compare are needed with a manifest only; Tags also
	// reads a nightly that someone tagged annotated.
	Tags     TagObjects
	Releases Releases
	Compare  Compare
}

// Compare compares two commits of a repository.
type Compare interface {
	CompareCommits(ctx context.Context, owner, repo, base, head string, opts *gh.ListOptions) (*gh.CommitsComparison, *gh.Response, error)
}

// Options is a validated nightly-tag run.
type Options struct {
	Owner, Repo   string
	Own           string // the workflow's repository, for error hints
	Name          Name
	PushTag       bool
	SkipUnchanged bool
	// Manifest is the snapshot this nightly holds; nil keeps the nightly a
	// name for the orchestrator's commit alone.
	Manifest  manifest.Manifest
	ServerURL string
	DryRun    bool
}

// Run computes the tag and, when asked, looks at the existing nightlies
// and creates the tag. Without push-tag or skip-unchanged it sends nothing.
func Run(ctx context.Context, c Client, o Options) (report.Result, error) {
	access := github.Access{Repository: o.Owner + "/" + o.Repo, Own: o.Own, Permission: "contents: read"}
	if o.Manifest != nil && (o.PushTag || o.SkipUnchanged) {
		res, err := runSnapshot(ctx, c, o)
		if err != nil {
			if o.PushTag {
				access.Permission = "contents: write"
			}
			return report.Result{}, github.Explain(err, access)
		}
		return res, nil
	}
	var res report.Result
	setName(&res, o.Name)

	changed, created := true, false
	var previous Tag
	if o.PushTag || o.SkipUnchanged {
		tags, err := List(ctx, c.Git, o.Owner, o.Repo, o.Name.Prefix)
		if err != nil {
			return report.Result{}, github.Explain(err, access)
		}
		r := newReader(c, o)
		own := Tag{Name: o.Name.Tag, Date: o.Name.Date, Short: o.Name.ShortSHA, Suffix: 1}
		if previous, _, err = Newest(ctx, r, Older(tags, own)); err != nil {
			return report.Result{}, github.Explain(err, access)
		}
		if o.SkipUnchanged {
			newest, ok, err := Newest(ctx, r, tags)
			if err != nil {
				return report.Result{}, github.Explain(err, access)
			}
			if ok {
				snap, err := r.Snapshot(ctx, newest)
				if err != nil {
					return report.Result{}, github.Explain(err, access)
				}
				changed = !strings.EqualFold(snap.Commit, o.Name.SHA)
			}
			if !changed {
				res.Notices = append(res.Notices, fmt.Sprintf("%s already points at %s: nothing to do", newest.Name, o.Name.ShortSHA))
			}
		}
		if o.PushTag && changed {
			access.Permission = "contents: write"
			if created, err = createKnown(ctx, c, r, o, tags); err != nil {
				return report.Result{}, github.Explain(err, access)
			}
		}
	}
	res.Set("previous-tag", previous.Name)
	res.Set("changed", strconv.FormatBool(changed))
	res.Set("created", strconv.FormatBool(created))
	res.Summary = summary(o, o.Name, previous.Name, changed, created, nil)
	return res, nil
}

func setName(res *report.Result, n Name) {
	res.Set("tag", n.Tag)
	res.Set("version", n.Version)
	res.Set("date", n.Date)
	res.Set("sha", n.SHA)
	res.Set("short-sha", n.ShortSHA)
}

// createKnown creates the tag unless the listing already shows it, which
// saves the create-then-read round trip on a rerun.
func createKnown(ctx context.Context, c Client, r *Reader, o Options, tags []Tag) (bool, error) {
	for _, t := range tags {
		if t.Name != o.Name.Tag {
			continue
		}
		snap, err := r.Snapshot(ctx, t)
		if err != nil {
			return false, err
		}
		if !strings.EqualFold(snap.Commit, o.Name.SHA) {
			return false, &CommitMismatchError{Tag: t.Name, Want: o.Name.SHA, Have: snap.Commit}
		}
		return false, nil
	}
	return Create(ctx, c.Git, c.Tags, o.Owner, o.Repo, o.Name.Tag, o.Name.SHA, true)
}

func summary(o Options, name Name, previous string, changed, created bool, changedComponents []string) report.Summary {
	server := o.ServerURL
	if server == "" {
		server = "https://github.com"
	}
	repo := server + "/" + o.Owner + "/" + o.Repo
	s := report.Summary{Title: "Nightly tag"}
	switch {
	case !changed:
		s.Add("Status", "unchanged: the newest nightly already holds this snapshot, published")
	case created && o.DryRun:
		s.Add("Status", "dry run: would create the tag")
	case created:
		s.Add("Status", "tag created")
	case o.PushTag && o.Manifest != nil:
		s.Add("Status", "tag already there, its prerelease not published yet")
	case o.PushTag:
		s.Add("Status", "tag already there")
	default:
		s.Add("Status", "computed (push-tag is off)")
	}
	s.Add("Tag", report.Link(name.Tag, repo+"/tree/"+name.Tag))
	s.Add("Commit", report.Link(name.ShortSHA, repo+"/commit/"+name.SHA))
	if previous != "" {
		s.Add("Previous", report.Link(previous, repo+"/compare/"+previous+"..."+name.Tag))
	}
	if o.Manifest != nil {
		s.Add("Changed components", report.Text(orNone(strings.Join(changedComponents, ", "))))
		for _, e := range o.Manifest {
			s.Add(e.Component, report.Link(e.SHA[:7], server+"/"+e.Repository+"/commit/"+e.SHA)+" "+report.Text(e.Repository))
		}
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
