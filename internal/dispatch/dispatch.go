// Package dispatch is the trigger-orchestrator mode: it sends one
// repository_dispatch event to the orchestrator repository.
package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"

	"github.com/BTCDecoded/release-action/internal/event"
	"github.com/BTCDecoded/release-action/internal/github"
	"github.com/BTCDecoded/release-action/internal/inputs"
	"github.com/BTCDecoded/release-action/internal/plan"
	"github.com/BTCDecoded/release-action/internal/report"
)

// GitHub's limits on client_payload.
const (
	MaxPayloadProperties = 10
	MaxPayloadBytes      = 65535
)

// DefaultOrchestrator is the orchestrator's name under this repository's owner.
const DefaultOrchestrator = "bllvm"

// Dispatcher is the part of the GitHub client this mode uses.
type Dispatcher interface {
	Dispatch(ctx context.Context, owner, repo string, opts gh.DispatchRequestOptions) (*gh.Repository, *gh.Response, error)
}

// Request is a dispatch ready to send, or the reason it is skipped.
type Request struct {
	Orchestrator string // owner/name
	EventType    string
	Payload      json.RawMessage // the client_payload, serialized once
	DispatchID   string
	Ref          string
	SHA          string
	Repository   string
	Skip         string // why nothing is sent; empty when the dispatch goes out
}

// Prepare turns validated inputs and the run's context into the request,
// checking everything GitHub would reject before anything is sent.
func Prepare(in inputs.Dispatch, ev event.Context, random io.Reader) (Request, error) {
	if err := ev.Require("repository", "sha", "ref"); err != nil {
		return Request{}, err
	}
	req := Request{
		Orchestrator: in.Orchestrator,
		EventType:    in.EventType,
		Ref:          ev.Ref,
		SHA:          ev.SHA,
		Repository:   ev.Repository,
	}
	if req.Orchestrator == "" {
		req.Orchestrator = ev.Owner() + "/" + DefaultOrchestrator
	}
	if req.EventType == "" {
		eventType, err := EventType(ev.Repository, req.Orchestrator)
		if err != nil {
			return Request{}, err
		}
		req.EventType = eventType
	}

	payload := map[string]json.RawMessage{}
	id, err := dispatchID(ev, req, random)
	if err != nil {
		return Request{}, err
	}
	for key, value := range map[string]string{"ref": ev.Ref, "sha": ev.SHA, "repo": ev.Name(), "dispatch_id": id} {
		payload[key] = mustJSON(value)
	}
	for key, value := range in.ClientPayload {
		payload[key] = value
	}
	if n := len(payload); n > MaxPayloadProperties {
		return Request{}, inputs.Errorf("client-payload", "the payload sent would have %d top-level properties (ref, sha, repo and dispatch_id included); GitHub allows at most %d", n, MaxPayloadProperties)
	}
	if req.Payload, err = json.Marshal(payload); err != nil {
		return Request{}, inputs.Errorf("client-payload", "cannot be serialized: %v", err)
	}
	if n := len(req.Payload); n > MaxPayloadBytes {
		return Request{}, inputs.Errorf("client-payload", "the payload sent would be %d bytes; GitHub allows at most %d", n, MaxPayloadBytes)
	}
	if err := json.Unmarshal(payload["dispatch_id"], &req.DispatchID); err != nil {
		return Request{}, inputs.Errorf("client-payload", "dispatch_id must be a string")
	}
	if ok, why := MatchBranch(in.Branches, ev.Ref); !ok {
		req.Skip = why
	}
	return req, nil
}

var nonWord = regexp.MustCompile(`[^a-z0-9]`)

// EventType derives the event type from this repository's name: the
// default graph's component whose repository it is (bllvm-commons →
// build_governance), else the name without bllvm- and -app
// (bllvm-consensus → build_consensus, governance-app → build_governance);
// build_all when the orchestrator dispatches to itself.
func EventType(repository, orchestrator string) (string, error) {
	if strings.EqualFold(repository, orchestrator) {
		return "build_all", nil
	}
	_, name, _ := strings.Cut(strings.ToLower(repository), "/")
	for _, c := range plan.DefaultGraph().Components() {
		if strings.EqualFold(c.Repository, name) {
			return "build_" + c.Name, nil
		}
	}
	component := strings.TrimSuffix(strings.TrimPrefix(name, "bllvm-"), "-app")
	component = nonWord.ReplaceAllString(component, "_")
	if strings.Trim(component, "_") == "" {
		return "", inputs.Errorf("event-type", "cannot be derived from the repository name %q; set it", repository)
	}
	eventType := "build_" + component
	if eventType == "build_all" {
		// build_all means "build everything"; a repository named bllvm-all
		// must say what it means.
		return "", inputs.Errorf("event-type", "derived from %q as build_all, which asks the orchestrator to build everything; set it", repository)
	}
	if err := inputs.CheckEventType("event-type", eventType); err != nil {
		return "", inputs.Errorf("event-type", "derived from %q as %q, which is too long; set it", repository, eventType)
	}
	return eventType, nil
}

