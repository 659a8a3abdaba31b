package app

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/prerelease"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/verify"
)

// sumsAsset is the release's asset verify compares with: what
// create-prerelease attaches with checksums: SHA256SUMS.
const sumsAsset = "SHA256SUMS"

// The grid's states, as the summary and the last line say them.
const (
	gridUnchanged = "unchanged"
	gridOff       = "not recorded (record: false)"
	gridNothing   = "not recorded: nothing the release lists was built"
)

// prepareVerify checks verify's inputs before any request: the tag, the
// builder, the sigs repository, and the builder's files under the rule of
// assets.
func prepareVerify(values inputs.Values, ev event.Context, common inputs.Common, env Env, log *report.Log) (prepared, error) {
	in, err := values.Verify()
	if err != nil {
		return prepared{}, err
	}
	if err := ev.Require("repository"); err != nil {
		return prepared{}, err
	}
	// A pattern that matches nothing is a builder that built something
	// else than it says: an error, as fail-on-unmatched-assets makes it.
	files, notes, err := prerelease.ResolveAssets(ev.WorkspaceDir(), in.Files, true)
	if err != nil {
		return prepared{}, renameInput(err, "assets", "files")
	}
	for _, note := range notes {
		log.Infof("%s: compared under that name", note)
	}
	repositories := []string{ev.Name()}
	if in.SigsRepository != "" {
		owner, name, _ := strings.Cut(in.SigsRepository, "/")
		switch {
		case strings.EqualFold(owner, ev.Owner()):
			repositories = append(repositories, name)
		case common.AppID != "":
			return prepared{}, inputs.Errorf("sigs-repository", "%s is not of %s, the owner a GitHub App token minted for this run reaches: pass a token that reaches both instead of app-id", in.SigsRepository, ev.Owner())
		}
	}
	contents := "read"
	if in.Record || in.SigsRepository != "" {
		contents = "write"
	}
	workspace, err := filepath.Abs(ev.WorkspaceDir())
	if err != nil {
		return prepared{}, fmt.Errorf("find the workspace %s: %w", ev.WorkspaceDir(), err)
	}
	v := &verifyRun{in: in, ev: ev, files: files, workspace: workspace, log: log, dryRun: common.DryRun}
	return prepared{calls: true, target: ev.Repository, repositories: repositories,
		permissions: map[string]string{"contents": contents}, done: verifyDone,
		run: func(ctx context.Context, client *gh.Client) (report.Result, error) {
			v.client = client
			return v.run(ctx)
		}}, nil
}

// renameInput makes the inputs errors of one input, joined or not, those
// of another: ResolveAssets words its rule for assets, which files shares.
func renameInput(err error, from, to string) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var errs []error
		for _, e := range joined.Unwrap() {
			errs = append(errs, renameInput(e, from, to))
		}
		return errors.Join(errs...)
	}
	if inputErr := (*inputs.Error)(nil); errors.As(err, &inputErr) && inputErr.Input == from {
		return &inputs.Error{Input: to, Rule: inputErr.Rule}
	}
	return err
}

// verifyRun is one builder's comparison with a release.
type verifyRun struct {
	in    inputs.Verify
	ev    event.Context
	files []prerelease.File
	// workspace is absolute: the builder's SHA256SUMS goes to its Dir.
	workspace string
	log       *report.Log
	dryRun    bool // writes are planned, not sent: say "would"
	client    *gh.Client
}

// did words what a write did, or in a dry run would have done.
func (v *verifyRun) did(done, would string) string {
	if v.dryRun {
		return "would " + would
	}
	return done
}

