package prerelease

import (
	"context"
	"fmt"
	"maps"
	"strconv"

	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/report"
	"github.com/BTCDecoded/release-action/internal/runs"
)

// runWorkflow dispatches o.Workflow with the tag as o.TagInput and, with
// o.Wait, follows the run it started to its end.
func runWorkflow(ctx context.Context, c Client, o Options) (report.Result, error) {
	inputs := maps.Clone(o.WorkflowInputs)
	if inputs == nil {
		inputs = map[string]string{}
	}
	inputs[o.TagInput] = o.Tag
	details, err := c.Dispatch(ctx, o.Workflow, o.WorkflowRef, inputs)
	if err != nil {
		return report.Result{}, github.Explain(err, o.access("actions: write"))
	}
	var res report.Result
	res.Set("tag", o.Tag)
	res.Set("created", "false")
	s := report.Summary{Title: "Prerelease " + o.Tag + " via " + o.Workflow}
	s.Add("Workflow", report.Code(o.Workflow)+" on "+report.Code(o.WorkflowRef))
	if details.ID != 0 {
		res.Set("run-id", strconv.FormatInt(details.ID, 10))
		res.Set("run-url", details.HTMLURL)
		s.Add("Run", report.Link(strconv.FormatInt(details.ID, 10), details.HTMLURL))
	}
	switch {
	case !o.Wait && o.DryRun:
		s.Add("Status", "dry run: would dispatch")
	case !o.Wait:
		s.Add("Status", "dispatched")
	case o.DryRun:
		s.Add("Status", "dry run: would dispatch and wait")
	case details.ID == 0:
		return report.Result{}, fmt.Errorf("wait for %s: GitHub did not say which run the dispatch started (GitHub Enterprise Server before 3.21 cannot); drop wait, or have %s report back", o.Workflow, o.Workflow)
	default:
		run, err := runs.Wait(ctx, c.GetRun, details.ID, details.HTMLURL, o.WaitTimeout, runs.DefaultPoll, o.Sleep, o.Now, o.Logf)
		if err != nil {
			return report.Result{}, github.Explain(err, o.access("actions: read"))
		}
		conclusion := run.GetConclusion()
		res.Set("conclusion", conclusion)
		s.Add("Conclusion", report.Code(conclusion))
		if conclusion != "success" {
			return report.Result{}, fmt.Errorf("run %d of %s concluded %s: see %s", details.ID, o.Workflow, conclusion, details.HTMLURL)
		}
	}
	res.Summary = s
	return res, nil
}
