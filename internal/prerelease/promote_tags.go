package prerelease

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/manifest"
	"github.com/BTCDecoded/release-action/internal/nightly"
)

// releaseTag is the release's tag in one repository: the commit it must
// name, and the message of the annotated tag that names it.
type releaseTag struct {
	repository string // owner/name
	commit     string
	message    string
	// orchestrator marks the orchestrator's own tag, whose message must
	// record the nightly's manifest.
	orchestrator bool
	// there says the tag is in place: at commit (and, the orchestrator's,
	// recording the manifest).
	there bool
}

// existingTag is a tag as read.
type existingTag struct {
	commit    string // "" for an annotated tag of something else than a commit
	annotated bool
	message   string // an annotated tag's
}

// readTags reads the release's tag in every repository it goes in, all
// before anything is written (one GET git/ref each, and one tag object
// for an annotated tag): the orchestrator at the nightly's commit, with
// its manifest; with tag-components every component repository at the
// commit the nightly pins. A tag in place is kept; one elsewhere, or a
// set that cannot be made (the orchestrator's own component pinned at
// another commit than the nightly's, two components of one repository at
// two commits), is an error that names them all.
func (pr *promotion) readTags(ctx context.Context) error {
	o, from := pr.o, pr.from
	orchestrator := o.Owner + "/" + o.Repo
	var conflicts []string
	pr.tags = nil
	if o.TagComponents {
		pins := map[string]string{}
		for _, e := range from.Manifest {
			key := strings.ToLower(e.Repository)
			if was, seen := pins[key]; seen {
				if was != e.SHA {
					conflicts = append(conflicts, fmt.Sprintf("%s holds two components at two commits (%s and %s), which one tag cannot both name", e.Repository, short(was), short(e.SHA)))
				}
				continue
			}
			pins[key] = e.SHA
			if strings.EqualFold(e.Repository, orchestrator) {
				if e.SHA != from.Commit {
					conflicts = append(conflicts, fmt.Sprintf("component %s of %s is pinned at %s, but %s was made at %s, where the release's tag goes: one tag cannot name both (promote with tag-components: false)", e.Component, e.Repository, e.SHA, from.Tag, from.Commit))
				}
				continue
			}
			pr.tags = append(pr.tags, releaseTag{repository: e.Repository, commit: e.SHA, message: componentMessage(o.Tag, e.Repository, e.SHA, orchestrator, from)})
		}
	}
	pr.tags = append(pr.tags, releaseTag{repository: orchestrator, commit: from.Commit, message: manifest.Message(o.Tag, orchestrator, from.Commit, from.Manifest), orchestrator: true})
	for i := range pr.tags {
		conflict, err := pr.tagState(ctx, &pr.tags[i])
		if err != nil {
			return err
		}
		if conflict != "" {
			conflicts = append(conflicts, conflict)
		}
	}
	if len(conflicts) > 0 {
		return fmt.Errorf("tag %s cannot be made as the release needs it, so nothing is written: %s", o.Tag, strings.Join(conflicts, "; "))
	}
	return nil
}

// componentMessage is the message of the tag of a component repository:
// which release of the orchestrator it belongs to.
func componentMessage(tag, repository, commit, orchestrator string, from nightly.Base) string {
	return fmt.Sprintf("%s: %s at %s\n\nPart of release %s of %s, promoted from %s (%s at %s).\n", tag, repository, commit, tag, orchestrator, from.Tag, orchestrator, from.Commit)
}

// tagState reads t's tag and says whether it is in place (t.there), or
// what is wrong with it ("" when nothing is: absent, or in place).
func (pr *promotion) tagState(ctx context.Context, t *releaseTag) (string, error) {
	existing, found, err := pr.readTag(ctx, t.repository, pr.o.Tag)
	if err != nil || !found {
		return "", err
	}
	tag := pr.o.Tag
	switch {
	case existing.commit == "":
		return fmt.Sprintf("%s has tag %s already, an annotated tag of something else than a commit", t.repository, tag), nil
	case !strings.EqualFold(existing.commit, t.commit):
		return fmt.Sprintf("%s has tag %s already, at %s, not at %s: delete it, or promote under another tag", t.repository, tag, existing.commit, t.commit), nil
	case !t.orchestrator:
		t.there = true
		return "", nil
	}
	recorded, found, err := manifest.FromMessage(existing.message)
	switch {
	case !existing.annotated || !found:
		return fmt.Sprintf("%s has tag %s already, at %s, but it records no manifest (a tag made by hand?): delete it and rerun, or promote under another tag", t.repository, tag, t.commit), nil
	case err != nil:
		return fmt.Sprintf("%s has tag %s already, at %s, recording a manifest that cannot be read: delete it and rerun, or promote under another tag", t.repository, tag, t.commit), nil
	case !recorded.SameCommits(pr.from.Manifest):
		return fmt.Sprintf("%s has tag %s already, at %s, recording another manifest than %s (%s): delete it, or promote under another tag", t.repository, tag, t.commit, pr.from.Tag, differences(recorded, pr.from.Manifest)), nil
	}
	t.there = true
	return "", nil
}