// run hashes the builder's files, compares them with the release's
// SHA256SUMS, records the result (the sigs repository, then the grid) and
// fails, after recording, on a difference. Without sigs-repository it
// sends at most 4 requests: the release, the download of SHA256SUMS (the
// API's redirect and storage), and the notes when the grid changes.
func (v *verifyRun) run(ctx context.Context) (report.Result, error) {
	built, err := hashFiles(v.files)
	if err != nil {
		return report.Result{}, err
	}
	// The builder's own SHA256SUMS, what sigs-repository receives, in the
	// workspace for a later step (an attestation, an upload): written
	// before any request, so that a build that differs leaves it too.
	sums := verify.Text(built)
	name := sumsAsset + "-" + v.in.Builder
	if _, err := prerelease.WriteWorkspaceFile(v.workspace, name, []byte(sums)); err != nil {
		return report.Result{}, err
	}
	checksumsFile := path.Join(prerelease.Dir, name)
	owner, repo, tag := v.ev.Owner(), v.ev.Name(), v.in.Tag
	access := github.Access{Repository: v.ev.Repository, Own: v.ev.Repository, Permission: "contents: read"}
	rel, assets, err := github.ReleaseByTag(ctx, v.client, owner, repo, tag)
	if err != nil {
		if github.IsStatus(err, http.StatusNotFound) {
			return report.Result{}, fmt.Errorf("read the release %s of %s: there is no published release of that tag (a draft is never found by its tag)", tag, v.ev.Repository)
		}
		return report.Result{}, fmt.Errorf("read the release %s of %s: %w", tag, v.ev.Repository, github.Explain(err, access))
	}
	listed, err := v.readSums(ctx, assets)
	if err != nil {
		return report.Result{}, err
	}
	c := verify.Compare(listed, built)
	v.logComparison(c, len(listed))

	var res report.Result
	grid, sigs := gridOff, ""
	if !c.Compared() {
		grid = gridNothing
		// Said now: a failing step writes no result.
		v.log.Warningf("none of the files %s built (%d) is named in the SHA256SUMS of %s: nothing is recorded", v.in.Builder, len(built), tag)
	} else {
		var recorded verify.Recorded
		if v.in.Record {
			names := make([]string, len(listed))
			for i, e := range listed {
				names[i] = e.Name
			}
			recorded = verify.Record(rel.GetBody(), v.in.Builder, names, c.Marks())
			// Refused before anything is written.
			if n := utf8.RuneCountInString(recorded.Body); recorded.Changed && n > prerelease.MaxBodyChars {
				return report.Result{}, fmt.Errorf("record %s's column in the notes of %s: they would be %d characters with the grid; GitHub takes at most %d (verify with record: false)", v.in.Builder, tag, n, prerelease.MaxBodyChars)
			}
		}
		if v.in.SigsRepository != "" {
			if sigs, err = v.commitSums(ctx, sums); err != nil {
				return report.Result{}, err
			}
		}
		if v.in.Record {
			if grid, err = v.writeGrid(ctx, rel, recorded); err != nil {
				return report.Result{}, err
			}
			if recorded.Replaced {
				v.log.Warningf("the reproduction grid in the notes of %s did not read (edited by hand?): it is replaced by %s's column alone; the other builders' columns come back when they verify again", tag, v.in.Builder)
			}
		}
	}
	if err := v.result(&res, rel, c, grid, sigs, checksumsFile); err != nil {
		return report.Result{}, err
	}
	switch {
	case !c.Reproduced() && v.in.FailOnMismatch:
		return report.Result{}, v.mismatch(c, len(built))
	case len(c.Differed) > 0:
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s's build differs from %s in %s (the step does not fail: fail-on-mismatch is false)", v.in.Builder, tag, report.Count(len(c.Differed), "file")))
	}
	return res, nil
}

// hashFiles reads each file once, as ResolveAssets resolved it, a few at
// a time: a build's archives are hashed about as fast as the largest.
func hashFiles(files []prerelease.File) ([]verify.Entry, error) {
	entries := make([]verify.Entry, len(files))
	errs := make([]error, len(files))
	slots := make(chan struct{}, min(runtime.NumCPU(), 4))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			digest, err := hashFile(orDefault(f.Real, f.Path))
			if err != nil {
				errs[i] = fmt.Errorf("hash %s: %w", f.Path, err)
			}
			entries[i] = verify.Entry{Name: f.Name, Digest: digest}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return entries, nil
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readSums downloads the release's SHA256SUMS through storage, bounded,
// and reads it strictly.
func (v *verifyRun) readSums(ctx context.Context, assets []github.Asset) ([]verify.Entry, error) {
	tag := v.in.Tag
	var sums *github.Asset
	for i, a := range assets {
		if a.Name == sumsAsset && a.State == "uploaded" {
			sums = &assets[i]
		}
	}
	if sums == nil {
		return nil, fmt.Errorf("read the SHA256SUMS of %s: the release has no asset SHA256SUMS to compare with (create-prerelease attaches it with checksums: SHA256SUMS)", tag)
	}
	owner, repo := v.ev.Owner(), v.ev.Name()
	data, err := github.Repo{Client: v.client, Owner: owner, Name: repo}.ReadAsset(ctx, *sums, verify.MaxSumsBytes)
	if err != nil {
		return nil, fmt.Errorf("read the SHA256SUMS of %s: %w", tag, github.Explain(err, github.Access{Repository: v.ev.Repository, Own: v.ev.Repository, Permission: "contents: read"}))
	}
	listed, err := verify.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("read the SHA256SUMS of %s: %w", tag, err)
	}
	return listed, nil
}

