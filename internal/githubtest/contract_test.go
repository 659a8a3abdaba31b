package githubtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-github/v66/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingTB keeps the errors the fake reports instead of failing the
// test, so a test can assert that a request was refused.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) reported() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// requireDescription skips the calling test when GitHub's description is
// missing outside CI, the one place the fake's tests say so.
func requireDescription(t *testing.T) {
	t.Helper()
	checked, path, err := contractFor(os.Getenv)
	require.NoError(t, err)
	if checked == nil {
		t.Skipf("GitHub's REST description is missing at %s, so requests go unchecked; run scripts/fetch-openapi.sh", path)
	}
}

func TestContractValidatesRequests(t *testing.T) {
	requireDescription(t)
	asset := filepath.Join(t.TempDir(), "bllvm-linux-x86_64.tar.gz")
	require.NoError(t, os.WriteFile(asset, []byte("\x1f\x8b binary"), 0o600))
	upload := func(ctx context.Context, client *github.Client) error {
		file, err := os.Open(asset)
		if err != nil {
			return err
		}
		defer file.Close()
		_, _, err = client.Repositories.UploadReleaseAsset(ctx, "BTCDecoded", "bllvm", 7, &github.UploadOptions{Name: "bllvm-linux-x86_64.tar.gz"}, file)
		return err
	}
	dotcom := func(hc *http.Client) (*github.Client, error) { return github.NewClient(hc), nil }
	// baseAt sends every call to one base URL, uploads included.
	baseAt := func(base string) func(*http.Client) (*github.Client, error) {
		return func(hc *http.Client) (*github.Client, error) {
			client := github.NewClient(hc)
			var err error
			client.BaseURL, err = url.Parse(base)
			return client, err
		}
	}
	ghes := func(hc *http.Client) (*github.Client, error) {
		return github.NewClient(hc).WithEnterpriseURLs("https://ghes.example.com/api/v3/", "https://ghes.example.com/api/uploads/")
	}
	uploadsTo := func(base func(*http.Client) (*github.Client, error), uploadURL string) func(*http.Client) (*github.Client, error) {
		return func(hc *http.Client) (*github.Client, error) {
			client, err := base(hc)
			if err != nil {
				return nil, err
			}
			client.UploadURL, err = url.Parse(uploadURL)
			return client, err
		}
	}

	tests := []struct {
		name      string
		newClient func(*http.Client) (*github.Client, error)
		call      func(context.Context, *github.Client) error
		// wantRefusal is part of the error reported for a request that
		// breaks the contract; empty means the request is allowed.
		wantRefusal string
	}{
		{
			name:      "dispatch with event type and payload",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Repositories.Dispatch(ctx, "BTCDecoded", "bllvm", github.DispatchRequestOptions{EventType: "build_all", ClientPayload: rawJSON(`{"tag":"v1"}`)})
				return err
			},
		},
		{
			name:      "dispatch without event type",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Repositories.Dispatch(ctx, "BTCDecoded", "bllvm", github.DispatchRequestOptions{})
				return err
			},
			wantRefusal: "/event_type",
		},
		{
			name:      "dispatch with a payload that is not an object",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Repositories.Dispatch(ctx, "BTCDecoded", "bllvm", github.DispatchRequestOptions{EventType: "build_all", ClientPayload: rawJSON(`["v1"]`)})
				return err
			},
			wantRefusal: "/client_payload",
		},
		{
			name:      "dispatch with more than ten payload properties",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Repositories.Dispatch(ctx, "BTCDecoded", "bllvm", github.DispatchRequestOptions{EventType: "build_all", ClientPayload: rawJSON(`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11}`)})
				return err
			},
			wantRefusal: "/client_payload",
		},
		{
			name:      "route outside the operations list",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Repositories.ListBranches(ctx, "BTCDecoded", "bllvm", nil)
				return err
			},
			wantRefusal: "GET /repos/BTCDecoded/bllvm/branches is not in GitHub's REST description as pruned for this project",
		},
		{
			name:      "ref with slashes",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Git.GetRef(ctx, "BTCDecoded", "bllvm", "tags/nightly/2025-11-17")
				return err
			},
		},
		{
			name:      "escaped tag",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Repositories.GetReleaseByTag(ctx, "BTCDecoded", "bllvm", url.PathEscape("nightly/v1"))
				return err
			},
		},
		{
			name:      "release id that is not a number",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				req, err := c.NewRequest(http.MethodGet, "repos/BTCDecoded/bllvm/releases/newest", nil)
				if err != nil {
					return err
				}
				_, err = c.Do(ctx, req, nil)
				return err
			},
			wantRefusal: "release_id",
		},
		{
			name:      "workflow dispatch asking for run details",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				req, err := c.NewRequest(http.MethodPost, "repos/BTCDecoded/bllvm/actions/workflows/release.yml/dispatches",
					map[string]any{"ref": "main", "inputs": map[string]string{"tag": "v1"}, "return_run_details": true})
				if err != nil {
					return err
				}
				_, err = c.Do(ctx, req, nil)
				return err
			},
		},
		{
			name:      "workflow dispatch with more than 25 inputs",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				inputs := map[string]string{}
				for i := range 26 {
					inputs[fmt.Sprint("input", i)] = "x"
				}
				req, err := c.NewRequest(http.MethodPost, "repos/BTCDecoded/bllvm/actions/workflows/release.yml/dispatches", map[string]any{"ref": "main", "inputs": inputs})
				if err != nil {
					return err
				}
				_, err = c.Do(ctx, req, nil)
				return err
			},
			wantRefusal: "/inputs",
		},
		{
			name:      "runs created since a time, in GitHub's search syntax",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Actions.ListWorkflowRunsByFileName(ctx, "BTCDecoded", "bllvm", "nightly.yml", &github.ListWorkflowRunsOptions{Created: ">=2025-11-17T02:00:00Z"})
				return err
			},
		},
		{
			name:      "runs created in a range of days",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Actions.ListRepositoryWorkflowRuns(ctx, "BTCDecoded", "bllvm", &github.ListWorkflowRunsOptions{Created: "2025-11-16..2025-11-17"})
				return err
			},
		},
		{
			name:      "runs created at no date",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Actions.ListRepositoryWorkflowRuns(ctx, "BTCDecoded", "bllvm", &github.ListWorkflowRunsOptions{Created: "yesterday"})
				return err
			},
			wantRefusal: `parameter "created" in query: not GitHub's search syntax for dates`,
		},
		{
			name:      "runs with a status GitHub does not know",
			newClient: dotcom,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Actions.ListRepositoryWorkflowRuns(ctx, "BTCDecoded", "bllvm", &github.ListWorkflowRunsOptions{Status: "done", Created: ">=2025-11-17"})
				return err
			},
			wantRefusal: `parameter "status" in query`,
		},
		{
			name:      "asset upload to uploads.github.com",
			newClient: dotcom,
			call:      upload,
		},
		{
			name:        "asset upload to api.github.com",
			newClient:   uploadsTo(dotcom, "https://api.github.com/"),
			call:        upload,
			wantRefusal: "was sent to the API server",
		},
		{
			name:      "dispatch to uploads.github.com",
			newClient: baseAt("https://uploads.github.com/"),
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Repositories.Dispatch(ctx, "BTCDecoded", "bllvm", github.DispatchRequestOptions{EventType: "build_all"})
				return err
			},
			wantRefusal: "was sent to the uploads server",
		},
		{
			name:      "enterprise dispatch",
			newClient: ghes,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Repositories.Dispatch(ctx, "BTCDecoded", "bllvm", github.DispatchRequestOptions{EventType: "build_all"})
				return err
			},
		},
		{
			name:      "enterprise dispatch without event type",
			newClient: ghes,
			call: func(ctx context.Context, c *github.Client) error {
				_, _, err := c.Repositories.Dispatch(ctx, "BTCDecoded", "bllvm", github.DispatchRequestOptions{})
				return err
			},
			wantRefusal: "/event_type",
		},
		{
			name:      "enterprise asset upload",
			newClient: ghes,
			call:      upload,
		},
		{
			name:        "enterprise asset upload to the API prefix",
			newClient:   uploadsTo(ghes, "https://ghes.example.com/api/v3/"),
			call:        upload,
			wantRefusal: "was sent to the API server",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recorder := &recordingTB{TB: t}
			fake := New(recorder, WithRepository("BTCDecoded/bllvm"))
			client, err := tt.newClient(fake.Client())
			require.NoError(t, err)

			err = tt.call(t.Context(), client)

			refusals := recorder.reported()
			if tt.wantRefusal == "" {
				assert.Empty(t, refusals)
				assert.Len(t, fake.Requests(), 1, "the request should reach the fake")
				return
			}
			require.Error(t, err)
			require.Len(t, refusals, 1)
			assert.Contains(t, refusals[0], tt.wantRefusal)
			assert.Empty(t, fake.Requests(), "a refused request should not reach the fake")
		})
	}
}