// readTag reads refs/tags/<tag> of repository, peeling an annotated tag
// (one request more); found is false when there is none.
func (pr *promotion) readTag(ctx context.Context, repository, tag string) (existingTag, bool, error) {
	owner, repo, _ := strings.Cut(repository, "/")
	route := "GET /repos/" + repository + "/git/ref/tags/" + tag
	ref, _, err := pr.c.Refs.GetRef(ctx, owner, repo, "tags/"+tag)
	switch {
	case isNotFound(err):
		return existingTag{}, false, nil
	case err != nil:
		return existingTag{}, false, pr.explain(repository, "contents: read", fmt.Errorf("read tag %s of %s: %w", tag, repository, err))
	case ref == nil || !inputs.IsSHA(strings.ToLower(ref.GetObject().GetSHA())):
		return existingTag{}, false, fmt.Errorf("read tag %s of %s: %w", tag, repository, github.Malformed(route, "the answer has no object.sha, what the tag points at"))
	}
	sha := strings.ToLower(ref.GetObject().GetSHA())
	if ref.GetObject().GetType() != "tag" {
		return existingTag{commit: sha}, true, nil
	}
	obj, _, err := pr.c.Tags.GetTag(ctx, owner, repo, sha)
	if err != nil {
		return existingTag{}, false, pr.explain(repository, "contents: read", fmt.Errorf("read the tag object of %s of %s: %w", tag, repository, err))
	}
	existing := existingTag{annotated: true, message: obj.GetMessage()}
	if commit := strings.ToLower(obj.GetObject().GetSHA()); obj.GetObject().GetType() == "commit" && inputs.IsSHA(commit) {
		existing.commit = commit
	}
	return existing, true, nil
}

// tag is the step that makes the release's tags not in place yet: the
// component repositories' first, the orchestrator's last.
func (pr *promotion) tag(ctx context.Context) (string, error) {
	var made, there []string
	for i := range pr.tags {
		t := &pr.tags[i]
		if t.there {
			there = append(there, t.repository)
			continue
		}
		if err := pr.createTag(ctx, t); err != nil {
			return "", err
		}
		made = append(made, t.repository)
	}
	switch {
	case len(made) == 0:
		return fmt.Sprintf("tag %s: in place already in %s", pr.o.Tag, strings.Join(there, ", ")), nil
	case len(there) == 0:
		return fmt.Sprintf("tagged %s in %s", pr.o.Tag, strings.Join(made, ", ")), nil
	}
	return fmt.Sprintf("tagged %s in %s; in place already in %s", pr.o.Tag, strings.Join(made, ", "), strings.Join(there, ", ")), nil
}

// createTag makes t's annotated tag: the tag object, then the ref to it.
// A ref refused because the tag exists (422) is read: made meanwhile by
// another run promoting the same nightly (or by this one, whose answer
// was lost), it is kept; anything else is an error.
func (pr *promotion) createTag(ctx context.Context, t *releaseTag) error {
	o := pr.o
	owner, repo, _ := strings.Cut(t.repository, "/")
	obj, _, err := pr.c.Tags.CreateTag(ctx, owner, repo, &gh.Tag{
		Tag:     gh.String(o.Tag),
		Message: gh.String(t.message),
		Object:  &gh.GitObject{Type: gh.String("commit"), SHA: gh.String(t.commit)},
	})
	if err != nil {
		return pr.explain(t.repository, "contents: write", fmt.Errorf("create the tag object of %s in %s at %s: %w", o.Tag, t.repository, t.commit, err))
	}
	object := obj.GetSHA()
	switch {
	case object == "" && o.DryRun:
		object = "(the sha of the tag object above)"
	case !inputs.IsSHA(strings.ToLower(object)):
		return fmt.Errorf("create the tag object of %s in %s: %w", o.Tag, t.repository, github.Malformed("POST /repos/"+t.repository+"/git/tags", "the answer has no sha, the new tag object's"))
	}
	ref := &gh.Reference{Ref: gh.String("refs/tags/" + o.Tag), Object: &gh.GitObject{SHA: gh.String(object)}}
	_, _, err = pr.c.Refs.CreateRef(ctx, owner, repo, ref)
	if err == nil {
		o.Logf("tagged %s %s at %s", t.repository, o.Tag, t.commit)
		t.there = true
		return nil
	}
	if !github.IsStatus(err, http.StatusUnprocessableEntity) {
		return pr.explain(t.repository, "contents: write", fmt.Errorf("create tag %s in %s: %w", o.Tag, t.repository, err))
	}
	conflict, readErr := pr.tagState(ctx, t)
	switch {
	case readErr != nil:
		return readErr
	case conflict != "":
		return fmt.Errorf("create tag %s: made meanwhile by another run, not as this one makes it: %s", o.Tag, conflict)
	case !t.there:
		// The 422 was about something else than an existing tag.
		return pr.explain(t.repository, "contents: write", fmt.Errorf("create tag %s in %s: %w", o.Tag, t.repository, err))
	}
	o.Logf("tag %s of %s was made meanwhile, by another run, as this one makes it", o.Tag, t.repository)
	return nil
}

// explain adds to err, when it is about a repository other than the
// orchestrator, what to change there; Promote explains the others.
func (pr *promotion) explain(repository, permission string, err error) error {
	if strings.EqualFold(repository, pr.o.Owner+"/"+pr.o.Repo) {
		return err
	}
	return &explainedElsewhere{github.Explain(err, github.Access{Repository: repository, Own: pr.o.Own, Permission: permission})}
}

// explainedElsewhere is an error already explained for the repository it
// is about.
type explainedElsewhere struct{ err error }

func (e *explainedElsewhere) Error() string { return e.err.Error() }
func (e *explainedElsewhere) Unwrap() error { return e.err }