// logComparison says what was compared, every difference with both digests.
func (v *verifyRun) logComparison(c verify.Comparison, listed int) {
	v.log.Infof("%s built %d of the %s the SHA256SUMS of %s lists: %d the same, %d different",
		v.in.Builder, len(c.Matched)+len(c.Differed), report.Count(listed, "file"), v.in.Tag, len(c.Matched), len(c.Differed))
	for _, d := range c.Differed {
		v.log.Infof("differs: %s: SHA256SUMS lists %s, %s built %s", d.Name, d.Release, v.in.Builder, d.Built)
	}
	if len(c.Missing) > 0 {
		v.log.Infof("not built: %s", strings.Join(c.Missing, ", "))
	}
	if len(c.Unlisted) > 0 {
		v.log.Infof("built, not in the release: %s", strings.Join(c.Unlisted, ", "))
	}
}

// commitSums commits the builder's SHA256SUMS to the sigs repository at
// <tag>/<builder>/SHA256SUMS, as guix.sigs files <version>/<builder>/:
// one commit on its default branch, none when the file already holds it.
func (v *verifyRun) commitSums(ctx context.Context, text string) (string, error) {
	owner, name, _ := strings.Cut(v.in.SigsRepository, "/")
	path := v.in.Tag + "/" + v.in.Builder + "/" + sumsAsset
	access := github.Access{Repository: v.in.SigsRepository, Own: v.ev.Repository, Permission: "contents: write"}
	file, _, _, err := v.client.Repositories.GetContents(ctx, owner, name, path, nil)
	switch {
	case github.IsStatus(err, http.StatusNotFound):
		file = nil
	case err != nil:
		return "", fmt.Errorf("read %s in %s: %w", path, v.in.SigsRepository, github.Explain(err, access))
	case file == nil:
		return "", fmt.Errorf("read %s in %s: it is a folder, not the file of a builder's checksums", path, v.in.SigsRepository)
	case file.GetSHA() == blobSHA(text):
		v.log.Infof("%s in %s holds these checksums already", path, v.in.SigsRepository)
		return "unchanged: " + path, nil
	}
	verb := "Add"
	opts := &gh.RepositoryContentFileOptions{Content: []byte(text)}
	if file != nil {
		verb, opts.SHA = "Update", file.SHA
	}
	opts.Message = gh.String(fmt.Sprintf("%s %s's SHA256SUMS of %s", verb, v.in.Builder, v.in.Tag))
	if _, _, err := v.client.Repositories.CreateFile(ctx, owner, name, path, opts); err != nil {
		return "", fmt.Errorf("commit %s to %s: %w", path, v.in.SigsRepository, github.Explain(err, access))
	}
	v.log.Infof("%s %s to %s", v.did("committed", "commit"), path, v.in.SigsRepository)
	return v.did("committed", "commit") + " " + path, nil
}

// blobSHA is git's id of a file holding text, which the contents API
// names a file by: equal, the file holds text already.
func blobSHA(text string) string {
	sum := sha1.Sum(fmt.Appendf(nil, "blob %d\x00%s", len(text), text))
	return hex.EncodeToString(sum[:])
}