func TestContractRestoresTheBody(t *testing.T) {
	fake := New(t, WithRepository("BTCDecoded/bllvm"))
	client := github.NewClient(fake.Client())
	payload := json.RawMessage(`{"tag":"v1.2.3"}`)

	_, _, err := client.Repositories.Dispatch(t.Context(), "BTCDecoded", "bllvm", github.DispatchRequestOptions{EventType: "build_all", ClientPayload: &payload})

	require.NoError(t, err)
	assert.JSONEq(t, `{"event_type":"build_all","client_payload":{"tag":"v1.2.3"}}`, string(fake.Requests()[0].Body))
}

func TestContractFor(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "api.github.com.json")
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"missing outside CI goes unchecked", map[string]string{descriptionEnv: missing}, ""},
		{"missing in CI fails", map[string]string{descriptionEnv: missing, "CI": "true"}, "run scripts/fetch-openapi.sh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(name string) string { return tt.env[name] }

			checked, path, err := contractFor(getenv)

			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), path)
				return
			}
			require.NoError(t, err)
			assert.Nil(t, checked)
		})
	}
}

func TestPruneDescription(t *testing.T) {
	const full = `{
	  "openapi": "3.0.3",
	  "info": {"title": "t", "version": "1"},
	  "servers": [{"url": "https://api.github.com"}],
	  "x-webhooks": {"push": {"$ref": "#/components/schemas/dropped"}},
	  "paths": {
	    "/a/{ref}": {
	      "parameters": [{"$ref": "#/components/parameters/ref"}],
	      "get": {"responses": {"200": {"$ref": "#/components/responses/ok"}}},
	      "delete": {"responses": {"204": {"description": "gone"}}}
	    },
	    "/b/{id}/assets": {
	      "post": {
	        "servers": [{"url": "https://uploads.github.com"}],
	        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
	        "responses": {"201": {"description": "made"}}
	      }
	    },
	    "/c": {
	      "servers": [{"url": "https://uploads.github.com"}],
	      "get": {"responses": {"200": {"description": "c"}}}
	    },
	    "/unused": {"get": {"responses": {"200": {"$ref": "#/components/responses/unused"}}}}
	  },
	  "components": {
	    "parameters": {"ref": {"name": "ref", "in": "path", "required": true, "schema": {"type": "string"}, "x-multi-segment": true}},
	    "responses": {
	      "ok": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/outer"}}}},
	      "unused": {"description": "u"}
	    },
	    "schemas": {
	      "outer": {"type": "object", "properties": {"inner": {"$ref": "#/components/schemas/inner"}}},
	      "inner": {"type": "string"},
	      "dropped": {"type": "string"}
	    }
	  }
	}`
	tests := []struct {
		name           string
		ops            []operation
		wantPaths      []string
		wantComponents []string
		wantEndpoints  map[string]endpoint
		wantErr        string
	}{
		{
			name:           "keeps the listed operations and what they reach",
			ops:            []operation{{"GET", "/a/{ref}"}},
			wantPaths:      []string{"/a/{ref:.+}"},
			wantComponents: []string{"parameters/ref", "responses/ok", "schemas/inner", "schemas/outer"},
			wantEndpoints:  map[string]endpoint{"GET /a/{ref:.+}": apiEndpoint},
		},
		{
			name:          "operation servers become endpoints",
			ops:           []operation{{"POST", "/b/{id}/assets"}},
			wantPaths:     []string{"/b/{id}/assets"},
			wantEndpoints: map[string]endpoint{"POST /b/{id}/assets": uploadsEndpoint},
		},
		{
			name:          "path servers become endpoints",
			ops:           []operation{{"GET", "/c"}},
			wantPaths:     []string{"/c"},
			wantEndpoints: map[string]endpoint{"GET /c": uploadsEndpoint},
		},
		{"unknown path", []operation{{"GET", "/nope"}}, nil, nil, nil, "find path /nope"},
		{"unknown method", []operation{{"PUT", "/c"}}, nil, nil, nil, "find operation PUT /c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pruned, endpoints, err := pruneDescription([]byte(full), tt.ops)

			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantEndpoints, endpoints)
			assert.NotContains(t, string(pruned), "servers")
			assert.NotContains(t, string(pruned), "webhooks")
			var got description
			require.NoError(t, json.Unmarshal(pruned, &got))
			var paths, components []string
			for path := range got.Paths {
				paths = append(paths, path)
			}
			for kind, entries := range got.Components {
				for name := range entries {
					components = append(components, kind+"/"+name)
				}
			}
			assert.ElementsMatch(t, tt.wantPaths, paths)
			assert.ElementsMatch(t, tt.wantComponents, components)
		})
	}
}

// BenchmarkLoadContract measures reading, pruning and parsing GitHub's
// description, which every test process pays once.
func BenchmarkLoadContract(b *testing.B) {
	_, path, _ := contractFor(os.Getenv)
	if _, err := os.Stat(path); err != nil {
		b.Skipf("GitHub's REST description is missing at %s; run scripts/fetch-openapi.sh", path)
	}
	for b.Loop() {
		if _, err := loadContract(path); err != nil {
			b.Fatal(err)
		}
	}
}

// TestContractTakesHeadForGet: GitHub answers HEAD wherever it answers
// GET, as gh's HEAD releases/tags/{tag} relies on.
func TestContractTakesHeadForGet(t *testing.T) {
	requireDescription(t)
	tests := []struct {
		path     string
		wantCode int
	}{
		{"https://api.github.com/repos/BTCDecoded/bllvm/releases/tags/nightly-20251117-6113728", http.StatusNotFound},
		{"https://api.github.com/repos/BTCDecoded/bllvm", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			fake := New(t, WithRepository("BTCDecoded/bllvm"))
			req, err := http.NewRequest(http.MethodHead, tt.path, nil)
			require.NoError(t, err)
			resp, err := fake.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tt.wantCode, resp.StatusCode)
		})
	}
}