// dispatchID identifies this dispatch: the same for every retry within a
// run attempt, different for a rerun, another step, another repository.
// Outside Actions there is no run, so it is random.
func dispatchID(ev event.Context, req Request, random io.Reader) (string, error) {
	if ev.RunID == 0 {
		b := make([]byte, 8)
		if _, err := io.ReadFull(random, b); err != nil {
			return "", fmt.Errorf("make a dispatch id: %w", err)
		}
		return "local-" + hex.EncodeToString(b), nil
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{ev.Repository, ev.Job, ev.Step, req.Orchestrator, req.EventType}, "\x00")))
	return fmt.Sprintf("%d-%d-%s", ev.RunID, max(ev.RunAttempt, 1), hex.EncodeToString(sum[:4])), nil
}

// Run sends the dispatch, or says why it was skipped, and returns the
// outputs and summary. With a follower it then waits for the run the
// dispatch started.
func Run(ctx context.Context, client Dispatcher, req Request, ev event.Context, dryRun bool, follower *Follower) (report.Result, error) {
	var res report.Result
	sent := req.Skip == ""
	res.Set("dispatched", strconv.FormatBool(sent))
	res.Set("orchestrator", req.Orchestrator)
	res.Set("event-type", req.EventType)
	res.Set("client-payload", string(req.Payload))
	res.Set("dispatch-id", req.DispatchID)
	res.Summary = summary(req, ev, dryRun)
	if !sent {
		res.Notices = append(res.Notices, "not dispatching "+req.EventType+" to "+req.Orchestrator+": "+req.Skip)
		return res, nil
	}
	owner, name, _ := strings.Cut(req.Orchestrator, "/")
	payload := req.Payload
	opts := gh.DispatchRequestOptions{EventType: req.EventType, ClientPayload: &payload}
	var dispatchedAt time.Time
	if follower != nil {
		dispatchedAt = follower.Now()
	}
	if _, _, err := client.Dispatch(ctx, owner, name, opts); err != nil {
		err = fmt.Errorf("dispatch %s to %s: %w", req.EventType, req.Orchestrator, err)
		return report.Result{}, github.Explain(err, github.Access{Repository: req.Orchestrator, Own: ev.Repository, Permission: "contents: write"})
	}
	switch {
	case follower == nil:
	case dryRun:
		res.Notices = append(res.Notices, "dry run: would wait for the orchestrator's run of dispatch "+req.DispatchID)
	default:
		if err := follower.follow(ctx, req, dispatchedAt, &res); err != nil {
			return report.Result{}, github.Explain(err, github.Access{Repository: req.Orchestrator, Own: ev.Repository, Permission: "actions: read"})
		}
		if url, ok := res.Get("run-url"); ok {
			res.Summary.Add("Run", report.Link(url, url))
		}
		if c, ok := res.Get("conclusion"); ok {
			res.Summary.Add("Conclusion", report.Code(c))
		}
	}
	return res, nil
}

func summary(req Request, ev event.Context, dryRun bool) report.Summary {
	s := report.Summary{Title: "Trigger orchestrator"}
	switch {
	case req.Skip != "":
		s.Add("Status", "skipped: "+report.Text(req.Skip))
	case dryRun:
		s.Add("Status", "dry run: would dispatch")
	default:
		s.Add("Status", "dispatched")
	}
	server := ev.ServerURL
	if server == "" {
		server = "https://github.com"
	}
	s.Add("Orchestrator", report.Link(req.Orchestrator, server+"/"+req.Orchestrator))
	s.Add("Event type", report.Code(req.EventType))
	s.Add("Ref", report.Code(req.Ref))
	s.Add("Commit", report.Link(short(req.SHA), server+"/"+req.Repository+"/commit/"+req.SHA))
	s.Add("Dispatch id", report.Code(req.DispatchID))
	if req.Skip == "" {
		s.Add("Runs", report.Link("repository_dispatch runs of "+req.Orchestrator, server+"/"+req.Orchestrator+"/actions?query="+url.QueryEscape("event:repository_dispatch")))
	}
	return s
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}