// writeGrid edits the release's notes, and nothing else of it, when the
// builder's column changed: a release's body stays editable when it is
// immutable, and nothing is uploaded.
func (v *verifyRun) writeGrid(ctx context.Context, rel *gh.RepositoryRelease, recorded verify.Recorded) (string, error) {
	if !recorded.Changed {
		v.log.Infof("the reproduction grid of %s shows %s's column already", v.in.Tag, v.in.Builder)
		return gridUnchanged, nil
	}
	_, _, err := v.client.Repositories.EditRelease(ctx, v.ev.Owner(), v.ev.Name(), rel.GetID(), &gh.RepositoryRelease{Body: gh.String(recorded.Body)})
	if err != nil {
		return "", fmt.Errorf("record %s's column in the notes of %s: %w", v.in.Builder, v.in.Tag, github.Explain(err, github.Access{Repository: v.ev.Repository, Own: v.ev.Repository, Permission: "contents: write"}))
	}
	v.log.Infof("%s %s's column in the reproduction grid of %s", v.did("recorded", "record"), v.in.Builder, v.in.Tag)
	if recorded.Replaced {
		return v.did("recorded", "record") + ", replacing a grid that did not read", nil
	}
	return v.did("recorded", "record"), nil
}

// result sets verify's outputs and summary.
func (v *verifyRun) result(res *report.Result, rel *gh.RepositoryRelease, c verify.Comparison, grid, sigs, checksumsFile string) error {
	differed := make([]string, len(c.Differed))
	for i, d := range c.Differed {
		differed[i] = d.Name
	}
	lists := map[string][]string{"matched": c.Matched, "differed": differed, "missing": c.Missing}
	res.Set("reproduced", fmt.Sprint(c.Reproduced()))
	for _, name := range []string{"matched", "differed", "missing"} {
		data, err := json.Marshal(lists[name])
		if err != nil {
			return fmt.Errorf("write the %s output: %w", name, err)
		}
		res.Set(name, string(data))
	}
	res.Set("checksums-file", checksumsFile)
	res.Set("release-url", rel.GetHTMLURL())

	reproduced := "no"
	switch {
	case c.Reproduced():
		reproduced = "yes"
	case !c.Compared():
		reproduced = "no: nothing the release lists was built"
	}
	s := report.Summary{Title: "Reproduction of " + v.in.Tag}
	s.Add("Release", report.Link(v.in.Tag, rel.GetHTMLURL()))
	s.Add("Builder", report.Code(v.in.Builder))
	s.Add("Reproduced", report.Text(reproduced))
	s.Add("Files", report.Text(fmt.Sprintf("%d the same, %d different, %d not built, %d not in the release", len(c.Matched), len(c.Differed), len(c.Missing), len(c.Unlisted))))
	s.Add("Grid", report.Text(grid))
	if sigs != "" {
		s.Add("Sigs", report.Text(sigs+" in "+v.in.SigsRepository))
	}
	if len(c.Differed) > 0 {
		var b strings.Builder
		b.WriteString("| differs | SHA256SUMS | " + report.Text(v.in.Builder) + " |\n|---|---|---|\n")
		for _, d := range c.Differed {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", report.Code(d.Name), report.Code(d.Release), report.Code(d.Built))
		}
		s.Extra = b.String()
	}
	res.Summary = s
	return nil
}

// mismatch is the step's failure: one line per difference, or why nothing
// was compared.
func (v *verifyRun) mismatch(c verify.Comparison, built int) error {
	if !c.Compared() {
		return fmt.Errorf("verify %s: none of the files %s built (%d) is named in its SHA256SUMS: check files (or set fail-on-mismatch: false)", v.in.Tag, v.in.Builder, built)
	}
	errs := make([]error, 0, len(c.Differed))
	for _, d := range c.Differed {
		errs = append(errs, fmt.Errorf("verify %s: %s differs: SHA256SUMS lists %s, %s built %s", v.in.Tag, d.Name, d.Release, v.in.Builder, d.Built))
	}
	return errors.Join(errs...)
}

func verifyDone(res report.Result) string {
	var differed, matched []string
	// This run's own JSON.
	_ = json.Unmarshal([]byte(output(res, "differed")), &differed)
	_ = json.Unmarshal([]byte(output(res, "matched")), &matched)
	url := report.Value(output(res, "release-url"))
	if output(res, "reproduced") == "true" {
		return fmt.Sprintf("reproduced %s of %s", count(len(matched), "file"), url)
	}
	if len(differed)+len(matched) == 0 {
		return fmt.Sprintf("compared nothing with %s: no file built is named in its SHA256SUMS", url)
	}
	return fmt.Sprintf("%d of %s differ from %s (fail-on-mismatch is false)", len(differed), count(len(differed)+len(matched), "file"), url)
}
